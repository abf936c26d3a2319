"""``carerun check``: exit 0 for a plan that keeps every rule, 1 with the rules it breaks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import Result

from tests.solver.cli.common import invoke


def test_check_accepts_the_plan_it_was_given(solved: tuple[Path, Path, Result]) -> None:
    problem_path, plan, result = solved
    assert result.exit_code == 0
    checked = invoke("check", problem_path, plan)
    assert checked.exit_code == 0, checked.output
    assert "Traceback" not in checked.output


def test_check_json_of_a_good_plan_is_an_empty_list(solved: tuple[Path, Path, Result]) -> None:
    problem_path, plan, _ = solved
    checked = invoke("check", problem_path, plan, "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout) == []


def test_check_reports_a_stop_outside_its_window(tampered: tuple[Path, Path, str]) -> None:
    problem_path, bad, visit_id = tampered
    checked = invoke("check", problem_path, bad)
    assert checked.exit_code == 1, checked.output
    assert "window" in checked.stderr
    assert visit_id in checked.stderr
    assert "Traceback" not in checked.output


def test_check_json_lists_the_violations(tampered: tuple[Path, Path, str]) -> None:
    problem_path, bad, visit_id = tampered
    checked = invoke("check", problem_path, bad, "--json")
    assert checked.exit_code == 1, checked.output
    violations = json.loads(checked.stdout)
    assert isinstance(violations, list) and violations
    assert all(isinstance(v, dict) and {"rule", "message"} <= set(v) for v in violations)
    window = [v for v in violations if v["rule"] == "window"]
    assert window and window[0]["visit_id"] == visit_id


def test_check_report_keeps_the_rule_tags(tampered: tuple[Path, Path, str]) -> None:
    problem_path, bad, _ = tampered
    checked = invoke("check", problem_path, bad)
    assert checked.exit_code == 1
    assert "[window]" in checked.stderr
