"""Tests for solver/engine/compiled.py: a Problem flattened into integer arrays and an eligibility table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from solver.engine.compiled import PRIORITY_RANK, UNLIMITED, Compiled, compile_problem
from solver.model.clock import parse_time
from solver.model.problem import Problem

H, A, B, C = ({"lat": 51.0 + i / 100, "lon": -2.0} for i in range(4))
DUR = [[0, 600, 600, 600], [600, 0, 300, 300], [600, 300, 0, 300], [600, 300, 300, 0]]


def carer(cid: str, **kw: Any) -> dict[str, Any]:
    return {"id": cid, "start": H, "shift": {"start": "07:00", "end": "14:00"}, **kw}


def visit(vid: str, at: dict[str, float] = A, **kw: Any) -> dict[str, Any]:
    return {"id": vid, "location": at, "window": {"start": "09:00", "end": "10:00"}, "duration_min": 30, **kw}


def compiled(carers: list[dict[str, Any]], visits: list[dict[str, Any]]) -> Compiled:
    modes = {c.get("travel_mode", "car") for c in carers}
    travel = {"model": "matrix", "locations": [H, A, B, C], "durations_s": {m: DUR for m in modes}}
    return compile_problem(
        Problem.model_validate({"id": "t", "carers": carers, "visits": visits, "travel": travel})
    )


CARERS = [
    carer("c1", skills=["hoist", "medication"], gender="female"),
    carer("c2", skills=["hoist"], gender="male"),
    carer("c3"),
]


@pytest.fixture(scope="module")
def cp() -> Compiled:
    visits = [
        visit("any"),
        visit("hoist", skills=["hoist"]),
        visit("hoist+med", skills=["hoist", "medication"]),
        visit("not-c2", excluded_carers=["c2"]),
        visit("female", carer_gender="female"),
        visit("pin-c3", pinned_carer="c3"),
        visit("pin-c2-med", pinned_carer="c2", skills=["medication"]),
    ]
    return compiled(CARERS, visits)


def test_eligibility_table(cp: Compiled) -> None:
    assert cp.eligible.dtype == np.bool_
    assert cp.eligible.shape == (7, 3)
    assert cp.eligible.tolist() == [
        [True, True, True],  # no requirement
        [True, True, False],  # skills: hoist held by c1 and c2
        [True, False, False],  # skills must all be held: only c1 has both
        [True, False, True],  # excluded carer
        [True, False, False],  # gender: c3 has none, c2 is male
        [True, True, True],  # a pin does not change eligibility
        [True, False, False],  # pinned c2 lacks medication
    ]


def test_allowed_lists_eligible_carers_only(cp: Compiled) -> None:
    assert cp.allowed(0) == [0, 1, 2]
    assert cp.allowed(3) == [0, 2]
    assert cp.allowed(6) == [0]  # the pinned carer counts only if eligible
    assert all(isinstance(c, int) for c in cp.allowed(0))


def test_pinned_is_a_carer_index_or_minus_one(cp: Compiled) -> None:
    assert cp.pinned.tolist() == [-1, -1, -1, -1, -1, 2, 1]


def test_sizes(cp: Compiled) -> None:
    assert (cp.n_visits, cp.n_carers) == (7, 3)


def test_visit_arrays_are_seconds_and_ranks() -> None:
    cp = compiled(
        [carer("c1")],
        [
            visit(
                "v1", at=B, window={"start": "07:30", "end": "08:30"}, duration_min=45, priority="critical"
            ),
            visit("v2", at=C, carers_required=2, priority="low", demand=3, duration_min=0.5),
            visit("v3", at=B),
        ],
    )
    assert cp.v_ws.tolist() == [parse_time("07:30"), parse_time("09:00"), parse_time("09:00")]
    assert cp.v_we.tolist() == [parse_time("08:30"), parse_time("10:00"), parse_time("10:00")]
    assert cp.v_dur.tolist() == [2700, 30, 1800]
    assert cp.v_req.tolist() == [1, 2, 1]
    assert cp.v_prio.tolist() == [PRIORITY_RANK["critical"], PRIORITY_RANK["low"], PRIORITY_RANK["normal"]]
    assert cp.v_prio.tolist() == [0, 2, 1]
    assert cp.v_demand.tolist() == [0, 3, 0]
    assert cp.v_place.tolist() == [2, 3, 2]  # row of the explicit matrix; B twice
    for name in ("v_place", "v_ws", "v_we", "v_dur", "v_req", "v_prio", "v_demand"):
        assert getattr(cp, name).dtype == np.int64, name


def test_carer_limits_default_to_unlimited() -> None:
    cp = compiled(
        [carer("free"), carer("capped", max_visits=5, max_working_min=90.5, capacity=3)], [visit("v1")]
    )
    assert cp.c_max_visits.tolist() == [UNLIMITED, 5]
    assert cp.c_max_work.tolist() == [UNLIMITED, 5430]
    assert cp.c_capacity.tolist() == [UNLIMITED, 3]
    assert UNLIMITED > 86400 * 1000  # larger than any sum of seconds or visits in a day


def test_carer_arrays() -> None:
    cp = compiled(
        [
            carer("c1", shift={"start": "06:30", "end": "12:00"}),
            carer("c2", start=B, end=C, travel_mode="walk"),
        ],
        [visit("v1")],
    )
    assert cp.c_start.tolist() == [0, 2]
    assert cp.c_end.tolist() == [0, 3]  # end defaults to start
    assert cp.c_shift_s.tolist() == [parse_time("06:30"), parse_time("07:00")]
    assert cp.c_shift_e.tolist() == [parse_time("12:00"), parse_time("14:00")]
    assert cp.modes == ["car", "walk"]
    assert cp.c_mode.tolist() == [0, 1]
    assert len(cp.dur_by_mode) == len(cp.dist_by_mode) == 2
    assert cp.dur_by_mode[1][0, 1] == 600


def test_breaks_are_kept_in_the_given_order() -> None:
    breaks = [
        {"window": {"start": "13:00", "end": "14:00"}, "duration_min": 30},
        {"window": {"start": "10:00", "end": "11:00"}, "duration_min": 15},
    ]
    cp = compiled([carer("c1", breaks=breaks), carer("c2")], [visit("v1")])
    assert cp.c_breaks == [
        [(parse_time("13:00"), parse_time("14:00"), 1800), (parse_time("10:00"), parse_time("11:00"), 900)],
        [],
    ]


def test_no_visits_still_compiles() -> None:
    cp = compiled([carer("c1"), carer("c2")], [])
    assert cp.n_visits == 0
    assert cp.eligible.shape == (0, 2)
    assert cp.pinned.tolist() == []
