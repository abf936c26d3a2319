"""The CLI and the API refuse the same problems, naming the same fields.

Each bad problem goes to ``load_problem`` (what every CLI command reads a file with), through
``carerun solve`` (exit 2) and to ``POST /v1/solve``; the field paths must agree.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from solver.cli import app
from solver.io.documents import InputError, load_problem
from tests.api.conftest import Api, tiny_problem
from tests.solver.tiny import brk

Json = dict[str, Any]


def _haversine(d: Json) -> None:
    d["travel"] = {"model": "haversine", "speed_kmh": {"car": 40}}


def _set(where: Callable[[Json], Json], key: str, value: Any) -> Callable[[Json], None]:
    def mutate(d: Json) -> None:
        where(d)[key] = value

    return mutate


def _break_of_a_day_and_more(d: Json) -> None:
    d["carers"][0]["breaks"] = [brk("10:00", "11:00", 1441)]


def _plane_speed(d: Json) -> None:
    _haversine(d)
    d["travel"]["speed_kmh"]["car"] = 1001


def _crawl(d: Json) -> None:
    _haversine(d)
    d["travel"]["speed_kmh"]["car"] = 0.001


def _huge_matrix_entry(d: Json) -> None:
    d["travel"]["durations_s"]["car"][0][1] = 10_000_001


def _unknown_carers(d: Json) -> None:
    d["visits"][2]["excluded_carers"] = ["nobody"]
    d["visits"][0]["pinned_carer"] = "ghost"


BAD: dict[str, tuple[Callable[[Json], None], set[str]]] = {
    "visit-over-a-day": (_set(lambda d: d["visits"][0], "duration_min", 1441), {"visits[0].duration_min"}),
    "break-over-a-day": (_break_of_a_day_and_more, {"carers[0].breaks[0].duration_min"}),
    "working-over-ten-days": (
        _set(lambda d: d["carers"][1], "max_working_min", 14401),
        {"carers[1].max_working_min"},
    ),
    "speed-over-1000": (_plane_speed, {"travel.speed_kmh.car"}),
    "speed-under-a-crawl": (_crawl, {"travel.speed_kmh.car"}),
    "matrix-entry-over-the-cap": (_huge_matrix_entry, {"travel.durations_s.car[0][1]"}),
    "unknown-carers": (_unknown_carers, {"visits[2].excluded_carers[0]", "visits[0].pinned_carer"}),
    "reversed-window": (
        _set(lambda d: d["visits"][1], "window", {"start": "11:00", "end": "10:00"}),
        {"visits[1].window"},
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_cli_and_api_refuse_the_same_fields(
    api: Api, tmp_path: Path, case: tuple[Callable[[Json], None], set[str]]
) -> None:
    mutate, paths = case
    problem = copy.deepcopy(tiny_problem())  # its matrices are shared lists
    mutate(problem)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(problem), encoding="utf-8")

    with pytest.raises(InputError) as caught:
        load_problem(file)
    assert {e.path for e in caught.value.errors} == paths

    result = CliRunner().invoke(app, ["solve", str(file), "--time-limit", "1"])
    assert result.exit_code == 2, result.output
    printed = "".join(result.stderr.split())
    assert all(path in printed for path in paths), result.stderr

    response = api.client.post("/v1/solve", json=problem, headers=api.headers())
    assert response.status_code == 422, response.text
    assert {e["path"] for e in response.json()["errors"]} == paths
    assert [e["message"] for e in response.json()["errors"]] == [e.message for e in caught.value.errors]
