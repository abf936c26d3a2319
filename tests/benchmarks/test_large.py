"""The full-rules engine comparison keeps working: every engine's plan is checked and written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import large


def test_every_engine_plans_a_full_rules_day_and_the_plans_are_checked(tmp_path: Path) -> None:
    out = tmp_path / "small.json"
    assert large.main(["--instance", "v1/small", "--time-limit", "2", "--out", str(out)]) == 0  # the engine
    report = json.loads(out.read_text())
    rows = {r["engine"]: r for r in report["rows"]}
    assert set(rows) == {"single", "portfolio", "decomposed"}
    for row in rows.values():
        assert row["violations"] == 0
        assert row["double_ups_served"] <= row["double_ups"] > 0
        assert row["visits_served"] > 0.9 * row["visits"]
    assert report["command"].startswith("python -m benchmarks.large")


def test_unknown_engines_or_instances_exit_2(tmp_path: Path) -> None:
    for argv in (["--engines", "magic"], ["--instance", "nowhere"], ["--instance", "stress/nowhere"]):
        with pytest.raises(SystemExit) as exc:
            large.main([*argv, "--out", str(tmp_path / "x.json")])
        assert exc.value.code == 2


def test_a_solution_limit_gives_the_same_plan_twice(tmp_path: Path) -> None:
    rows = []
    for k in range(2):
        out = tmp_path / f"{k}.json"
        argv = ["--instance", "v1/small", "--engines", "single", "--solution-limit", "3"]
        assert large.main([*argv, "--time-limit", "60", "--out", str(out)]) == 0
        report = json.loads(out.read_text())
        assert report["solution_limit"] == 3
        rows.append(report["rows"][0])
    keys = ("visits_served", "double_ups_served", "travel_h", "carers_used", "iterations")
    assert [rows[0][k] for k in keys] == [rows[1][k] for k in keys]
    assert rows[0]["iterations"] == 120  # 40 per solution


def test_a_stress_day_and_a_shipped_one_with_each_engines_spread_over_its_seeds(tmp_path: Path) -> None:
    out = tmp_path / "stress.json"
    argv = ["--instance", "stress/rural-330-d10-split,v1/small", "--engines", "single", "--seeds", "0,1"]
    assert large.main([*argv, "--solution-limit", "2", "--time-limit", "60", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["instance"] == "stress/rural-330-d10-split,homecare/v1/small.json"
    for day in ("stress/rural-330-d10-split", "homecare/v1/small.json"):
        rows = [r for r in report["rows"] if r["instance"] == day]
        travel = [r["travel_h"] for r in rows]
        summary = report["summary"][day]["single"]
        assert summary["seeds"] == 2 and [r["seed"] for r in rows] == [0, 1]
        assert summary["travel_h_range"] == [min(travel), max(travel)]
        assert summary["travel_h_mean"] == round(sum(travel) / 2, 2)
    assert {r["visits"] for r in report["rows"]} >= {330}


def test_several_instances_need_an_output_file() -> None:
    with pytest.raises(SystemExit) as exc:
        large.main(["--instance", "v1/small,v1/zone"])
    assert exc.value.code == 2
