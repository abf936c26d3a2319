"""What every travel provider returns, and the one signature a provider has.

A provider turns a Problem into integer matrices over the places it uses; engines and the
checker only ever index those matrices. A road engine (OSRM, Valhalla) is one more provider
behind the same signature, registered in ``solver/travel/__init__.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from solver.model.problem import Location, Problem

IntMatrix = NDArray[np.int64]


@dataclass(frozen=True)
class TravelMatrices:
    """Integer seconds and metres between every pair of places, per travel mode."""

    places: list[Location]
    durations_s: dict[str, IntMatrix]
    distances_m: dict[str, IntMatrix]
    _index: dict[tuple[float, float], int]
    notes: tuple[str, ...] = ()  # what a solution's notes should say about them (a cache hit)

    def index(self, location: Location) -> int:
        return self._index[location.key()]

    def duration(self, mode: str, a: Location, b: Location) -> int:
        return int(self.durations_s[mode][self.index(a), self.index(b)])

    def distance(self, mode: str, a: Location, b: Location) -> int:
        return int(self.distances_m[mode][self.index(a), self.index(b)])


class TravelProvider(Protocol):
    """Builds the matrices of one travel model for ``problem``."""

    def __call__(self, problem: Problem) -> TravelMatrices: ...


def used_places(problem: Problem) -> list[Location]:
    """Every distinct place of ``problem``: carer homes and ends, then visits, first seen first."""
    seen: dict[tuple[float, float], Location] = {}
    for carer in problem.carers:
        seen.setdefault(carer.start.key(), carer.start)
        seen.setdefault(carer.end_location.key(), carer.end_location)
    for visit in problem.visits:
        seen.setdefault(visit.location.key(), visit.location)
    return list(seen.values())
