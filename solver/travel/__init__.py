"""Travel between places: one provider per travel model, all behind one signature.

``build_travel(problem)`` picks the provider named by ``problem.travel.model`` and returns
per-mode integer matrices, built once with numpy: the engines index them and nothing computes
a distance per arc in Python. Places are de-duplicated, so two visits at one address share a
row (and travel 0 between). A leg with no route (``null`` in a caller's matrix) is
``UNREACHABLE_S``, which no engine can fit into a day. Adding a road engine means adding a
module with a ``TravelProvider`` and one entry in ``PROVIDERS``; ``valhalla`` is one (road
times from OpenStreetMap data, see docs/roads.md).
"""

from __future__ import annotations

from solver.model.problem import Problem
from solver.travel.haversine import (
    CIRCUITY,
    EARTH_RADIUS_M,
    SPEED_KMH,
    all_pairs_m,
    haversine_m,
    haversine_travel,
)
from solver.travel.matrix import matrix_travel
from solver.travel.provider import UNREACHABLE_S, IntMatrix, TravelMatrices, TravelProvider, used_places
from solver.travel.valhalla import valhalla_travel

__all__ = [
    "CIRCUITY",
    "EARTH_RADIUS_M",
    "PROVIDERS",
    "SPEED_KMH",
    "UNREACHABLE_S",
    "IntMatrix",
    "TravelMatrices",
    "TravelProvider",
    "all_pairs_m",
    "build_travel",
    "haversine_m",
    "used_places",
]

PROVIDERS: dict[str, TravelProvider] = {
    "haversine": haversine_travel,
    "matrix": matrix_travel,
    "valhalla": valhalla_travel,
}


def build_travel(problem: Problem) -> TravelMatrices:
    """Matrices for every mode a carer of ``problem`` uses, from its travel model's provider."""
    return PROVIDERS[problem.travel.model](problem)
