"""VROOM's plan as the engine's first solution, only where VROOM can express the day."""

from __future__ import annotations

from pathlib import Path

from benchmarks.feasibility import evaluate
from solver.check import check
from solver.classic import read_solomon
from solver.compiled import compile_problem
from solver.engine import solve
from solver.io import load_problem
from solver.warmstart import _first_plan_objective, _objective, expressible, solve_warm, vroom_routes

ROOT = Path(__file__).resolve().parents[2]


def test_only_days_without_double_ups_breaks_or_restrictions_are_expressible() -> None:
    assert expressible(compile_problem(read_solomon(ROOT / "instances" / "solomon" / "C101.txt")))
    small = compile_problem(load_problem(ROOT / "instances" / "homecare" / "small.json"))
    assert not expressible(small)
    assert vroom_routes(small, 1.0) is None


def test_engine_searches_from_the_given_routes_and_never_ends_worse() -> None:
    problem = read_solomon(ROOT / "instances" / "solomon" / "R101.txt")
    cp = compile_problem(problem)
    routes = vroom_routes(cp, 5.0, level=0)
    assert routes is not None and sorted(v for r in routes for v in r) == list(range(100))
    start = evaluate(cp, routes)
    assert start.feasible
    solution = solve(problem, time_limit_s=60, solution_limit=10, initial_routes=routes)
    assert solution.solver.first_solution == "WARM_START"
    assert check(problem, solution) == []
    assert not solution.unassigned
    assert solution.kpis.travel_s <= start.cost


def test_routes_the_engine_cannot_use_fall_back_to_cheapest_insertion() -> None:
    problem = read_solomon(ROOT / "instances" / "solomon" / "C201.txt")
    solution = solve(problem, time_limit_s=60, solution_limit=10, initial_routes=[[0, 1]])  # too few carers
    assert solution.solver.first_solution == "PARALLEL_CHEAPEST_INSERTION"
    assert check(problem, solution) == []


def test_warm_solve_of_a_day_with_double_ups_is_the_plain_engine() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "small.json")
    warm = solve_warm(problem, time_limit_s=60, solution_limit=10)
    plain = solve(problem, time_limit_s=60, solution_limit=10)
    assert warm.runs == plain.runs
    assert check(problem, warm) == []


def test_a_start_worse_than_cheapest_insertion_is_not_used() -> None:
    cp = compile_problem(read_solomon(ROOT / "instances" / "solomon" / "C101.txt"))
    first = _first_plan_objective(cp)
    assert first is not None
    empty = [[] for _ in range(cp.n_carers)]  # every visit dropped: only drop costs
    assert _objective(cp, empty) > first
    routes = vroom_routes(cp, 5.0, level=0)
    assert routes is not None
    assert _objective(cp, routes) == evaluate(cp, routes).cost  # all served: travel only


def test_days_with_promised_times_are_not_expressible() -> None:
    problem = read_solomon(ROOT / "instances" / "solomon" / "C101.txt")
    data = problem.model_dump()
    data["visits"][0]["promised"] = {"time": data["visits"][0]["window"]["start"], "tolerance_min": 15}
    assert not expressible(compile_problem(type(problem).model_validate(data)))
