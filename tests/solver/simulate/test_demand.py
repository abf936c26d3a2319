"""Demand (solver/simulate/demand.py): the county day, and users' CSV / JSON files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solver.io.documents import InputError
from solver.simulate.demand import load_demand, synthetic_demand

CSV_HEADER = (
    "visit_id,client_id,lat,lon,window_start,window_end,duration_min,carers_required,priority,skills\n"
)


def test_synthetic_day_is_seeded_and_scaled() -> None:
    a, b = synthetic_demand(0, seed=4, scale=0.02), synthetic_demand(0, seed=4, scale=0.02)
    assert a == b and len(a.visits) == 110
    assert synthetic_demand(1, seed=4, scale=0.02).visits != a.visits  # each day its own draw
    assert all(not v.excluded_carers for v in a.visits)
    assert len(a.clients) < len(a.visits)  # clients get several calls


def test_csv_demand(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        CSV_HEADER
        + "a1,c1,51.2,-2.18,08:00,09:00,30,2,critical,hoist;medication\n"
        + "a2,c1,51.2,-2.18,19:00,20:00,45,,,\n"
    )
    demand = load_demand(path)
    first, second = demand.visits
    assert (first.carers_required, first.priority, first.skills) == (2, "critical", ["hoist", "medication"])
    assert (second.carers_required, second.priority, second.duration_min) == (1, "normal", 45)
    assert demand.clients == {"c1": (51.2, -2.18)}


def test_json_demand_uses_the_contracts_visits(tmp_path: Path) -> None:
    visit = {
        "id": "a",
        "client_id": "c",
        "location": {"lat": 51.2, "lon": -2.1},
        "window": {"start": "08:00", "end": "09:00"},
        "duration_min": 30,
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"visits": [visit]}))
    assert load_demand(path).visits[0].id == "a"
    path.write_text(json.dumps({"visits": [visit | {"duration": 3}]}))
    with pytest.raises(InputError, match=r"visits\[0\]\.duration"):
        load_demand(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "visit_id,client_id,lat,lon,window_start,window_end\na,c,51,-2,08:00,09:00\n",
            "missing column.*duration_min",
        ),
        (CSV_HEADER + "a,c,51.2,-2.1,09:00,08:00,30,,,\n", "line 2.*window"),
        (CSV_HEADER + "a,c,51.2,-2.1,08:00,09:00,,,,\n", "line 2.*duration_min is empty"),
        (CSV_HEADER + "a,c,51.2,-2.1,08:00,09:00,30,,,\na,c,51.2,-2.1,08:00,09:00,30,,,\n", "duplicate"),
        (CSV_HEADER.strip() + ",colour\n", "unknown column.*colour"),
    ],
)
def test_bad_demand_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_demand(path)
