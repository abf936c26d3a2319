"""The great-circle provider: distance times a circuity factor, driven at each mode's speed.

The engine, the day generator and the simulator all measure with it, so their estimates and the
engine's matrices agree to the metre. The checker alone keeps its own reading of the formula
(``solver/analysis/legs.py``), on purpose: the two cross-check each other. The circuity factor
and the mode speeds are the model's defaults (``solver.model.problem``), re-exported here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from solver.model.problem import CIRCUITY, SPEED_KMH, HaversineTravel, Problem
from solver.travel.provider import TravelMatrices, used_places

__all__ = ["CIRCUITY", "EARTH_RADIUS_M", "SPEED_KMH", "all_pairs_m", "haversine_m", "haversine_travel"]

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray[np.float64]:
    """Great-circle metres between broadcastable coordinate arrays (degrees)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dlam = np.radians(lon1) - np.radians(lon2)
    h = np.sin((phi1 - phi2) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)


def all_pairs_m(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle metres between every pair of points: row i, column j is from i to j."""
    return haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


def haversine_travel(problem: Problem) -> TravelMatrices:
    """Matrices of a problem whose travel model is ``haversine``."""
    travel = problem.travel
    assert isinstance(travel, HaversineTravel)
    places = used_places(problem)
    lat = np.array([p.lat for p in places], dtype=np.float64)
    lon = np.array([p.lon for p in places], dtype=np.float64)
    road_m = all_pairs_m(lat, lon) * travel.circuity
    distance = np.rint(road_m).astype(np.int64)
    modes = {c.travel_mode for c in problem.carers}
    durations = {m: np.rint(road_m / (travel.speed_kmh[m] / 3.6)).astype(np.int64) for m in modes}
    return TravelMatrices(
        places=places,
        durations_s=durations,
        distances_m={m: distance for m in modes},
        _index={p.key(): i for i, p in enumerate(places)},
    )
