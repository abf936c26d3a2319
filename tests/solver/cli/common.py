"""Shared by the ``carerun`` tests: a tiny problem, the app under ``CliRunner``, a real process.

Most tests drive the Typer app in-process with ``CliRunner``; a few run ``python -m solver.cli``
for real, to see what a user sees.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from solver.cli import app
from solver.model.problem import Problem, Solution

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parents[3]
SOLOMON_C101 = ROOT / "instances" / "solomon" / "C101.txt"


def tiny_problem() -> Json:
    """Two carers and three visits a short drive apart, with room for all of them."""
    return {
        "id": "tiny",
        "date": "2026-11-26",
        "carers": [
            {
                "id": "c1",
                "start": {"lat": 51.320, "lon": -2.200},
                "shift": {"start": "07:00", "end": "15:00"},
                "skills": ["medication"],
            },
            {
                "id": "c2",
                "start": {"lat": 51.330, "lon": -2.210},
                "shift": {"start": "07:00", "end": "15:00"},
            },
        ],
        "visits": [
            {
                "id": "v1",
                "location": {"lat": 51.318, "lon": -2.214},
                "window": {"start": "08:00", "end": "09:00"},
                "duration_min": 30,
                "skills": ["medication"],
            },
            {
                "id": "v2",
                "location": {"lat": 51.325, "lon": -2.205},
                "window": {"start": "09:00", "end": "10:00"},
                "duration_min": 30,
            },
            {
                "id": "v3",
                "location": {"lat": 51.330, "lon": -2.215},
                "window": {"start": "10:00", "end": "11:00"},
                "duration_min": 30,
                "excluded_carers": ["c1"],
            },
        ],
        "travel": {"model": "haversine", "circuity": 1.3, "speed_kmh": {"car": 40, "walk": 4.5}},
        "options": {"time_limit_s": 1, "seed": 0},
    }


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def squash(text: str) -> str:
    """The text without any whitespace: Rich wraps long lines at the console width."""
    return "".join(text.split())


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def assert_covered(problem: Problem, solution: Solution) -> None:
    """Every visit is in exactly carers_required runs or in unassigned, never both or neither."""
    served = Counter(stop.visit_id for run in solution.runs for stop in run.stops)
    dropped = Counter(u.visit_id for u in solution.unassigned)
    for visit in problem.visits:
        if visit.id in dropped:
            assert dropped[visit.id] == 1 and served[visit.id] == 0, visit.id
        else:
            assert served[visit.id] == visit.carers_required, visit.id
    known = {v.id for v in problem.visits}
    assert set(served) | set(dropped) <= known
    assert solution.kpis.visits == len(problem.visits)
    assert solution.status == ("partial" if dropped else "solved")


def run_carerun(*args: str) -> subprocess.CompletedProcess[str]:
    """``carerun ARGS`` in a real process, from this source tree."""
    return subprocess.run(
        [sys.executable, "-m", "solver.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
