"""Decomposition: zones partition the day; the merged plan is checked as one plan of the whole day."""

from __future__ import annotations

from pathlib import Path

from solver.analysis.check import check
from solver.engine.decompose import solve_decomposed, zones
from solver.io.documents import load_problem

ROOT = Path(__file__).resolve().parents[3]


def test_zones_partition_carers_and_visits_and_pinned_visits_follow_their_carer() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "zone.json")
    data = problem.model_dump()
    data["visits"][0]["pinned_carer"] = data["carers"][-1]["id"]
    data["visits"][0]["skills"], data["visits"][0]["excluded_carers"] = [], []
    data["visits"][0]["carer_gender"] = None
    problem = type(problem).model_validate(data)
    parts = zones(problem, 3, seed=0)
    carers = sorted(c for cs, _ in parts for c in cs)
    visits = sorted(v for _, vs in parts for v in vs)
    assert carers == list(range(len(problem.carers)))
    assert visits == list(range(len(problem.visits)))
    assert all(cs and vs for cs, vs in parts)
    home = next(i for i, (cs, _) in enumerate(parts) if len(problem.carers) - 1 in cs)
    assert 0 in parts[home][1]
    again = zones(problem, 3, seed=0)
    assert again == parts  # seeded


def test_decomposed_plan_passes_the_checker_and_accounts_for_every_visit() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "v1" / "small.json")
    solution = solve_decomposed(problem, time_limit_s=60, solution_limit=20, zone_visits=20)
    assert check(problem, solution) == []  # double-ups synchronised across the merged runs too
    assert solution.solver.engine == "ortools-decomposed"
    served = {s.visit_id for r in solution.runs for s in r.stops}
    assert served | {u.visit_id for u in solution.unassigned} == {v.id for v in problem.visits}
    assert solution.kpis.visits_assigned >= 0.9 * len(problem.visits)


def test_small_days_are_solved_in_one_piece() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "small.json")
    solution = solve_decomposed(problem, time_limit_s=60, solution_limit=5)
    assert solution.solver.engine == "ortools"


def test_a_visit_and_the_visit_it_must_follow_share_a_zone() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "zone.json")
    data = problem.model_dump()
    far = max(range(len(data["visits"])), key=lambda i: data["visits"][i]["location"]["lat"])
    near = min(range(len(data["visits"])), key=lambda i: data["visits"][i]["location"]["lat"])
    data["visits"][far]["after"] = [{"visit_id": data["visits"][near]["id"], "min_gap_min": 0}]
    problem = type(problem).model_validate(data)
    parts = zones(problem, 3, seed=0)
    zone_of = {v: z for z, (_, vs) in enumerate(parts) for v in vs}
    assert zone_of[far] == zone_of[near]
