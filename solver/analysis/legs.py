"""The checker's own reading of a problem's travel: one leg at a time, with no engine code.

The engine builds whole numpy matrices (solver/travel/); the checker asks only for the legs a
plan drives, and works them out here from the problem's travel spec with plain arithmetic.
Sharing no matrix code is the point: a bad cast, a wrong index or a unit slip in the engine's
matrices shows up as a timing violation instead of being repeated by the checker.

Rounding matches the contract (docs/contract.md "Travel"): seconds and metres are rounded to
the nearest integer, halves to even. A leg with no route (``null`` in a matrix) has no seconds:
``leg`` says so with ``None``, and the checker reports a run that drives it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from solver.model.errors import InputError
from solver.model.problem import HaversineTravel, Location, MatrixTravel, Problem, ValhallaTravel

# The mean Earth radius (IUGG), in metres; the contract's great-circle distance uses it.
EARTH_RADIUS_M = 6_371_008.8
ROAD_TRAVEL_UNCHECKED = (
    "road travel (valhalla) is checked on its matrix form (solver.travel.valhalla.checkable, "
    "or carerun roads matrix)"
)


def great_circle_m(a: Location, b: Location) -> float:
    """The haversine distance between two places, in metres."""
    phi_a, phi_b = math.radians(a.lat), math.radians(b.lat)
    d_phi = phi_b - phi_a
    d_lam = math.radians(b.lon) - math.radians(a.lon)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


@dataclass
class Legs:
    """Duration (s) and distance (m) of any leg, by travel mode, from ``problem.travel``."""

    problem: Problem
    _row: dict[tuple[float, float], int] = field(default_factory=dict, init=False)
    _seen: dict[tuple[str, tuple[float, float], tuple[float, float]], tuple[int | None, int]] = field(
        default_factory=dict, init=False
    )

    def __post_init__(self) -> None:
        travel = self.problem.travel
        if isinstance(travel, ValhallaTravel):  # the checker runs no routing engine
            raise InputError.at("travel", ROAD_TRAVEL_UNCHECKED)
        if isinstance(travel, MatrixTravel):
            for i, place in enumerate(travel.locations):
                self._row.setdefault(place.key(), i)

    def leg(self, mode: str, a: Location, b: Location) -> tuple[int | None, int]:
        """(seconds, metres) from ``a`` to ``b`` for a carer travelling by ``mode``; seconds are
        ``None`` where the matrix has no route (its metres are then 0)."""
        key = (mode, a.key(), b.key())
        if key not in self._seen:
            travel = self.problem.travel
            if isinstance(travel, HaversineTravel):
                self._seen[key] = self._great_circle(travel, mode, a, b)
            elif isinstance(travel, MatrixTravel):
                self._seen[key] = self._from_matrix(travel, mode, a, b)
        return self._seen[key]

    @staticmethod
    def _great_circle(travel: HaversineTravel, mode: str, a: Location, b: Location) -> tuple[int, int]:
        road_m = great_circle_m(a, b) * travel.circuity
        return round(road_m / (travel.speed_kmh[mode] / 3.6)), round(road_m)

    def _from_matrix(
        self, travel: MatrixTravel, mode: str, a: Location, b: Location
    ) -> tuple[int | None, int]:
        i, j = self._row[a.key()], self._row[b.key()]
        seconds = travel.durations_s[mode][i][j]
        if seconds is None:
            return None, 0
        metres = travel.distances_m[mode][i][j] if mode in travel.distances_m else 0
        return round(seconds), round(metres or 0)
