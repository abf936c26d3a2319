"""Per-mode travel duration and distance matrices, built once with numpy.

Engines and the checker index these matrices; nothing computes a distance per arc in Python.
Places are de-duplicated, so two visits at one address share a row (and travel 0 between).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solver.model.problem import HaversineTravel, Location, MatrixTravel, Problem

EARTH_RADIUS_M = 6_371_008.8
IntMatrix = NDArray[np.int64]


@dataclass(frozen=True)
class TravelMatrices:
    """Integer seconds and metres between every pair of places, per travel mode."""

    places: list[Location]
    durations_s: dict[str, IntMatrix]
    distances_m: dict[str, IntMatrix]
    _index: dict[tuple[float, float], int]

    def index(self, location: Location) -> int:
        return self._index[location.key()]

    def duration(self, mode: str, a: Location, b: Location) -> int:
        return int(self.durations_s[mode][self.index(a), self.index(b)])

    def distance(self, mode: str, a: Location, b: Location) -> int:
        return int(self.distances_m[mode][self.index(a), self.index(b)])


def haversine_m(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """All-pairs great-circle distance in metres (vectorised)."""
    phi = np.radians(lat)
    lam = np.radians(lon)
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def build_travel(problem: Problem) -> TravelMatrices:
    """Matrices for every mode a carer of ``problem`` uses."""
    travel = problem.travel
    if isinstance(travel, MatrixTravel):
        return _from_matrices(travel, problem)
    return _from_haversine(travel, problem)


def _used_places(problem: Problem) -> list[Location]:
    seen: dict[tuple[float, float], Location] = {}
    for carer in problem.carers:
        seen.setdefault(carer.start.key(), carer.start)
        seen.setdefault(carer.end_location.key(), carer.end_location)
    for visit in problem.visits:
        seen.setdefault(visit.location.key(), visit.location)
    return list(seen.values())


def _from_haversine(travel: HaversineTravel, problem: Problem) -> TravelMatrices:
    places = _used_places(problem)
    lat = np.array([p.lat for p in places], dtype=np.float64)
    lon = np.array([p.lon for p in places], dtype=np.float64)
    road_m = haversine_m(lat, lon) * travel.circuity
    distance = np.rint(road_m).astype(np.int64)
    modes = {c.travel_mode for c in problem.carers}
    durations = {m: np.rint(road_m / (travel.speed_kmh[m] / 3.6)).astype(np.int64) for m in modes}
    return TravelMatrices(
        places=places,
        durations_s=durations,
        distances_m={m: distance for m in modes},
        _index={p.key(): i for i, p in enumerate(places)},
    )


def _from_matrices(travel: MatrixTravel, problem: Problem) -> TravelMatrices:
    places = list(travel.locations)
    index: dict[tuple[float, float], int] = {}
    for i, place in enumerate(places):
        index.setdefault(place.key(), i)
    n = len(places)
    durations = {
        m: np.rint(np.asarray(d, dtype=np.float64)).astype(np.int64) for m, d in travel.durations_s.items()
    }
    distances = {
        m: np.rint(np.asarray(travel.distances_m[m], dtype=np.float64)).astype(np.int64)
        if m in travel.distances_m
        else np.zeros((n, n), dtype=np.int64)
        for m in durations
    }
    return TravelMatrices(places=places, durations_s=durations, distances_m=distances, _index=index)
