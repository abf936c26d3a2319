"""One tiny hand-checkable instance per rule, solved by the engine and re-checked independently.

Travel is an explicit matrix so every figure can be added up by hand: home H and places A, B, C,
10 minutes from H to anywhere and 5 minutes between A, B and C.
"""

from __future__ import annotations

from typing import Any

import pytest

from solver.analysis.check import check
from solver.engine.search import solve
from solver.model.clock import parse_time
from solver.model.problem import Problem, Solution
from tests.solver.tiny import MIN, A, B, C, carer, problem, visit


def planned(p: Problem) -> Solution:
    """Solve and insist the plan passes the independent checker."""
    solution = solve(p)
    assert check(p, solution) == []
    return solution


def carers_of(solution: Solution, visit_id: str) -> list[str]:
    return sorted(r.carer_id for r in solution.runs for s in r.stops if s.visit_id == visit_id)


def stop(solution: Solution, visit_id: str, carer_id: str | None = None) -> Any:
    return next(
        s
        for r in solution.runs
        for s in r.stops
        if s.visit_id == visit_id and (carer_id is None or r.carer_id == carer_id)
    )


def reason(solution: Solution, visit_id: str) -> str:
    return next(u.code for u in solution.unassigned if u.visit_id == visit_id)


def test_window_bounds_the_start() -> None:
    s = planned(problem([carer("c1")], [visit("v1", A, "09:00", "09:10"), visit("v2", B, "05:00", "06:00")]))
    assert parse_time("09:00") <= stop(s, "v1").start <= parse_time("09:10")
    assert reason(s, "v2") == "NO_CARER_IN_WINDOW"


def test_shift_includes_the_drive_home() -> None:
    fits = planned(
        problem([carer("c1", shift={"start": "07:00", "end": "12:30"})], [visit("v1", A, "11:50", "11:50")])
    )
    assert fits.runs[0].end == parse_time("12:30")
    short = planned(
        problem([carer("c1", shift={"start": "07:00", "end": "12:25"})], [visit("v1", A, "11:50", "11:50")])
    )
    assert reason(short, "v1") == "TRAVEL_TOO_FAR"


def test_run_leaves_home_as_late_as_possible() -> None:
    s = planned(problem([carer("c1")], [visit("v1", A, "09:00", "09:00")]))
    assert s.runs[0].start == parse_time("08:50")
    assert s.runs[0].stops[0].wait_s == 0


def test_skill_goes_to_a_carer_who_holds_it() -> None:
    s = planned(
        problem(
            [carer("c1"), carer("c2", skills=["hoist"])], [visit("v1", A, "09:00", "10:00", skills=["hoist"])]
        )
    )
    assert carers_of(s, "v1") == ["c2"]
    nobody = planned(problem([carer("c1")], [visit("v1", A, "09:00", "10:00", skills=["peg"])]))
    assert reason(nobody, "v1") == "NO_SKILLED_CARER"


def test_excluded_carer_is_never_sent() -> None:
    s = planned(
        problem([carer("c1"), carer("c2")], [visit("v1", A, "09:00", "10:00", excluded_carers=["c1"])])
    )
    assert carers_of(s, "v1") == ["c2"]
    alone = planned(problem([carer("c1")], [visit("v1", A, "09:00", "10:00", excluded_carers=["c1"])]))
    assert reason(alone, "v1") == "EXCLUDED_OR_GENDER"


def test_gender_is_respected() -> None:
    carers = [carer("c1", gender="male"), carer("c2", gender="female")]
    s = planned(problem(carers, [visit("v1", A, "09:00", "10:00", carer_gender="female")]))
    assert carers_of(s, "v1") == ["c2"]


def test_pinned_carer_does_the_visit() -> None:
    carers = [carer("c1"), carer("c2", start=C)]
    s = planned(problem(carers, [visit("v1", A, "09:00", "10:00", pinned_carer="c2")]))
    assert carers_of(s, "v1") == ["c2"]


def test_double_up_is_two_carers_at_the_same_second() -> None:
    carers = [carer("c1"), carer("c2", start=C)]
    s = planned(
        problem(
            carers, [visit("v1", A, "09:00", "10:00", carers_required=2), visit("v2", B, "08:00", "12:00")]
        )
    )
    assert carers_of(s, "v1") == ["c1", "c2"]
    assert stop(s, "v1", "c1").start == stop(s, "v1", "c2").start
    assert s.kpis.double_ups_assigned == 1


def test_double_up_with_one_carer_says_partner() -> None:
    s = planned(problem([carer("c1")], [visit("v1", A, "09:00", "10:00", carers_required=2)]))
    assert reason(s, "v1") == "DOUBLE_UP_PARTNER"
    assert s.runs == []


def test_break_is_taken_and_pushes_the_next_visit() -> None:
    brk = [{"window": {"start": "10:00", "end": "10:00"}, "duration_min": 30}]
    visits = [visit("v1", A, "09:30", "09:30"), visit("v2", A, "10:00", "11:00")]
    s = planned(problem([carer("c1", breaks=brk)], visits))
    run = s.runs[0]
    assert [(b.start, b.end) for b in run.breaks] == [(parse_time("10:00"), parse_time("10:30"))]
    assert stop(s, "v2").start >= parse_time("10:30")


def test_max_visits_caps_a_run() -> None:
    carers = [carer("c1", max_visits=2), carer("c2", start=C, max_visits=2)]
    visits = [visit(f"v{i}", A, "08:00", "13:00", 15) for i in range(5)]
    s = planned(problem(carers, visits))
    assert sorted(len(r.stops) for r in s.runs) == [2, 2]
    assert s.kpis.visits_assigned == 4


def test_max_working_time_caps_the_span() -> None:
    visits = [visit("v1", A, "08:00", "08:00"), visit("v2", B, "11:00", "11:00")]
    s = planned(problem([carer("c1", max_working_min=120)], visits))
    assert s.kpis.visits_assigned == 1
    assert all(r.end - r.start <= 120 * MIN for r in s.runs)


def test_capacity_counts_demand() -> None:
    carers = [carer("c1", capacity=3), carer("c2", capacity=3)]
    visits = [visit(f"v{i}", A, "08:00", "13:00", 10, demand=2) for i in range(3)]
    s = planned(problem(carers, visits))
    assert s.kpis.visits_assigned == 2


def test_critical_beats_low_when_only_one_fits() -> None:
    visits = [
        visit("low", A, "09:00", "09:00", 60, priority="low"),
        visit("crit", B, "09:00", "09:00", 60, priority="critical"),
    ]
    s = planned(problem([carer("c1")], visits))
    assert carers_of(s, "crit") == ["c1"]
    assert reason(s, "low") == "SHIFT_CAPACITY"


def test_every_visit_is_served_or_explained() -> None:
    visits = [visit(f"v{i}", [A, B, C][i % 3], "07:00", "13:00", 45) for i in range(12)]
    s = planned(problem([carer("c1"), carer("c2")], visits))
    served = {st.visit_id for r in s.runs for st in r.stops}
    explained = {u.visit_id for u in s.unassigned}
    assert served | explained == {f"v{i}" for i in range(12)} and not served & explained
    assert s.status == ("solved" if not explained else "partial")


@pytest.mark.parametrize("seed", [0, 7])
def test_same_seed_and_solution_limit_give_the_same_plan(seed: int) -> None:
    visits = [
        visit(f"v{i}", [A, B, C][i % 3], "07:00", "13:00", 20, carers_required=2 if i % 4 == 0 else 1)
        for i in range(10)
    ]
    p = problem(
        [carer("c1"), carer("c2", start=B), carer("c3", start=C)], visits, seed=seed, solution_limit=30
    )
    first, second = solve(p), solve(p)
    assert first.model_dump(exclude={"solver"}) == second.model_dump(exclude={"solver"})


@pytest.mark.parametrize(("attempts", "orders"), [(None, 8), (1, 1), (3, 3)])
def test_attempts_caps_the_constructions_seeded_orders(
    attempts: int | None, orders: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a solution limit the construction tries 8 seeded orders while a visit stays out (one
    here never fits: it needs a skill nobody holds); ``attempts`` caps them."""
    import solver.engine.construct as construct

    tried: list[int] = []
    once = construct.construct_once

    def counted(*args: Any, **kw: Any) -> Any:
        tried.append(1)
        return once(*args, **kw)

    monkeypatch.setattr(construct, "construct_once", counted)
    visits = [visit("v1", A, "09:00", "10:00"), visit("never", B, "09:00", "10:00", skills=["hoist"])]
    s = solve(problem([carer("c1")], visits, solution_limit=5), attempts=attempts)
    assert len(tried) == orders
    assert reason(s, "never") == "NO_SKILLED_CARER" and s.kpis.visits_assigned == 1
