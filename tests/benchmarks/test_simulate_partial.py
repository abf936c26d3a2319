"""A stopped zone study's partial figures (benchmarks/simulate.py ``write_partial``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import simulate


def test_a_stopped_study_reports_its_rate_per_design(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "study"
    (out / "cache").mkdir(parents=True)
    (out / "study.json").write_text(json.dumps({"tasks": [{}] * 5, "settings": {"solution_limit": 10}}))
    for k, (visits, wall) in enumerate([(100, 4.0), (300, 8.0)]):
        task = {
            "design": "legacy3", "m": 1, "zone": f"z{k}", "provider": 0, "replicate": 0, "wall_s": wall,
            "probes": [], "confirms": [], "met_target": True, "violations": [],
            "problem": {"visits": [{}] * visits},
        }  # fmt: skip
        (out / "cache" / f"{k}.json").write_text(json.dumps(task))
    monkeypatch.setattr(simulate, "RESULTS", tmp_path / "results")
    (tmp_path / "results").mkdir()
    written = json.loads(simulate.write_partial("t", out, "cmd").read_text())
    assert (written["tasks_total"], written["tasks_done"], written["visits_done"]) == (5, 2, 400)
    assert written["core_s_per_visit"] == {"legacy3 m=1": 0.03}
    assert written["violations"] == 0 and written["command"] == "cmd"
