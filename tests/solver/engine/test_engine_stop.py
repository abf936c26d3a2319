"""The engine's optional ``stop`` hook (used by the HTTP API's DELETE): ends the search early and
returns the best plan so far, and changes nothing when it never fires."""

from __future__ import annotations

import time
from pathlib import Path

from solver.analysis.check import check
from solver.engine.search import solve
from solver.io.documents import load_problem

SMALL = Path(__file__).resolve().parents[3] / "instances" / "homecare" / "small.json"


def test_stop_ends_a_long_search_with_a_checked_plan() -> None:
    problem = load_problem(SMALL)
    started = time.monotonic()
    solution = solve(problem, time_limit_s=60, seed=0, stop=lambda: time.monotonic() - started > 1.5)
    assert time.monotonic() - started < 10
    assert check(problem, solution) == []
    assert solution.kpis.visits_assigned > 0


def test_stop_before_search_returns_the_constructed_plan() -> None:
    problem = load_problem(SMALL)
    solution = solve(problem, time_limit_s=60, seed=0, stop=lambda: True)
    assert solution.solver.wall_s < 10
    assert check(problem, solution) == []


def test_a_stop_that_never_fires_keeps_the_plan_reproducible() -> None:
    problem = load_problem(SMALL)
    plain = solve(problem, time_limit_s=30, seed=3, solution_limit=30)
    hooked = solve(problem, time_limit_s=30, seed=3, solution_limit=30, stop=lambda: False)
    assert plain.runs == hooked.runs and plain.unassigned == hooked.unassigned
