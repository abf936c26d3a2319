"""Times of day as people write them ("07:30") and as the solver counts them (seconds).

Everything inside carerun is integer seconds since midnight of the plan's date; strings
exist only at the edges (JSON in, JSON out), so that no engine ever compares two strings.
"""

from __future__ import annotations

import re

_TIME_RE = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")
DAY_S = 24 * 3600


def parse_time(text: str) -> int:
    """Parse "HH:MM" or "HH:MM:SS" (24-hour clock, "24:00" allowed as end of day)."""
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time of day; expected 'HH:MM' or 'HH:MM:SS'")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    total = hours * 3600 + minutes * 60 + seconds
    if total > DAY_S:
        raise ValueError(f"{text!r} is past the end of the day (24:00)")
    return total


def format_time(seconds: int) -> str:
    """Format seconds since midnight as "HH:MM:SS" (hours may pass 23 for long horizons)."""
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def minutes_to_s(minutes: float) -> int:
    """People give durations in minutes; the solver needs whole seconds."""
    return round(minutes * 60)
