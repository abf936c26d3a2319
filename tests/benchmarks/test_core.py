"""The figures script keeps working (a 1-second smoke run; the real figures are committed)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import core


def test_quick_run_checks_every_plan_and_writes_nothing() -> None:
    results = Path(core.RESULTS) / "core.json"
    before = results.read_text() if results.exists() else None
    assert core.main(["--quick"]) == 0
    assert (results.read_text() if results.exists() else None) == before


def test_committed_figures_name_machine_versions_and_command() -> None:
    report = json.loads((Path(core.RESULTS) / "core.json").read_text())
    assert report["command"] == "python -m benchmarks.core"
    assert report["versions"]["ortools"].startswith("9.15")
    assert report["machine"]["cores"] >= 1
    homecare = [r for r in report["rows"] if "visits" in r]
    assert all(r["violations"] == 0 for r in homecare)
    assert {r["instance"] for r in report["rows"]} >= {
        "homecare/zone.json",
        "homecare/large.json",
        "solomon/R101",
    }
