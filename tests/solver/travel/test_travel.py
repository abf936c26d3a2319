"""Tests for solver/travel: per-mode integer matrices from haversine or explicit input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from solver.model.problem import Location, Problem
from solver.travel import CIRCUITY, EARTH_RADIUS_M, all_pairs_m, build_travel

P0 = {"lat": 51.0, "lon": -2.0}
P1 = {"lat": 52.0, "lon": -2.0}  # one degree of latitude north of P0
P2 = {"lat": 51.0, "lon": -1.0}  # one degree of longitude east of P0
ONE_DEGREE_M = 111_200  # 2 * pi * 6371 km / 360, to 0.1 km


def carer(cid: str, at: dict[str, float] = P0, **kw: Any) -> dict[str, Any]:
    return {"id": cid, "start": at, "shift": {"start": "07:00", "end": "14:00"}, **kw}


def visit(vid: str, at: dict[str, float]) -> dict[str, Any]:
    return {"id": vid, "location": at, "window": {"start": "09:00", "end": "10:00"}, "duration_min": 30}


def problem(carers: list[dict[str, Any]], visits: list[dict[str, Any]], travel: dict[str, Any]) -> Problem:
    return Problem.model_validate({"id": "t", "carers": carers, "visits": visits, "travel": travel})


def loc(point: dict[str, float]) -> Location:
    return Location.model_validate(point)


# --------------------------------------------------------------------------- haversine


def test_one_degree_of_latitude_is_about_111_km() -> None:
    d = all_pairs_m(np.array([51.0, 52.0]), np.array([-2.0, -2.0]))
    assert d[0, 1] == pytest.approx(ONE_DEGREE_M, rel=0.005)
    assert d[0, 1] == pytest.approx(EARTH_RADIUS_M * math.pi / 180, abs=0.01)


def test_haversine_is_symmetric_with_a_zero_diagonal() -> None:
    d = all_pairs_m(np.array([51.0, 52.0, 51.0]), np.array([-2.0, -2.0, -1.0]))
    assert d.shape == (3, 3)
    assert np.allclose(d, d.T)
    assert np.all(np.diag(d) == 0)
    # a degree of longitude at 51 N is cos(51 deg) of a degree of latitude
    assert d[0, 2] == pytest.approx(ONE_DEGREE_M * math.cos(math.radians(51)), rel=0.005)


def test_circuity_and_mode_speed_give_distance_and_duration() -> None:
    travel = {"model": "haversine", "circuity": 1.3, "speed_kmh": {"car": 40, "walk": 4.5}}
    p = problem([carer("c1"), carer("c2", travel_mode="walk")], [visit("v1", P1)], travel)
    tm = build_travel(p)
    road_m = EARTH_RADIUS_M * math.pi / 180 * 1.3  # about 144.6 km
    assert tm.distance("car", loc(P0), loc(P1)) == round(road_m)
    assert tm.distance("walk", loc(P0), loc(P1)) == round(road_m)
    # duration = distance / speed: 144.6 km at 40 km/h is about 3 h 37 min
    assert tm.duration("car", loc(P0), loc(P1)) == round(road_m / (40 / 3.6))
    assert tm.duration("car", loc(P0), loc(P1)) == pytest.approx(13010, abs=1)
    assert tm.duration("walk", loc(P0), loc(P1)) == round(road_m / (4.5 / 3.6))
    assert tm.duration("walk", loc(P1), loc(P0)) == tm.duration("walk", loc(P0), loc(P1))


def test_circuity_scales_distance_linearly() -> None:
    def metres(circuity: float) -> int:
        travel = {"model": "haversine", "circuity": circuity, "speed_kmh": {"car": 40}}
        return build_travel(problem([carer("c1")], [visit("v1", P1)], travel)).distance(
            "car", loc(P0), loc(P1)
        )

    assert metres(2.0) == pytest.approx(2 * metres(1.0), abs=1)
    assert metres(1.0) == pytest.approx(ONE_DEGREE_M, rel=0.005)


def test_only_modes_a_carer_uses_get_matrices() -> None:
    travel = {"model": "haversine", "speed_kmh": {"car": 40, "walk": 4.5, "bike": 15}}
    tm = build_travel(problem([carer("c1")], [visit("v1", P1)], travel))
    assert set(tm.durations_s) == {"car"}
    assert set(tm.distances_m) == {"car"}


def test_identical_locations_share_one_index_and_travel_zero() -> None:
    travel = {"model": "haversine"}
    twin = {"lat": 52.00000001, "lon": -2.0}  # the same place to 7 decimals
    p = problem(
        [carer("c1"), carer("c2", at=P1)], [visit("v1", P1), visit("v2", twin), visit("v3", P2)], travel
    )
    tm = build_travel(p)
    assert len(tm.places) == 3  # P0, P1 (carer c2, v1, v2) and P2
    assert tm.index(loc(P1)) == tm.index(loc(twin))
    assert tm.index(loc(P0)) != tm.index(loc(P1))
    assert tm.duration("car", loc(P1), loc(twin)) == 0
    assert tm.distance("car", loc(twin), loc(P1)) == 0
    assert tm.durations_s["car"].shape == (3, 3)


def test_haversine_matrices_are_int64() -> None:
    tm = build_travel(problem([carer("c1")], [visit("v1", P1), visit("v2", P2)], {"model": "haversine"}))
    for matrices in (tm.durations_s, tm.distances_m):
        for m in matrices.values():
            assert isinstance(m, np.ndarray)
            assert m.dtype == np.int64


# --------------------------------------------------------------------------- explicit matrix

H, A, B = ({"lat": 51.0 + i / 100, "lon": -2.0} for i in range(3))
DUR = [[0, 600, 700], [650, 0, 300.4], [720, 299.6, 0]]
DIST = [[0, 5000, 6000], [5100, 0, 2000], [6100, 2100, 0]]


def matrix_problem(**extra: Any) -> Problem:
    travel = {"model": "matrix", "locations": [H, A, B], "durations_s": {"car": DUR}, **extra}
    return problem([carer("c1", at=B)], [visit("v1", A), visit("v2", H)], travel)


def test_explicit_matrix_is_indexed_by_coordinates() -> None:
    tm = build_travel(matrix_problem(distances_m={"car": DIST}))
    assert [tm.index(loc(p)) for p in (H, A, B)] == [0, 1, 2]
    assert tm.duration("car", loc(B), loc(A)) == 300  # 299.6 rounded
    assert tm.duration("car", loc(A), loc(B)) == 300  # 300.4 rounded
    assert tm.duration("car", loc(H), loc(B)) == 700
    assert tm.duration("car", loc(B), loc(H)) == 720  # asymmetric matrices are kept as given
    assert tm.distance("car", loc(A), loc(H)) == 5100


def test_explicit_matrix_without_distances_gives_zero_distances() -> None:
    tm = build_travel(matrix_problem())
    assert set(tm.distances_m) == {"car"}
    assert tm.distances_m["car"].shape == (3, 3)
    assert not tm.distances_m["car"].any()
    assert tm.distance("car", loc(H), loc(A)) == 0
    assert tm.duration("car", loc(H), loc(A)) == 600


def test_explicit_matrices_are_int64() -> None:
    tm = build_travel(matrix_problem(distances_m={"car": DIST}))
    assert tm.durations_s["car"].dtype == np.int64
    assert tm.distances_m["car"].dtype == np.int64
    zero = build_travel(matrix_problem())
    assert zero.distances_m["car"].dtype == np.int64


def test_a_location_listed_twice_is_an_input_error() -> None:
    """It used to map to its first row, silently; two rows for one place is a mistake."""
    from pydantic import ValidationError

    from solver.model.errors import issues_of

    travel = {
        "model": "matrix",
        "locations": [H, A, H],
        "durations_s": {"car": [[0, 600, 0], [600, 0, 600], [0, 600, 0]]},
    }
    with pytest.raises(ValidationError) as caught:
        problem([carer("c1", at=H)], [visit("v1", A)], travel)
    (issue,) = issues_of(caught.value)
    assert issue.path == "travel.locations[2]" and "travel.locations[0]" in issue.message


# --------------------------------------------------------------------------- one haversine, one default


def test_model_generator_and_simulator_share_circuity_and_speeds() -> None:
    from solver.generate.day import GenerateConfig
    from solver.model.problem import HaversineTravel
    from solver.simulate.fleet import provider_problem
    from solver.travel import SPEED_KMH

    default = HaversineTravel()
    assert (default.circuity, default.speed_kmh) == (CIRCUITY, dict(SPEED_KMH))
    config = GenerateConfig()
    assert (config.circuity, config.car_speed_kmh, config.walk_speed_kmh) == (
        CIRCUITY,
        SPEED_KMH["car"],
        SPEED_KMH["walk"],
    )
    travel = provider_problem("p", "2026-01-05", [], [carer("c1")], seed=0).travel
    assert isinstance(travel, HaversineTravel)
    assert (travel.circuity, travel.speed_kmh["car"]) == (CIRCUITY, SPEED_KMH["car"])


def test_the_generators_distance_is_travels_distance() -> None:
    from solver.generate.day import km_between

    lat = np.array([51.0, 51.35, 51.07, 51.58])
    lon = np.array([-2.0, -1.78, -2.41, -1.93])
    km = km_between(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert np.allclose(km * 1000, all_pairs_m(lat, lon), rtol=1e-12, atol=0)
    p = problem([carer("c1")], [visit("v1", P1), visit("v2", P2)], {"model": "haversine"})
    tm = build_travel(p)
    for a, b in ((P0, P1), (P1, P2), (P2, P0)):
        km = float(km_between(np.array(a["lat"]), np.array(a["lon"]), np.array(b["lat"]), np.array(b["lon"])))
        assert tm.distance("car", loc(a), loc(b)) == round(km * 1000 * CIRCUITY)


def test_every_travel_model_has_a_provider() -> None:
    from typing import get_args

    from solver.model.problem import HaversineTravel, MatrixTravel, ValhallaTravel
    from solver.travel import PROVIDERS

    kinds = (HaversineTravel, MatrixTravel, ValhallaTravel)
    models = {get_args(m.model_fields["model"].annotation)[0] for m in kinds}
    assert set(PROVIDERS) == models
