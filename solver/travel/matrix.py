"""The caller-given provider: per-mode matrices taken from the problem as they are (rounded).

The model has already refused what cannot be read (NaN, negative, over a day, wrong shape, a
place listed twice), so this only rounds, and turns ``null`` (no route) into ``UNREACHABLE_S``.
"""

from __future__ import annotations

import numpy as np

from solver.model.problem import MatrixTravel, Problem
from solver.travel.provider import UNREACHABLE_S, IntMatrix, TravelMatrices


def _seconds(rows: list[list[float | None]]) -> IntMatrix:
    values = np.asarray(rows, dtype=np.float64)  # null reads as NaN
    return np.where(np.isnan(values), UNREACHABLE_S, np.rint(np.nan_to_num(values))).astype(np.int64)


def _metres(rows: list[list[float | None]], durations: IntMatrix) -> IntMatrix:
    values = np.rint(np.nan_to_num(np.asarray(rows, dtype=np.float64))).astype(np.int64)
    return np.where(durations >= UNREACHABLE_S, 0, values)


def matrix_travel(problem: Problem) -> TravelMatrices:
    """Matrices of a problem whose travel model is ``matrix``; a missing distance mode is 0."""
    travel = problem.travel
    assert isinstance(travel, MatrixTravel)
    places = list(travel.locations)
    index = {place.key(): i for i, place in enumerate(places)}
    n = len(places)
    durations = {m: _seconds(d) for m, d in travel.durations_s.items()}
    distances = {
        m: _metres(travel.distances_m[m], durations[m])
        if m in travel.distances_m
        else np.zeros((n, n), dtype=np.int64)
        for m in durations
    }
    return TravelMatrices(places=places, durations_s=durations, distances_m=distances, _index=index)
