"""Road matrices kept on disk, so that re-planning a day and re-running a study do not route again.

A road matrix costs a routing engine many shortest-path searches, and a day is planned, re-planned
and simulated over the same addresses. An entry is keyed by the tile set (its identity, which
changes when the tiles are rebuilt), the costing and the *set* of places: the places are stored
sorted, so a problem that lists the same addresses in another order, or a re-plan that drops a
carer, reads the same entry and gets its rows back in its own order. Unreachable legs are NaN.

The directory is ``$CARERUN_ROADS_CACHE`` when set, else ``~/.cache/carerun/roads``. An entry is
written to a temporary file and renamed into place, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FloatMatrix = NDArray[np.float64]
Place = tuple[float, float]

CACHE_ENV = "CARERUN_ROADS_CACHE"


def default_cache_dir() -> Path:
    """Where matrices are kept unless a caller says otherwise."""
    given = os.environ.get(CACHE_ENV)
    return Path(given) if given else Path.home() / ".cache" / "carerun" / "roads"


@dataclass(frozen=True)
class RoadMatrix:
    """Seconds and metres between places, in the order of ``places``; NaN where no route."""

    places: list[Place]
    durations_s: FloatMatrix
    distances_m: FloatMatrix


def _sorted(places: list[Place]) -> list[Place]:
    return sorted(set(places))


def entry_key(tileset: str, costing: str, places: list[Place]) -> str:
    """The file name of an entry: a digest of tile set, costing and the set of places."""
    digest = hashlib.sha256(f"{tileset}\n{costing}\n".encode())
    for lat, lon in _sorted(places):
        digest.update(f"{lat:.7f},{lon:.7f};".encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class MatrixCache:
    """Road matrices on disk under ``root``, one ``.npz`` file per entry."""

    root: Path

    def path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def get(self, tileset: str, costing: str, places: list[Place]) -> RoadMatrix | None:
        """The stored matrix for these places (in their order), or None if there is none."""
        file = self.path(entry_key(tileset, costing, places))
        try:
            with np.load(file) as stored:
                keys, durations, distances = stored["places"], stored["durations_s"], stored["distances_m"]
        except (OSError, KeyError, ValueError):
            return None  # missing, or unreadable: route again and write it anew
        row = {(float(lat), float(lon)): i for i, (lat, lon) in enumerate(keys)}
        if len(row) != len(set(places)) or any(p not in row for p in places):
            return None  # a digest collision, or an entry of an older layout
        order = np.array([row[p] for p in places], dtype=np.int64)
        return RoadMatrix(list(places), durations[np.ix_(order, order)], distances[np.ix_(order, order)])

    def put(self, tileset: str, costing: str, matrix: RoadMatrix) -> Path:
        """Store ``matrix`` (in sorted order) and return its file."""
        keys = _sorted(matrix.places)
        first = {p: i for i, p in reversed(list(enumerate(matrix.places)))}
        order = np.array([first[p] for p in keys], dtype=np.int64)
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.path(entry_key(tileset, costing, matrix.places))
        handle, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.savez_compressed(
                out,
                places=np.array(keys, dtype=np.float64).reshape(len(keys), 2),
                durations_s=matrix.durations_s[np.ix_(order, order)],
                distances_m=matrix.distances_m[np.ix_(order, order)],
            )
        os.replace(tmp, target)
        return target
