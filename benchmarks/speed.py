"""Speed suite (pytest-benchmark): matrix build, model build, solve, checker, by day size.

    make bench        # all sizes; JSON to benchmarks/results/speed.json
    BENCH_SIZES=50 .venv/bin/python -m pytest benchmarks/speed.py --benchmark-disable   # smoke

Days are generated (``solver.generate.day``, seed 0, ``county`` zone) at 50 / 330 / 1,000 /
2,000 visits. The solve is bounded by a *solution* limit, not a time limit, so every round
does the same work on any machine; the seconds are what pytest-benchmark measured and belong
in ``benchmarks/results/speed.json`` beside the machine and load, never in an assertion.
"""

from __future__ import annotations

import os
from functools import cache

import pytest

from solver.analysis.check import check
from solver.engine.compiled import compile_problem
from solver.engine.construct import Nodes
from solver.engine.search import RoutingModel, solve
from solver.generate.day import generate_day
from solver.model.problem import Problem, Solution
from solver.travel import build_travel

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "50,330,1000,2000").split(",") if s.strip()]
SOLUTION_LIMIT = int(os.environ.get("BENCH_SOLUTION_LIMIT", "50"))


@cache
def day(visits: int) -> Problem:
    return generate_day(zone="county", visits=visits, seed=0)


PLANS: dict[int, Solution] = {}  # the solve benchmark's plans, checked again by the checker one


def plan(visits: int) -> Solution:
    if visits not in PLANS:
        PLANS[visits] = solve(day(visits), time_limit_s=600, solution_limit=SOLUTION_LIMIT)
    return PLANS[visits]


def _record(benchmark: pytest.FixtureRequest, visits: int) -> None:
    problem = day(visits)
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        visits=len(problem.visits), carers=len(problem.carers), loadavg=list(os.getloadavg())
    )


@pytest.mark.parametrize("visits", SIZES)
def test_matrix_build(benchmark: pytest.FixtureRequest, visits: int) -> None:
    problem = day(visits)
    travel = benchmark(build_travel, problem)  # type: ignore[operator]
    assert len(travel.places) >= len({v.location.key() for v in problem.visits})
    _record(benchmark, visits)


@pytest.mark.parametrize("visits", SIZES)
def test_model_build(benchmark: pytest.FixtureRequest, visits: int) -> None:
    problem = day(visits)

    def build() -> RoutingModel:
        cp = compile_problem(problem)
        return RoutingModel(cp, Nodes.of(cp))

    model = benchmark.pedantic(build, rounds=3, iterations=1)  # type: ignore[attr-defined]
    assert model.routing.vehicles() == len(problem.carers)
    _record(benchmark, visits)


@pytest.mark.parametrize("visits", SIZES)
def test_solve_solution_limit(benchmark: pytest.FixtureRequest, visits: int) -> None:
    problem = day(visits)
    solution = benchmark.pedantic(  # type: ignore[attr-defined]
        solve,
        args=(problem,),
        kwargs={"time_limit_s": 600, "solution_limit": SOLUTION_LIMIT},
        rounds=1,
        iterations=1,
    )
    assert check(problem, solution) == []
    PLANS[visits] = solution
    _record(benchmark, visits)


@pytest.mark.parametrize("visits", SIZES)
def test_checker(benchmark: pytest.FixtureRequest, visits: int) -> None:
    problem, solution = day(visits), plan(visits)
    violations = benchmark(check, problem, solution)  # type: ignore[operator]
    assert violations == []
    _record(benchmark, visits)
