"""Legs with no route (``null`` in a duration matrix) and matrix entries at the cap.

A null leg is never driven by any phase (construction, PyVRP's warm start, OR-Tools, the
extraction), a visit no carer can drive to and back is unassigned with ``TRAVEL_TOO_FAR``,
and the checker, reading the matrix on its own, reports a run that drives one. The penalties
of the biggest day the service takes, with legs at the cap, stay inside int64.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from solver.analysis.check import check
from solver.engine import solve
from solver.engine.compiled import compile_problem
from solver.engine.construct import Nodes, construct
from solver.engine.search import INT64_MAX, penalty_levels
from solver.model.problem import MAX_DURATION_S, Problem, Run, Solution
from solver.travel import UNREACHABLE_S
from tests.solver.tiny import DIST, DUR, QUICK, A, B, C, H, carer, visit

Json = dict[str, Any]


def day(carers: list[Json], visits: list[Json], nulls: list[tuple[int, int]], **options: Any) -> Problem:
    """The tiny world with ``nulls`` (from, to) over places H, A, B, C set to no route."""
    durations = copy.deepcopy(DUR)
    distances = copy.deepcopy(DIST)
    for i, j in nulls:
        durations[i][j] = None
        distances[i][j] = None
    travel = {
        "model": "matrix",
        "locations": [H, A, B, C],
        "durations_s": {"car": durations},
        "distances_m": {"car": distances},
    }
    doc = {"id": "t", "carers": carers, "visits": visits, "travel": travel, "options": {**QUICK, **options}}
    return Problem.model_validate(doc)


def checked(problem: Problem, **kw: Any) -> Solution:
    solution = solve(problem, **kw)
    assert check(problem, solution) == []
    return solution


WIDE = {"start": "08:00", "end": "12:00"}
A_TO_B = (1, 2)  # a one-way ferry that does not run: A -> B has no route, B -> A has


@pytest.mark.parametrize("warm_start", ["pyvrp", "none"])
def test_a_null_leg_is_planned_around(warm_start: str) -> None:
    visits = [visit("a", A, "08:00", "12:00"), visit("b", B, "08:00", "12:00")]
    problem = day([carer("c1")], visits, [A_TO_B])
    solution = checked(problem, warm_start=warm_start)
    assert solution.unassigned == []
    (run,) = solution.runs
    assert [s.visit_id for s in run.stops] == ["b", "a"]  # never a then b


def test_the_construction_never_drives_a_null_leg() -> None:
    visits = [visit("a", A, "08:00", "12:00"), visit("b", B, "08:00", "12:00")]
    cp = compile_problem(day([carer("c1")], visits, [A_TO_B]))
    nodes = Nodes.of(cp)
    plan, unplaced = construct(cp, nodes, seed=0, budget_s=1.0, attempts=4)
    assert unplaced == []
    assert plan.visit_nodes(0) == [1, 0]


def test_the_engine_matrix_holds_the_sentinel_on_null_legs() -> None:
    cp = compile_problem(day([carer("c1")], [visit("a", A)], [A_TO_B]))
    assert cp.dur_by_mode[0][1, 2] == UNREACHABLE_S and cp.dur_by_mode[0][2, 1] == 300
    assert cp.dist_by_mode[0][1, 2] == 0


@pytest.mark.parametrize(
    ("nulls", "leg"),
    [([(0, 3)], "from their start to it"), ([(3, 0)], "from it back to their end")],
    ids=["no-way-there", "no-way-home"],
)
def test_a_visit_no_carer_can_reach_is_travel_too_far(nulls: list[tuple[int, int]], leg: str) -> None:
    visits = [visit("a", A), visit("c", C, "11:00", "12:00")]
    problem = day([carer("c1"), carer("c2")], visits, nulls)
    cp = compile_problem(problem)
    assert not cp.eligible[1].any() and cp.eligible[0].all()
    solution = checked(problem)
    (out,) = solution.unassigned
    assert (out.visit_id, out.code) == ("c", "TRAVEL_TOO_FAR")
    assert "travel.durations_s.car has no route (null)" in out.reason and leg in out.reason
    assert [s.visit_id for run in solution.runs for s in run.stops] == ["a"]


def test_a_visit_out_of_reach_of_its_pinned_carer_is_travel_too_far() -> None:
    home = {**carer("c2"), "start": C, "end": C}
    problem = day([carer("c1"), home], [visit("a", A, pinned_carer="c1")], [(0, 1)])
    (out,) = checked(problem).unassigned
    assert out.code == "TRAVEL_TOO_FAR" and "pinned carer 'c1'" in out.reason


def test_a_carer_whose_start_cannot_reach_their_end_may_stay_home() -> None:
    """An empty run drives nothing: a null from home to end does not make the day infeasible."""
    away = {**carer("c2"), "start": B, "end": C}
    problem = day([carer("c1"), away], [visit("a", A)], [(2, 3)])
    solution = checked(problem)
    assert solution.unassigned == []


def test_the_checker_reports_a_run_that_drives_a_null_leg() -> None:
    visits = [visit("a", A, "08:00", "12:00"), visit("b", B, "08:00", "12:00")]
    problem = day([carer("c1")], visits, [A_TO_B])
    good = checked(problem)
    nine = 9 * 3600
    # a then b, timed as if A -> B took no time: only the leg itself is at fault
    stops = [
        {"visit_id": "a", "arrival": nine, "start": nine, "end": nine + 1800, "travel_s": 600},
        {"visit_id": "b", "arrival": nine + 1800, "start": nine + 1800, "end": nine + 3600, "travel_s": 0},
    ]
    run = {
        **good.runs[0].model_dump(),
        "start": nine - 600,
        "end": nine + 4200,
        "stops": [{**stop, "distance_m": 0, "wait_s": 0} for stop in stops],
    }
    bad = good.model_copy(update={"runs": [Run.model_validate(run)]})
    travel = [v for v in check(problem, bad) if v.rule == "travel"]
    assert [(v.visit_id, "no route" in v.message) for v in travel] == [("b", True)], travel


def test_a_day_with_legs_at_the_cap_solves_quickly_and_checks() -> None:
    """Every leg to or from C a day long (the cap), C to home null: no hang, no overflow."""
    durations = [[0 if i == j else MAX_DURATION_S for j in range(4)] for i in range(4)]
    for i, j in ((0, 1), (1, 2), (0, 2)):
        durations[i][j] = durations[j][i] = 600
    durations[3][0] = None
    travel = {"model": "matrix", "locations": [H, A, B, C], "durations_s": {"car": durations}}
    visits = [visit("a", A, "08:00", "12:00"), visit("b", B, "08:00", "12:00"), visit("c", C)]
    problem = Problem.model_validate(
        {"id": "t", "carers": [carer("c1")], "visits": visits, "travel": travel, "options": QUICK}
    )
    solution = checked(problem)
    assert [s.visit_id for s in solution.runs[0].stops] == ["a", "b"]
    assert [(u.visit_id, u.code) for u in solution.unassigned] == [("c", "TRAVEL_TOO_FAR")]


# --------------------------------------------------------------------------- penalties at the edge

BIGGEST_DAY = 5_000  # the API's default cap on visits in one problem (api/settings.py)


def edge_day(n_visits: int, promised: Json | None = None) -> Problem:
    """``n_visits`` double-up visits (every visit two copies: the most copies a day can have),
    priorities in thirds, carers at two homes; haversine travel, reset to the cap below."""
    rng = np.random.default_rng(0)
    lat, lon = 51.0 + rng.random(n_visits) / 10, -2.0 + rng.random(n_visits) / 10
    prios = ["critical", "normal", "low"]
    visits = [
        {
            **visit(f"v{i}", {"lat": float(lat[i]), "lon": float(lon[i])}, "00:00", "24:00"),
            "carers_required": 2,
            "priority": prios[i % 3],
            **({"promised": promised} if promised else {}),
        }
        for i in range(n_visits)
    ]
    carers = [{**carer(f"c{k}"), "shift": {"start": "00:00", "end": "24:00"}} for k in range(20)]
    return Problem.model_validate({"id": "edge", "carers": carers, "visits": visits})


@pytest.fixture(scope="module")
def biggest() -> Problem:
    return edge_day(BIGGEST_DAY)


def at_the_cap(problem: Problem) -> Any:
    cp = compile_problem(problem)
    cp.dur_by_mode[0][0, 1] = MAX_DURATION_S  # the longest leg the contract allows
    return cp


def test_penalties_of_the_biggest_day_with_the_longest_leg_fit_int64(biggest: Problem) -> None:
    cp = at_the_cap(biggest)
    levels = penalty_levels(cp)
    assert levels.strict  # no soft costs: priorities strictly lexicographic
    assert levels.unit == 4 * MAX_DURATION_S + 10_000 + 1
    assert levels.bound <= INT64_MAX
    low, normal = (int(cp.v_req[cp.v_prio == rank].sum()) for rank in (2, 1))
    assert low + normal > 3_000
    # dropping a copy saves less than a unit of travel: a normal copy outweighs every low copy
    # and that, a critical one every normal and low copy and that
    assert levels.by_rank[1] >= low * levels.by_rank[2] + levels.unit
    assert levels.by_rank[0] >= normal * levels.by_rank[1] + low * levels.by_rank[2] + levels.unit


def test_the_dearest_soft_costs_cut_the_unit_but_never_overflow() -> None:
    """Lateness at the contract's dearest price (with a fraction: the objective scale is 100)
    over a whole-day window would need a unit past int64 on the biggest day: it is cut, the
    travel share of it is kept whole, and the objective's bound stays inside int64."""
    promised = {"time": "00:00", "late_cost_per_min": 9999.5, "early_cost_per_min": 0}
    cp = at_the_cap(edge_day(BIGGEST_DAY, promised))
    levels = penalty_levels(cp)
    assert not levels.strict
    assert (4 * MAX_DURATION_S + 10_000) * 100 < levels.unit < levels.wanted
    assert levels.bound <= INT64_MAX
    assert max(levels.by_rank.values()) <= INT64_MAX
    # the old scale, unit x (2n+1)^2 per critical copy, overflowed here once summed
    assert levels.wanted * (2 * cp.n_visits + 1) ** 2 * (cp.n_visits // 3) > INT64_MAX


def test_a_walk_of_over_a_day_is_travel_too_far() -> None:
    """With haversine travel a leg over 24 h has no route either (the engine's matrices)."""
    far = {"lat": 52.3, "lon": -2.0}  # about 190 km of road: two days on foot
    walker = carer("w", travel_mode="walk")
    problem = Problem.model_validate(
        {"id": "t", "carers": [walker], "visits": [visit("far", far)], "options": QUICK}
    )
    cp = compile_problem(problem)
    assert cp.dur_by_mode[0][0, 1] == UNREACHABLE_S and cp.travel.durations_s["walk"][0, 1] > MAX_DURATION_S
    (out,) = checked(problem).unassigned
    assert out.code == "TRAVEL_TOO_FAR" and "travel by walk takes over 24 h" in out.reason
