"""Tests for solver/model/clock.py: times of day as strings at the edges, integer seconds inside."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.model.clock import DAY_S, format_time, minutes_to_s, parse_time


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("07:30", 7 * 3600 + 30 * 60),
        ("07:30:15", 7 * 3600 + 30 * 60 + 15),
        ("00:00", 0),
        ("7:05", 7 * 3600 + 5 * 60),
        ("23:59:59", DAY_S - 1),
        ("24:00", DAY_S),
        ("24:00:00", DAY_S),
        (" 07:30 ", 27000),
    ],
)
def test_parse_time_accepts_hh_mm_and_hh_mm_ss(text: str, seconds: int) -> None:
    assert parse_time(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "24:01",
        "24:00:01",
        "25:00",
        " 25:00",
        "7.30",
        "",
        "   ",
        "07:60",
        "07:30:60",
        "7:5",
        "07h30",
        "-01:00",
    ],
)
def test_parse_time_rejects_what_is_not_a_time_of_day(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a time of day|past the end of the day"):
        parse_time(text)


def test_parse_time_past_midnight_says_so() -> None:
    with pytest.raises(ValueError, match="past the end of the day"):
        parse_time("24:01")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (27000, "07:30:00"),
        (0, "00:00:00"),
        (27015, "07:30:15"),
        (DAY_S, "24:00:00"),
        (DAY_S + 3600, "25:00:00"),  # long horizons: hours pass 23
        (-90, "-00:01:30"),
    ],
)
def test_format_time(seconds: int, text: str) -> None:
    assert format_time(seconds) == text


@given(st.integers(min_value=0, max_value=DAY_S))
def test_format_then_parse_is_the_identity_over_the_day(seconds: int) -> None:
    text = format_time(seconds)
    assert len(text) == 8
    assert parse_time(text) == seconds


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_parse_then_format_adds_seconds(hours: int, minutes: int) -> None:
    text = f"{hours:02d}:{minutes:02d}"
    assert format_time(parse_time(text)) == f"{text}:00"


@pytest.mark.parametrize(
    ("minutes", "seconds"),
    [(0.5, 30), (0, 0), (30, 1800), (1 / 60, 1), (7.25, 435), (420, 25200)],
)
def test_minutes_to_s_gives_whole_seconds(minutes: float, seconds: int) -> None:
    result = minutes_to_s(minutes)
    assert result == seconds
    assert isinstance(result, int)
