"""The simulator end to end (solver/simulate/run.py, execution.py, report.py) on a tiny county:
two designs, m in {1, 3}, three replicate days; files, a complete table with intervals, paired
differences, checked plans, Dask == local pool, a resumable cache, re-costing with no solve."""

from __future__ import annotations

import json
import math
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from solver.analysis.check import check
from solver.generate.day import ATTRIBUTION
from solver.io.documents import InputError
from solver.model.problem import Problem, Solution
from solver.simulate import Outcome, SimConfig, simulate
from solver.simulate.cost import Rates
from solver.simulate.execution import SUMMARY_SUFFIX, Cache, summary
from solver.simulate.fleet import SolveSettings
from solver.simulate.run import demands, recost

DESIGNS = ["legacy3", "kmeans:4"]
SETTINGS = SolveSettings(solution_limit=10, time_cap_s=60)


def config(out: Path, **extra: object) -> SimConfig:
    base: dict[str, object] = {
        "out": out, "designs": DESIGNS, "providers": [1, 3], "scale": 0.01, "seed": 1, "workers": 2,
        "replicates": 3,
        "settings": SETTINGS,
    }  # fmt: skip
    return SimConfig(**(base | extra))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcome, Path]:
    out = tmp_path_factory.mktemp("local")
    return simulate(config(out)), out


def test_table_is_complete(local: tuple[Outcome, Path]) -> None:
    outcome, out = local
    assert [(r["design"], r["m"]) for r in outcome.rows] == [(d, m) for d in DESIGNS for m in (1, 3)]
    for row in outcome.rows:
        assert row["visits"] == 55 and row["replicates"] == 3  # every visit of the day, each scenario
        assert row["served"] + row["unserved"] == row["visits"]
        assert row["critical_unserved"] == 0 and row["served"] >= 0.99 * row["visits"]
        assert row["fleet"] >= row["carers"] >= row["providers"] >= row["zones"]
        assert row["cost_per_care_h_gbp"] > 12.71 * 1.25  # wage, on-costs, travel and mileage
    three = {r["design"]: r for r in outcome.rows if r["m"] == 3}
    # three providers in each of the three zones; at this scale one may draw no client that day
    assert three["legacy3"]["zones"] == 3 and 3 <= three["legacy3"]["providers"] <= 9
    cache = Cache(out)
    for key, light in outcome.results.items():  # carers used: those with a visit, within the fleet
        result = cache.get(key)
        assert result is not None and summary(result) == light
        runs = [r for r in result["solution"]["runs"] if r["stops"]]
        assert light["figures"]["carers"] == len(runs) <= light["figures"]["fleet"]


def test_every_providers_plan_passes_the_checker(local: tuple[Outcome, Path]) -> None:
    outcome, out = local
    assert len(outcome.results) == len(outcome.computed) > 20
    for key in outcome.results:
        result = Cache(out).get(key)
        assert result is not None
        problem = Problem.model_validate(result["problem"])
        solution = Solution.model_validate(result["solution"])
        assert check(problem, solution) == [] and result["violations"] == []
        assert result["met_target"]
        assert {c.id for c in problem.carers} >= {r.carer_id for r in solution.runs}


def test_files_are_written(local: tuple[Outcome, Path]) -> None:
    _, out = local
    names = ("table.csv", "table.json", "zones.csv", "replicates.csv", "differences.csv", "zones.geojson")
    for name in (*names, "runs.geojson", "report.html", "study.json"):
        assert (out / name).stat().st_size > 100, name
    for name in ("travel_per_care_hour.png", "cost_split.png", "unserved.png", "paid_hours_per_carer.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = json.loads((out / "table.json").read_text())
    assert len(table["rows"]) == 4 and table["meta"]["violations"] == 0
    assert len(table["replicates"]) == 12 and table["meta"]["wall_s_per_replicate"] > 0
    assert (out / "table.csv").read_text().count("\n") == 5
    runs = json.loads((out / "runs.geojson").read_text())
    lon, lat = runs["features"][0]["geometry"]["coordinates"][0]
    assert -2.5 < lon < -1.4 and 50.9 < lat < 51.8  # RFC 7946: [lon, lat]
    zones = json.loads((out / "zones.geojson").read_text())
    assert {f["properties"]["design"] for f in zones["features"]} == set(DESIGNS)
    html = (out / "report.html").read_text()
    assert "<svg" in html and "data:image/png;base64," in html and ATTRIBUTION in html
    assert html.index("Assumptions and caveats") < html.index("The comparison") < html.index("Per zone")
    assert html.count("<svg") == 4 and "legacy3, m = 3" in html  # a map for every design and m
    assert ">North: " in html and "travel min / care h</text>" in html  # zone labels and a legend
    assert "boundaries are a guess" in html and "Voronoi" in html
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


def test_replicates_give_means_intervals_and_paired_differences(local: tuple[Outcome, Path]) -> None:
    """Each summary is the mean of its replicate rows with a Student t 90% interval, and each
    difference is taken replicate by replicate on the same demand draws."""
    outcome, _ = local
    reps = outcome.replicate_rows
    assert sorted({r["replicate"] for r in reps}) == [0, 1, 2]
    for row in outcome.rows:
        mine = [r["travel_h"] for r in reps if (r["design"], r["m"]) == (row["design"], row["m"])]
        mean = statistics.fmean(mine)
        half = 2.919986 * statistics.stdev(mine) / math.sqrt(3)  # t(0.95, 2 degrees of freedom)
        assert row["travel_h"] == pytest.approx(mean)
        assert (row["travel_h_lo"], row["travel_h_hi"]) == pytest.approx((mean - half, mean + half), abs=1e-4)
    # the same demand in every scenario of a replicate: the same visits and care hours
    for k in range(3):
        care = {round(r["care_h"], 6) for r in reps if r["replicate"] == k}
        assert len(care) == 1
    kinds = {(d["design"], d["m"], d["vs_design"], d["vs_m"]) for d in outcome.differences}
    assert kinds == {("kmeans:4", 1, "legacy3", 1), ("kmeans:4", 3, "legacy3", 3),
                     ("legacy3", 3, "legacy3", 1), ("kmeans:4", 3, "kmeans:4", 1)}  # fmt: skip
    for d in outcome.differences:
        if d["kpi"] != "travel_h":
            continue
        a = {r["replicate"]: r["travel_h"] for r in reps if (r["design"], r["m"]) == (d["design"], d["m"])}
        b = {
            r["replicate"]: r["travel_h"]
            for r in reps
            if (r["design"], r["m"]) == (d["vs_design"], d["vs_m"])
        }
        diffs = [a[k] - b[k] for k in range(3)]
        assert d["diff"] == pytest.approx(statistics.fmean(diffs))
        assert d["crosses_zero"] == (d["diff_lo"] <= 0 <= d["diff_hi"])


def test_zones_keep_their_seed_when_the_demand_seed_changes() -> None:
    """``--zone-seed`` alone draws the zones: a new demand seed redraws the days, not the map."""
    from solver.simulate.zones import resolve

    assert resolve("kmeans:12", 0).lsoa_zone == resolve("kmeans:12", 0).lsoa_zone
    days = [demands(SimConfig(out=Path("x"), seed=s, scale=0.01, replicates=2)) for s in (0, 1)]
    assert days[0][0].visits != days[1][0].visits and days[0][0].visits != days[0][1].visits


def test_recost_applies_new_rates_with_no_solve(local: tuple[Outcome, Path], tmp_path: Path) -> None:
    """``carerun simulate --recost`` in a real process, watched: no planning function runs (nor
    ``execute``, the only way to the worker pool), the cache is untouched, the wage and fee move
    the money and nothing else, and the re-costing itself takes under 10 s."""
    outcome, out = local
    copy = tmp_path / "study"
    shutil.copytree(out, copy)
    before = {p.name: p.stat().st_mtime_ns for p in (copy / "cache").iterdir()}
    script = PROFILED.format(out=str(copy))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert report["solving"] == [] and report["watched"] > 0
    assert {p.name: p.stat().st_mtime_ns for p in (copy / "cache").iterdir()} == before
    table = json.loads((copy / "table.json").read_text())
    assert table["meta"]["computed"] == 0 and table["meta"]["rates"]["wage_gbp_h"] == 20.0
    assert table["meta"]["wall_s"] < 10
    for old, new in zip(outcome.rows, table["rows"], strict=True):
        assert new["travel_h"] == pytest.approx(old["travel_h"], abs=1e-3)
        assert new["cost_care_gbp"] == pytest.approx(old["cost_care_gbp"] * 20.0 / 12.71, rel=1e-3)
        assert new["fee_less_cost_per_care_h_gbp"] == pytest.approx(
            30.0 - new["cost_per_care_h_gbp"], abs=1e-3
        )
    assert "£20.00 an hour" in (copy / "report.html").read_text()


# Runs the CLI with sys.monitoring watching every function that plans or solves (no cost elsewhere).
PROFILED = """
import json, runpy, sys
import solver.engine.construct as construct
import solver.engine.decompose as decompose
import solver.engine.search as search
import solver.simulate.execution as execution
import solver.simulate.fleet as fleet
watched = [search.solve, search.construction_plan, decompose.solve_decomposed, construct.construct,
           fleet.size_fleet, fleet.probe, execution.run_task, execution.execute]
seen = []
tool = sys.monitoring.PROFILER_ID
sys.monitoring.use_tool_id(tool, "recost-test")
start = sys.monitoring.events.PY_START
sys.monitoring.register_callback(tool, start, lambda code, at: seen.append(code.co_name))
for function in watched:
    sys.monitoring.set_local_events(tool, function.__code__, start)
sys.argv = ["carerun", "simulate", "--out", {out!r}, "--recost", "--wage", "20", "--fee", "30"]
code = 0
try:
    runpy.run_module("solver.cli", run_name="__main__")
except SystemExit as stop:
    code = stop.code or 0
print(json.dumps({{"code": int(code), "solving": sorted(set(seen)), "watched": len(watched)}}))
"""


def test_recost_reads_no_plan(local: tuple[Outcome, Path], tmp_path: Path) -> None:
    """Re-costing reads each task's summary, never a plan: with every plan gone from the cache it
    gives the same table, and the same runs for the maps."""
    outcome, out = local
    copy = tmp_path / "study"
    shutil.copytree(out, copy)
    for key in outcome.results:
        (copy / "cache" / f"{key}.json").unlink()
    assert recost(copy, Rates()).rows == outcome.rows
    assert json.loads((copy / "runs.geojson").read_text()) == json.loads((out / "runs.geojson").read_text())


def test_recost_of_a_study_cached_without_summaries_derives_them(
    local: tuple[Outcome, Path], tmp_path: Path
) -> None:
    outcome, out = local
    copy = tmp_path / "study"
    shutil.copytree(out, copy)
    for path in (copy / "cache").glob(f"*{SUMMARY_SUFFIX}"):
        path.unlink()
    assert recost(copy, Rates()).rows == outcome.rows
    assert len(list((copy / "cache").glob(f"*{SUMMARY_SUFFIX}"))) == len(outcome.results)


def test_recost_of_an_unfinished_study_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no finished study"):
        recost(tmp_path, Rates())
