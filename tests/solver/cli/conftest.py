"""One solved tiny day for the module, and that plan tampered with, for the checker's commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import Result

from solver.model.problem import Problem
from tests.solver.cli.common import hms, invoke, tiny_problem


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Result]:
    """``carerun solve tiny.json --time-limit 1 -o out.json``, run once for the module."""
    folder = tmp_path_factory.mktemp("solve")
    problem = folder / "tiny.json"
    problem.write_text(json.dumps(tiny_problem()), encoding="utf-8")
    plan = folder / "plans" / "out.json"
    result = invoke("solve", problem, "--time-limit", "1", "-o", plan)
    return problem, plan, result


@pytest.fixture
def tampered(solved: tuple[Path, Path, Result], tmp_path: Path) -> tuple[Path, Path, str]:
    """The solved plan with one stop moved to start an hour after its window closes."""
    problem_path, plan, result = solved
    assert result.exit_code == 0
    data = json.loads(plan.read_text(encoding="utf-8"))
    run = next(r for r in data["runs"] if r["stops"])
    stop = run["stops"][0]
    problem = Problem.model_validate_json(problem_path.read_text(encoding="utf-8"))
    visit = next(v for v in problem.visits if v.id == stop["visit_id"])
    stop["start"] = hms(visit.window.end + 3600)
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    return problem_path, bad, stop["visit_id"]
