"""``carerun replan``: the new plan on standard output, the changes on standard error."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from solver.analysis.check import check
from solver.cli import app
from solver.engine.search import solve
from solver.model.problem import Problem, Solution
from tests.solver.day.test_replan import day


def test_cli_replan(tmp_path: Path) -> None:
    p = day()
    published = solve(p)
    (tmp_path / "p.json").write_text(p.model_dump_json())
    (tmp_path / "pub.json").write_text(published.model_dump_json())
    (tmp_path / "ev.json").write_text(json.dumps({"events": [{"type": "visit_cancelled", "visit_id": "v7"}]}))
    args = ["replan", str(tmp_path / "p.json"), str(tmp_path / "pub.json"), str(tmp_path / "ev.json")]
    result = CliRunner().invoke(app, [*args, "--now", "10:00", "--problem-out", str(tmp_path / "np.json")])
    assert result.exit_code == 0, result.output
    new = Solution.model_validate_json(result.stdout)
    assert check(Problem.model_validate_json((tmp_path / "np.json").read_text()), new) == []
    assert "changes against the published plan" in result.output
    bad = CliRunner().invoke(app, [*args, "--now", "25:00"])
    assert bad.exit_code == 2 and "--now" in bad.output


def test_cli_replan_events_file_missing_or_bad(tmp_path: Path) -> None:
    p = day()
    (tmp_path / "p.json").write_text(p.model_dump_json())
    (tmp_path / "pub.json").write_text(solve(p).model_dump_json())
    args = ["replan", str(tmp_path / "p.json"), str(tmp_path / "pub.json"), str(tmp_path / "ev.json")]
    missing = CliRunner().invoke(app, [*args, "--now", "10:00"])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    (tmp_path / "ev.json").write_text(json.dumps({"events": [{"type": "visit_cancelled", "visit": "v7"}]}))
    bad = CliRunner().invoke(app, [*args, "--now", "10:00"])
    assert bad.exit_code == 2 and "events[0]" in bad.stderr and "Traceback" not in bad.output
