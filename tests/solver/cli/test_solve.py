"""``carerun solve``: the plan as JSON to a file or standard output, a summary on standard error."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import Result

from solver.model.problem import Problem, Solution
from tests.solver.cli.common import SOLOMON_C101, assert_covered, invoke, squash, tiny_problem


def test_solve_writes_a_valid_plan(solved: tuple[Path, Path, Result]) -> None:
    problem_path, plan, result = solved
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert plan.is_file()
    solution = Solution.model_validate_json(plan.read_text(encoding="utf-8"))
    problem = Problem.model_validate_json(problem_path.read_text(encoding="utf-8"))
    assert solution.problem_id == "tiny"
    assert_covered(problem, solution)
    # The plan went to the file: nothing on standard output; the summary is on standard error.
    assert result.stdout == ""
    assert "tiny" in result.stderr
    assert "Traceback" not in result.output


def test_solve_prints_the_plan_on_stdout(tmp_path: Path) -> None:
    problem_path = tmp_path / "tiny.json"
    problem_path.write_text(json.dumps(tiny_problem()), encoding="utf-8")
    result = invoke("solve", problem_path, "--time-limit", "1", "--solution-limit", "20", "--seed", "3")
    assert result.exit_code == 0, result.output
    # Standard output is exactly the Solution JSON, so that `carerun solve p.json > plan.json` works.
    solution = Solution.model_validate_json(result.stdout)
    assert solution.solver.seed == 3
    assert_covered(Problem.model_validate(tiny_problem()), solution)
    assert json.loads(result.stdout)["problem_id"] == "tiny"


def test_solve_solomon_c101() -> None:
    assert SOLOMON_C101.is_file()
    result = invoke("solve", SOLOMON_C101, "--time-limit", "1", "--solution-limit", "50")
    assert result.exit_code == 0, result.output
    solution = Solution.model_validate_json(result.stdout)
    assert solution.kpis.visits == 100
    assert "Traceback" not in result.output


def test_solve_warm_start_flag_picks_the_first_plan() -> None:
    args = ("solve", SOLOMON_C101, "--time-limit", "5", "--solution-limit", "5")
    default = Solution.model_validate_json(invoke(*args).stdout)
    off = invoke(*args, "--warm-start", "none")
    assert off.exit_code == 0, off.output
    assert default.solver.first_solution == "WARM_START"
    assert Solution.model_validate_json(off.stdout).solver.first_solution == "PARALLEL_CHEAPEST_INSERTION"
    assert invoke(*args, "--warm-start", "gurobi").exit_code == 2


def test_solve_rejects_a_bad_time_limit(tmp_path: Path) -> None:
    problem_path = tmp_path / "tiny.json"
    problem_path.write_text(json.dumps(tiny_problem()), encoding="utf-8")
    result = invoke("solve", problem_path, "--time-limit", "0")
    assert result.exit_code == 2
    assert "--time-limit" in result.output


def test_solve_with_a_history_file(tmp_path: Path) -> None:
    """c2 visited v2's client three times: with the history, c2 serves v2 (continuity 1.0)."""
    problem_path = tmp_path / "tiny.json"
    problem_path.write_text(json.dumps(tiny_problem()), encoding="utf-8")
    history = [{"date": f"2026-11-2{d}", "client_id": "v2", "carer_id": "c2"} for d in range(3)]
    history_path = tmp_path / "history.json"
    history_path.write_text(json.dumps({"history": history}), encoding="utf-8")
    args = ("solve", problem_path, "--solution-limit", "20", "--history", history_path)
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    solution = Solution.model_validate_json(result.stdout)
    assert solution.kpis.continuity_rate == 1.0
    assert [r.carer_id for r in solution.runs for s in r.stops if s.visit_id == "v2"] == ["c2"]
    assert "continuity rate" in result.stderr
    history_path.write_text(json.dumps({"history": [{"date": "2026-11-31", "client_id": "v2"}]}))
    bad = invoke(*args)
    assert bad.exit_code == 2
    assert "history[0].date" in squash(bad.output) and "history[0].carer_id" in squash(bad.output)
