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

from solver.model.problem import MAX_DURATION_S, Location, Problem

IntMatrix = NDArray[np.int64]

UNREACHABLE_S = 10_000_000
"""The seconds of a leg with no route: ``null`` in a caller's matrix. Every time of the contract
lies within one day, so a leg longer than ``MAX_DURATION_S`` (a day) can never be driven in
time, and the engine's matrices (``solver.engine.compiled``) put this value on those legs too.
Each engine's time rules then refuse it without a special case, and sums of a few such legs
stay far inside int64. Its distance is 0 and never read."""


@dataclass(frozen=True)
class TravelMatrices:
    """Integer seconds and metres between every pair of places, per travel mode."""

    places: list[Location]
    durations_s: dict[str, IntMatrix]
    distances_m: dict[str, IntMatrix]
    _index: dict[tuple[float, float], int]
    notes: tuple[str, ...] = ()  # what a solution's notes should say about them (a cache hit)

    def reachable(self, mode: str) -> NDArray[np.bool_]:
        """[from, to]: True where the leg can be driven within a day."""
        return np.asarray(self.durations_s[mode] <= MAX_DURATION_S, dtype=np.bool_)

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
