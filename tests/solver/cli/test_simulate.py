"""``carerun simulate``: bad inputs exit 2 with a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from solver.cli import app


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    return result.exit_code, result.output


def test_unknown_design(tmp_path: Path) -> None:
    code, output = run("--designs", "hubs18,octagons", "--out", str(tmp_path))
    assert code == 2 and "unknown zone design 'octagons'" in output and "Traceback" not in output


def test_polygons_that_cover_no_client(tmp_path: Path) -> None:
    sea = {"type": "Polygon", "coordinates": [[[-4.0, 50.0], [-3.9, 50.0], [-3.9, 50.1], [-4.0, 50.0]]]}
    land = {
        "type": "Polygon",
        "coordinates": [[[-2.4, 50.9], [-1.4, 50.9], [-1.4, 51.8], [-2.4, 51.8], [-2.4, 50.9]]],
    }
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Wiltshire"}, "geometry": land},
            {"type": "Feature", "properties": {"name": "Channel"}, "geometry": sea},
        ],
    }
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(doc))
    code, output = run("--designs", f"geojson:{path}", "--scale", "0.01", "--out", str(tmp_path / "o"))
    assert code == 2 and "Channel" in output and "cover no client" in output


def test_demand_file_missing_a_column(tmp_path: Path) -> None:
    path = tmp_path / "demand.csv"
    path.write_text("visit_id,client_id,lat,lon,window_start,window_end\nv1,c1,51.2,-2.1,08:00,09:00\n")
    code, output = run("--designs", "hubs18", "--demand", str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and "missing column(s) duration_min" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--providers", "1,0"], "at least 1"),
        (["--providers", "x"], "whole numbers"),
        (["--scale", "0"], "--scale"),
        (["--replicates", "0"], "--replicates"),
        (["--map-kpi", "colour"], "--map-kpi: 'colour' is not a zone figure"),
    ],
)
def test_bad_numbers(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = run(*args, "--out", str(tmp_path))
    assert code == 2 and message in output


def test_demand_file_end_to_end(tmp_path: Path) -> None:
    """A user's own CSV through user polygons: one zone, one provider, a checked plan."""
    rows = ["visit_id,client_id,lat,lon,window_start,window_end,duration_min"]
    for i, (lat, start) in enumerate([(51.20, "08:00"), (51.21, "09:00"), (51.22, "10:00")]):
        rows.append(f"v{i},c{i},{lat},-2.18,{start},{start},30")
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    square = {
        "type": "Polygon",
        "coordinates": [[[-2.3, 51.1], [-2.0, 51.1], [-2.0, 51.3], [-2.3, 51.3], [-2.3, 51.1]]],
    }
    zone = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "W"}, "geometry": square}],
    }
    (tmp_path / "z.geojson").write_text(json.dumps(zone))
    out = tmp_path / "o"
    code, output = run("--designs", f"geojson:{tmp_path / 'z.geojson'}", "--providers", "1",
                       "--demand", str(tmp_path / "d.csv"), "--out", str(out), "--workers", "1")  # fmt: skip
    assert code == 0, output
    row = json.loads((out / "table.json").read_text())["rows"][0]
    assert (row["visits"], row["served"], row["carers"], row["zones"]) == (3, 3, 1, 1)
    assert row["travel_h"] > 0


def test_default_designs_agree() -> None:
    from solver.cli import simulate
    from solver.simulate import config, run

    assert ",".join(config.DEFAULT_DESIGNS) == simulate.DEFAULT_DESIGNS
    assert run.DEFAULT_DESIGNS == config.DEFAULT_DESIGNS
