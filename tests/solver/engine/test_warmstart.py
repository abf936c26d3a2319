"""Another solver's plan as the engine's first solution, only where that solver can express the day."""

from __future__ import annotations

from pathlib import Path

from benchmarks.feasibility import evaluate
from benchmarks.sets import relax
from solver.analysis.check import check
from solver.engine.compiled import compile_problem
from solver.engine.search import penalties, solve
from solver.engine.warmstart import expressible, pyvrp_alone, vroom_routes, warm_routes
from solver.io.classic import read_solomon
from solver.io.documents import load_problem
from tests.solver.tiny import A, B, carer, problem, visit

ROOT = Path(__file__).resolve().parents[3]
SOLOMON = ROOT / "instances" / "solomon"


def test_only_days_without_double_ups_breaks_or_restrictions_are_expressible() -> None:
    assert expressible(compile_problem(read_solomon(SOLOMON / "C101.txt")))
    small = compile_problem(load_problem(ROOT / "instances" / "homecare" / "small.json"))
    assert not expressible(small)
    assert vroom_routes(small, 1.0) is None
    for source in ("pyvrp", "vroom"):
        assert warm_routes(small, source, penalties(small), time_limit_s=1, seed=0, solution_limit=1) is None


def test_engine_searches_from_the_given_routes_and_never_ends_worse() -> None:
    problem = read_solomon(SOLOMON / "R101.txt")
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
    problem = read_solomon(SOLOMON / "C201.txt")
    solution = solve(problem, time_limit_s=60, solution_limit=10, initial_routes=[[0, 1]])  # too few carers
    assert solution.solver.first_solution == "PARALLEL_CHEAPEST_INSERTION"
    assert check(problem, solution) == []


def test_by_default_an_expressible_day_starts_from_pyvrp_and_travels_less() -> None:
    problem = read_solomon(SOLOMON / "RC101.txt")
    warm = solve(problem, time_limit_s=60, solution_limit=20)
    cold = solve(problem, time_limit_s=60, solution_limit=20, warm_start="none")
    assert warm.solver.first_solution == "WARM_START"
    assert warm.solver.notes[0].startswith("warm start: pyvrp planned 100 of 100 visits")
    assert cold.solver.first_solution == "PARALLEL_CHEAPEST_INSERTION"
    assert check(problem, warm) == [] and check(problem, cold) == []
    assert not warm.unassigned
    assert warm.kpis.travel_s < cold.kpis.travel_s


def test_the_warm_start_is_reproducible_with_a_solution_limit() -> None:
    problem = read_solomon(SOLOMON / "R201.txt")
    first = solve(problem, time_limit_s=60, seed=3, solution_limit=5)
    again = solve(problem, time_limit_s=60, seed=3, solution_limit=5)
    assert first.runs == again.runs


def test_the_problem_option_turns_the_warm_start_off() -> None:
    problem = read_solomon(SOLOMON / "C101.txt")
    data = problem.model_dump()
    data["options"]["warm_start"] = "none"
    solution = solve(type(problem).model_validate(data), time_limit_s=60, solution_limit=5)
    assert solution.solver.first_solution == "PARALLEL_CHEAPEST_INSERTION"


def test_a_day_with_double_ups_is_planned_as_without_a_warm_start() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "small.json")
    default = solve(problem, time_limit_s=60, solution_limit=10)
    off = solve(problem, time_limit_s=60, solution_limit=10, warm_start="none")
    assert default.runs == off.runs
    assert check(problem, default) == []


def test_days_with_promised_times_are_not_expressible() -> None:
    problem = read_solomon(SOLOMON / "C101.txt")
    data = problem.model_dump()
    data["visits"][0]["promised"] = {"time": data["visits"][0]["window"]["start"], "tolerance_min": 15}
    assert not expressible(compile_problem(type(problem).model_validate(data)))


def test_pyvrps_plan_is_the_solves_where_it_plans_under_the_engines_own_objective() -> None:
    problem = read_solomon(SOLOMON / "R101.txt")
    cp = compile_problem(problem)
    assert pyvrp_alone(cp)
    solution = solve(problem, time_limit_s=60, seed=2, solution_limit=4)
    assert any(n.startswith("PyVRP's plan kept as the solve's") for n in solution.solver.notes)
    assert check(problem, solution) == [] and not solution.unassigned
    # the plan is PyVRP's own, after the iterations the solution limit allows, untouched
    routes = warm_routes(cp, "pyvrp", penalties(cp), time_limit_s=60, seed=2, solution_limit=4)
    assert routes is not None
    assert solution.kpis.travel_s == evaluate(cp, routes).cost


def test_under_paid_waiting_or_tools_searches_on_from_pyvrps_plan() -> None:
    problem = read_solomon(SOLOMON / "R101.txt")
    data = problem.model_dump()
    data["options"]["objective"] = "paid-time"
    paid = type(problem).model_validate(data)
    cp = compile_problem(paid)
    assert expressible(cp) and not pyvrp_alone(cp)  # PyVRP does not price the waiting
    solution = solve(paid, time_limit_s=60, seed=2, solution_limit=4)
    assert solution.solver.first_solution == "WARM_START"
    assert not any(n.startswith("PyVRP's plan kept") for n in solution.solver.notes)
    assert check(paid, solution) == []


def test_visits_pyvrp_left_out_of_its_final_plan_are_repaired_in() -> None:
    problem = relax(load_problem(ROOT / "instances" / "homecare" / "zone.json"))
    cp = compile_problem(problem)
    routes = warm_routes(cp, "pyvrp", penalties(cp), time_limit_s=60, seed=0, solution_limit=1)
    assert routes is not None
    out = cp.n_visits - sum(len(run) for run in routes)
    assert out > 0  # 50 iterations are not enough for PyVRP to place every visit of the day
    solution = solve(problem, time_limit_s=60, seed=0, solution_limit=1)
    assert any(
        n.startswith("repaired in ") and n.endswith(f"of the {out} visits PyVRP left out")
        for n in solution.solver.notes
    )
    assert solution.kpis.visits_assigned > cp.n_visits - out
    assert check(problem, solution) == []


def test_the_notes_say_how_many_rounds_pyvrp_searched_and_which_was_kept() -> None:
    # a two-visit day: PyVRP's best plan comes at once, so each round stalls after MIN_ROUND
    # iterations and a solution limit of 100 (5,000 iterations) leaves room for several
    day = problem([carer("a"), carer("b")], [visit("v1", at=A), visit("v2", at=B)])
    solution = solve(day, time_limit_s=60, seed=3, solution_limit=100)
    note = next(n for n in solution.solver.notes if n.startswith("warm start: pyvrp"))
    assert ", in " in note and " rounds (seeds 3-" in note and "kept: seed 3)" in note
