"""The scale benchmark keeps working: its smallest run, a 50-visit day, into a scratch file."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.scale import main


def test_scale_benchmark_writes_checked_rows_with_memory_and_load(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    assert main(["--sizes", "50", "--limits", "2", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["machine"]["cores"] and report["versions"]["ortools"]
    kinds = [row["run"] for row in report["rows"]]
    assert kinds == ["construction", "solve"]
    for row in report["rows"]:
        assert row["violations"] == 0 and row["peak_rss_mib"] > 0 and len(row["loadavg"]) == 2
        assert row["visits_served"] <= row["visits"] == 50
