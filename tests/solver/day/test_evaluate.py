"""Tests for plan evaluation (solver/day/evaluate.py and ``carerun evaluate``).

A plan's order is kept and its times recomputed from the problem; every broken rule comes
back from the checker with its cause; exit codes 0 (clean), 1 (violations), 2 (bad input).
"""

from __future__ import annotations

from typing import Any

import pytest

from solver.analysis.check import check
from solver.day.evaluate import PlanDocument, evaluate, parse_plan
from solver.engine.search import solve
from solver.io.documents import InputError
from tests.solver.tiny import A, B, C, brk, carer, problem, visit


def plan(*runs: tuple[str, list[str]]) -> PlanDocument:
    return PlanDocument.model_validate({"runs": [{"carer_id": c, "visit_ids": v} for c, v in runs]})


def world() -> Any:
    """c1 with a 30-minute break 11:00-12:00; v2 must start by 09:30; v3 is a double-up."""
    return problem(
        [carer("c1", breaks=[brk("11:00", "12:00", 30)]), carer("c2")],
        [
            visit("v1", A, "09:00", "10:00"),
            visit("v2", B, "09:00", "09:30"),
            visit("v3", C, "08:00", "12:00", carers_required=2),
        ],
    )


def test_a_feasible_rota_is_timed_like_the_optimiser_and_keeps_every_rule() -> None:
    p = world()
    sol, violations = evaluate(p, plan(("c1", ["v2", "v1", "v3"]), ("c2", ["v3"])))
    assert violations == []
    c1 = sol.runs[0]
    # H->B 10 min, v2 09:00-09:30, B->A 5 min, v1 09:35-10:05, A->C 5 min, v3 10:10 with c2
    assert [(s.visit_id, s.start) for s in c1.stops] == [
        ("v2", 9 * 3600),
        ("v1", 9 * 3600 + 35 * 60),
        ("v3", 10 * 3600 + 10 * 60),
    ]
    assert sol.runs[1].stops[0].start == 10 * 3600 + 10 * 60  # the double-up starts together
    assert sol.kpis.travel_s == (10 + 5 + 5 + 10) * 60 + 20 * 60
    assert check(p, sol) == []


def test_a_late_visit_is_timed_late_and_reported_with_its_cause() -> None:
    sol, violations = evaluate(world(), plan(("c1", ["v1", "v2", "v3"]), ("c2", ["v3"])))
    assert [(v.rule, v.visit_id) for v in violations] == [("window", "v2")]
    assert "09:35:00" in violations[0].message and "09:00:00-09:30:00" in violations[0].message
    assert any("cannot be timed within the rules" in n for n in sol.solver.notes)


def test_wrong_skill_and_half_a_double_up_are_both_reported() -> None:
    p = problem(
        [carer("c1"), carer("c2")],
        [visit("v1", A, skills=["hoist"]), visit("v3", C, "08:00", "12:00", carers_required=2)],
    )
    _, violations = evaluate(p, plan(("c1", ["v1", "v3"])))
    rules = {(v.rule, v.visit_id) for v in violations}
    assert ("skill", "v1") in rules
    assert ("coverage", "v3") in rules


def test_visits_left_out_are_unassigned_with_a_reason_not_dropped() -> None:
    sol, violations = evaluate(world(), plan(("c1", ["v2"])))
    assert violations == []
    assert {u.visit_id for u in sol.unassigned} == {"v1", "v3"}
    assert all(u.reason for u in sol.unassigned)


def test_a_full_solution_is_re_timed_from_its_order() -> None:
    p = world()
    optimised = solve(p)
    sol, violations = evaluate(p, parse_plan(optimised.model_dump_json(), "plan.json"))
    assert violations == []
    assert sol.kpis.visits_assigned == optimised.kpis.visits_assigned
    assert sol.kpis.travel_s == optimised.kpis.travel_s


def test_a_solution_evaluated_scores_what_it_scored_when_solved() -> None:
    """One timing: the engine's own plan, evaluated, keeps its times, so pay and every figure
    match what ``solve`` reported (re-timing to earliest starts changed paid waiting)."""
    p = world()
    optimised = solve(p)
    sol, violations = evaluate(p, parse_plan(optimised.model_dump_json(), "plan.json"))
    assert violations == []
    assert sol.runs == optimised.runs and sol.kpis == optimised.kpis
    assert sol.solver.notes == ["times as given in the plan, which keep every rule"]


@pytest.mark.parametrize(
    ("starts", "start", "note"),
    [
        (None, "10:00:00", "times recomputed"),  # no times: timed as the engine's construction does
        (["09:50"], "09:50:00", "times as given"),  # times that keep every rule are kept
        (["10:30"], "10:00:00", "times recomputed"),  # outside the window: re-timed
    ],
)
def test_given_times_are_kept_only_when_they_keep_every_rule(
    starts: list[str] | None, start: str, note: str
) -> None:
    p = problem([carer("c1")], [visit("v1", A, "09:00", "10:00")])
    given = PlanDocument.model_validate({"runs": [{"carer_id": "c1", "visit_ids": ["v1"], "starts": starts}]})
    sol, violations = evaluate(p, given)
    assert violations == []
    assert sol.runs[0].model_dump(mode="json")["stops"][0]["start"] == start
    assert sol.solver.notes[0].startswith(note)


@pytest.mark.parametrize(
    ("runs", "message"),
    [
        ([("cX", ["v1"])], "runs[0].carer_id: unknown carer 'cX'"),
        ([("c1", ["v9"])], "runs[0].visit_ids[0]: unknown visit 'v9'"),
        ([("c1", ["v1"]), ("c2", ["v1"])], "runs[1].visit_ids[0]: visit 'v1' needs 1 carer(s)"),
        ([("c1", ["v3", "v3"])], "twice in the run"),
        ([("c1", []), ("c1", [])], "has two runs"),
    ],
)
def test_bad_references_are_input_errors_naming_the_field(runs: list[Any], message: str) -> None:
    with pytest.raises(InputError, match=None) as info:
        evaluate(world(), plan(*runs))
    assert message in str(info.value)


def test_a_gap_kept_by_waiting_and_a_gap_broken_by_the_order() -> None:
    """v2 must start two hours after v1 (medication): in order, v2 waits until 11:00; the
    other way round nothing can make it hold, and the checker says so."""
    p = problem(
        [carer("c1")],
        [
            visit("v1", A, "09:00", "12:00", minutes=20),
            visit("v2", A, "09:00", "12:00", minutes=20, after=[{"visit_id": "v1", "min_gap_min": 120}]),
        ],
    )
    sol, violations = evaluate(p, plan(("c1", ["v1", "v2"])))
    assert violations == []
    assert [s.start for s in sol.runs[0].stops] == [9 * 3600, 11 * 3600]
    _, violations = evaluate(p, plan(("c1", ["v2", "v1"])))
    assert [(v.rule, v.visit_id) for v in violations] == [("min_gap", "v2")]


def test_two_runs_waiting_on_each_other_are_timed_and_reported() -> None:
    p = problem(
        [carer("c1"), carer("c2")],
        [
            visit("d1", A, "09:00", "12:00", carers_required=2),
            visit("d2", B, "09:00", "12:00", carers_required=2),
        ],
    )
    sol, violations = evaluate(p, plan(("c1", ["d1", "d2"]), ("c2", ["d2", "d1"])))
    assert violations and {v.rule for v in violations} <= {"double_up", "window", "shift", "travel"}
    assert all(s.start <= 24 * 3600 for r in sol.runs for s in r.stops)
    assert sol.violations is not None and len(sol.violations) == len(violations)
