"""A stopped zone study's partial figures, and a finished one's what-if timed (benchmarks/simulate.py
``write_partial``, ``time_recost``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import simulate
from solver.simulate import SimConfig
from solver.simulate import simulate as simulate_study
from solver.simulate.fleet import SolveSettings


def test_a_stopped_study_reports_its_rate_per_design(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "study"
    (out / "cache").mkdir(parents=True)
    (out / "study.json").write_text(json.dumps({"tasks": [{}] * 5, "settings": {"solution_limit": 10}}))
    for k, (visits, wall) in enumerate([(100, 4.0), (300, 8.0)]):
        task = {
            "key": str(k), "design": "legacy3", "m": 1, "zone": f"z{k}", "provider": 0, "replicate": 0,
            "wall_s": wall, "probes": [], "confirms": [], "met_target": True, "violations": [],
            "problem": {"visits": [{"id": str(i), "location": {}} for i in range(visits)], "carers": []},
            "solution": {"runs": [], "solver": {}},
        }  # fmt: skip
        (out / "cache" / f"{k}.json").write_text(json.dumps(task))
    monkeypatch.setattr(simulate, "RESULTS", tmp_path / "results")
    (tmp_path / "results").mkdir()
    written = json.loads(simulate.write_partial("t", out, "cmd").read_text())
    assert (written["tasks_total"], written["tasks_done"], written["visits_done"]) == (5, 2, 400)
    assert written["core_s_per_visit"] == {"legacy3 m=1": 0.03}
    assert written["violations"] == 0 and written["command"] == "cmd"


def test_a_what_if_on_a_finished_study_is_timed_as_a_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "study"
    quick = SolveSettings(solution_limit=5, time_cap_s=60)
    simulate_study(SimConfig(out, designs=["legacy3"], providers=[1], scale=0.01, workers=1, settings=quick))
    monkeypatch.setattr(simulate, "RESULTS", tmp_path / "results")
    (tmp_path / "results").mkdir()
    written = json.loads(simulate.time_recost("t", out, 2).read_text())
    assert len(written["process_s"]) == 2 and all(s > 0 for s in written["process_s"])
    assert all(r["recost_s"] <= r["process_s"] for r in written["runs"])
    assert json.loads((out / "table.json").read_text())["meta"]["rates"]["fee_gbp_h"] == 25.5
