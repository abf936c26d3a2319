"""The simulator end to end (solver/simulate/run.py, execution.py, report.py) at small scale:
two designs, m in {1, 3}; files, a complete table, checked plans, Dask == local pool, and a
resumable cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from solver.analysis.check import check
from solver.generate.day import ATTRIBUTION
from solver.model.problem import Problem, Solution
from solver.simulate import Outcome, SimConfig, simulate
from solver.simulate.fleet import SolveSettings

DESIGNS = ["legacy3", "kmeans:4"]
SETTINGS = SolveSettings(solution_limit=10, time_cap_s=60)


def config(out: Path, **extra: object) -> SimConfig:
    base: dict[str, object] = {
        "out": out, "designs": DESIGNS, "providers": [1, 3], "scale": 0.02, "seed": 1, "workers": 2,
        "settings": SETTINGS,
    }  # fmt: skip
    return SimConfig(**(base | extra))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcome, Path]:
    out = tmp_path_factory.mktemp("local")
    return simulate(config(out)), out


def test_table_is_complete(local: tuple[Outcome, Path]) -> None:
    outcome, _ = local
    assert [(r["design"], r["m"]) for r in outcome.rows] == [(d, m) for d in DESIGNS for m in (1, 3)]
    for row in outcome.rows:
        assert row["visits"] == 110  # every visit of the day, in every scenario
        assert row["served"] + row["unserved"] == row["visits"]
        assert row["critical_unserved"] == 0 and row["served"] >= 0.99 * row["visits"]
        assert row["carers"] >= row["providers"] >= row["zones"]
        assert row["cost_per_care_h_gbp"] > 12.21  # wage plus travel and mileage
    three = {r["design"]: r for r in outcome.rows if r["m"] == 3}
    assert three["legacy3"]["providers"] == 9 and three["legacy3"]["zones"] == 3


def test_every_providers_plan_passes_the_checker(local: tuple[Outcome, Path]) -> None:
    outcome, _ = local
    assert len(outcome.results) == len(outcome.computed) > 20
    for result in outcome.results.values():
        problem = Problem.model_validate(result["problem"])
        solution = Solution.model_validate(result["solution"])
        assert check(problem, solution) == [] and result["violations"] == []
        assert result["met_target"]
        assert {c.id for c in problem.carers} >= {r.carer_id for r in solution.runs}


def test_files_are_written(local: tuple[Outcome, Path]) -> None:
    _, out = local
    for name in ("table.csv", "table.json", "zones.csv", "zones.geojson", "runs.geojson", "report.html"):
        assert (out / name).stat().st_size > 100, name
    for name in ("travel_per_care_hour.png", "carers_needed.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = json.loads((out / "table.json").read_text())
    assert len(table["rows"]) == 4 and table["meta"]["violations"] == 0
    assert (out / "table.csv").read_text().count("\n") == 5
    runs = json.loads((out / "runs.geojson").read_text())
    lon, lat = runs["features"][0]["geometry"]["coordinates"][0]
    assert -2.5 < lon < -1.4 and 50.9 < lat < 51.8  # RFC 7946: [lon, lat]
    zones = json.loads((out / "zones.geojson").read_text())
    assert {f["properties"]["design"] for f in zones["features"]} == set(DESIGNS)
    html = (out / "report.html").read_text()
    assert "<svg" in html and "data:image/png;base64," in html and ATTRIBUTION in html
    assert "<script" not in html and 'src="http' not in html and "<link" not in html  # opens offline


@pytest.mark.slow
def test_dask_cluster_gives_the_same_table(local: tuple[Outcome, Path], tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        outcome = simulate(config(tmp_path, scheduler=cluster.scheduler_address, workers=None))
    assert outcome.rows == local[0].rows
    assert outcome.zone_rows == local[0].zone_rows
    assert len(outcome.computed) == len(local[0].computed)


def test_rerun_recomputes_only_the_deleted_task(local: tuple[Outcome, Path], tmp_path: Path) -> None:
    outcome, out = local
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    victim = sorted(outcome.results)[3]
    (copy / "cache" / f"{victim}.json").unlink()
    again = simulate(config(copy))
    assert again.computed == [victim]
    assert len(again.cached) == len(outcome.results) - 1
    assert again.rows == outcome.rows


def test_several_days_add_up(tmp_path: Path) -> None:
    """Each day is its own seeded draw and its own solves; the row sums both days."""
    outcome = simulate(config(tmp_path, designs=["legacy3"], providers=[1], days=2, scale=0.01))
    (row,) = outcome.rows
    assert row["visits"] == 2 * 55 and row["providers"] == 6
    assert {r["day"] for r in outcome.results.values()} == {0, 1}
