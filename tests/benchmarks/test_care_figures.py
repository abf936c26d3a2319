"""The continuity, re-planning and Mankowska figure scripts keep working: smoke runs that
check every plan and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import continuity, hhc, replan


def _unchanged(name: str) -> str | None:
    path = Path(hhc.RESULTS) / name
    return path.read_text() if path.exists() else None


@pytest.mark.slow
def test_replan_and_continuity_quick_runs_check_every_plan() -> None:
    before = (_unchanged("replan.json"), _unchanged("continuity.json"))
    assert replan.main(["--quick"]) == 0
    assert continuity.main(["--quick"]) == 0
    assert (_unchanged("replan.json"), _unchanged("continuity.json")) == before


def test_hhc_quick_run_scores_against_the_reference() -> None:
    before = _unchanged("mankowska-1.json")
    assert hhc.main(["--quick"]) == 0  # both plans feasible and checked
    assert _unchanged("mankowska-1.json") == before
    ref = hhc.reference()
    assert ref["InstanzCPLEX_HCSRP_10_1"]["cost"] == pytest.approx(226.978)
    assert len(ref) == 70
