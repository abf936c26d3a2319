"""Tests for solve(first_plan=...): the engine searches from a caller's plan, double-ups included.

The world of tests/solver/tiny.py with three identical carers: any relabelling of carers in a
plan costs the same, so the engine on its own has no reason to pick the one given here, and a
result that keeps it shows the search started from it.
"""

from __future__ import annotations

from typing import Any

from solver.analysis.check import check
from solver.engine import FirstPlan, solve
from solver.model.problem import Problem, Solution
from tests.solver.tiny import A, B, C, carer, problem, visit

VISITS = [
    visit("d", A, "09:00", "10:00", carers_required=2),
    visit("s1", B, "09:00", "12:00"),
    visit("s2", C, "11:00", "12:00"),
]
ROTATE = {"c1": "c2", "c2": "c3", "c3": "c1"}


def day(**kw: Any) -> Problem:
    return problem([carer("c1"), carer("c2"), carer("c3")], VISITS, **kw)


def carers_of(solution: Solution) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for run in solution.runs:
        for stop in run.stops:
            out.setdefault(stop.visit_id, set()).add(run.carer_id)
    return out


def test_from_solution_keeps_order_starts_and_both_carers_of_a_double_up() -> None:
    solution = solve(day())
    first = FirstPlan.from_solution(solution, label="published")
    assert first.label == "published"
    for run in solution.runs:
        assert list(first.runs[run.carer_id]) == [s.visit_id for s in run.stops]
        assert all(first.starts[s.visit_id] == s.start for s in run.stops)
    assert sum("d" in visits for visits in first.runs.values()) == 2
    assert all("d" not in visits for visits in first.without({"d"}).runs.values())


def test_the_search_starts_from_a_first_plan_with_a_double_up() -> None:
    problem = day()
    alone = solve(problem)
    rotated = {vid: {ROTATE[c] for c in cs} for vid, cs in carers_of(alone).items()}
    assert rotated != carers_of(alone)  # the engine by itself picks another plan
    given = FirstPlan(
        runs={ROTATE[r.carer_id]: [s.visit_id for s in r.stops] for r in alone.runs},
        starts={s.visit_id: s.start for r in alone.runs for s in r.stops},
    )
    solution = solve(problem, first_plan=given)
    assert carers_of(solution) == rotated
    assert "search started from the given plan" in solution.solver.notes
    assert solution.solver.first_solution == "GIVEN"
    assert check(problem, solution) == []


def test_a_first_plan_without_starts_times_the_double_up_for_both_carers() -> None:
    problem = day()
    given = FirstPlan(runs={"c2": ["d", "s2"], "c3": ["s1", "d"]})
    solution = solve(problem, first_plan=given)
    assert carers_of(solution) == {"d": {"c2", "c3"}, "s1": {"c3"}, "s2": {"c2"}}
    assert solution.solver.first_solution == "GIVEN"
    assert check(problem, solution) == []


def test_what_the_first_plan_misses_or_cannot_keep_is_inserted() -> None:
    problem = day()
    # s2 is missing; s1 is given a start outside its window; "x" is no visit of the problem
    given = FirstPlan(runs={"c1": ["d", "x"], "c3": ["d", "s1"]}, starts={"d": 9 * 3600, "s1": 6 * 3600})
    solution = solve(problem, first_plan=given)
    assert not solution.unassigned
    assert carers_of(solution)["d"] == {"c1", "c3"}
    assert "search started from the given plan" in solution.solver.notes
    assert check(problem, solution) == []


def test_a_first_plan_with_nothing_usable_falls_back_to_the_construction() -> None:
    problem = day()
    given = FirstPlan(runs={"nobody": ["d", "s1"], "c1": ["x"]}, label="published")
    solution = solve(problem, first_plan=given)
    assert solution.solver.notes[0] == "no visit of the published plan could be kept; constructed a plan"
    assert solution.solver.first_solution == "PAIR_INSERTION"
    assert not solution.unassigned
    assert check(problem, solution) == []


def test_a_double_up_given_to_one_carer_is_inserted_again_whole() -> None:
    problem = day()
    given = FirstPlan(runs={"c1": ["d", "s2"], "c3": ["s1"]})  # "d" needs two carers
    solution = solve(problem, first_plan=given)
    assert len(carers_of(solution)["d"]) == 2
    assert not solution.unassigned
    assert check(problem, solution) == []
