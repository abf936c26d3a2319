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
    for argv in (["--engines", "magic"], ["--instance", "nowhere"]):
        with pytest.raises(SystemExit) as exc:
            large.main([*argv, "--out", str(tmp_path / "x.json")])
        assert exc.value.code == 2
