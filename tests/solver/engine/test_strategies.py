"""Named search strategies: the default is the engine's old search; unknown names are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.analysis.check import check
from solver.engine.search import solve
from solver.engine.strategies import STRATEGIES
from solver.io.classic import read_solomon

ROOT = Path(__file__).resolve().parents[3]


def test_default_strategy_is_guided_local_search_as_before() -> None:
    problem = read_solomon(ROOT / "instances" / "solomon" / "C201.txt")
    plain = solve(problem, time_limit_s=60, solution_limit=20)
    named = solve(problem, time_limit_s=60, solution_limit=20, strategy="gls")
    assert plain.runs == named.runs


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_returns_a_checked_plan(name: str) -> None:
    problem = read_solomon(ROOT / "instances" / "solomon" / "C201.txt")
    solution = solve(problem, time_limit_s=60, solution_limit=10, strategy=name)
    assert check(problem, solution) == []
    assert not solution.unassigned


def test_unknown_strategy_is_refused_by_name() -> None:
    problem = read_solomon(ROOT / "instances" / "solomon" / "C201.txt")
    with pytest.raises(ValueError, match="strategy: unknown 'fastest'"):
        solve(problem, time_limit_s=1, strategy="fastest")
