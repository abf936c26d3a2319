"""``carerun generate``: a seeded day as Problem JSON, its calibration on standard error."""

from __future__ import annotations

from pathlib import Path

from solver.model.problem import Problem
from tests.solver.cli.common import invoke


def test_generate_writes_a_seeded_day(tmp_path: Path) -> None:
    out = tmp_path / "days" / "day.json"
    result = invoke("generate", "--visits", "20", "--seed", "1", "-o", out)
    assert result.exit_code == 0, result.output
    problem = Problem.model_validate_json(out.read_text(encoding="utf-8"))
    assert len(problem.visits) == 20
    assert result.stdout == "" and "figure" in result.stderr
    again = invoke("generate", "--visits", "20", "--seed", "1")
    assert Problem.model_validate_json(again.stdout) == problem


def test_generate_unknown_zone_exits_2() -> None:
    result = invoke("generate", "--zone", "Atlantis")
    assert result.exit_code == 2, result.output
    assert "unknown zone 'Atlantis'" in result.stderr and "Traceback" not in result.output
