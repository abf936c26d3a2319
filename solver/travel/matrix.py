"""The caller-given provider: per-mode matrices taken from the problem as they are (rounded)."""

from __future__ import annotations

import numpy as np

from solver.model.problem import MatrixTravel, Problem
from solver.travel.provider import TravelMatrices


def matrix_travel(problem: Problem) -> TravelMatrices:
    """Matrices of a problem whose travel model is ``matrix``; a missing distance mode is 0."""
    travel = problem.travel
    assert isinstance(travel, MatrixTravel)
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
