"""Tests for the ``carerun`` command (solver/cli/main.py): JSON in, JSON out, exit codes for scripts.

Exit codes: 0 done; 1 internal error, or a plan that breaks a rule (``check``); 2 bad input,
with a message that names the field at fault and no traceback. Plans go to ``-o FILE`` or to
standard output; summaries go to standard error. Most tests drive the Typer app in-process
with ``CliRunner``; a few run ``python -m solver.cli.main`` for real, to see what a user sees.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from solver.cli.main import app
from solver.model.problem import Problem, Solution

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parents[3]
SOLOMON_C101 = ROOT / "instances" / "solomon" / "C101.txt"


def tiny_problem() -> Json:
    """Two carers and three visits a short drive apart, with room for all of them."""
    return {
        "id": "tiny",
        "date": "2026-11-26",
        "carers": [
            {
                "id": "c1",
                "start": {"lat": 51.320, "lon": -2.200},
                "shift": {"start": "07:00", "end": "15:00"},
                "skills": ["medication"],
            },
            {
                "id": "c2",
                "start": {"lat": 51.330, "lon": -2.210},
                "shift": {"start": "07:00", "end": "15:00"},
            },
        ],
        "visits": [
            {
                "id": "v1",
                "location": {"lat": 51.318, "lon": -2.214},
                "window": {"start": "08:00", "end": "09:00"},
                "duration_min": 30,
                "skills": ["medication"],
            },
            {
                "id": "v2",
                "location": {"lat": 51.325, "lon": -2.205},
                "window": {"start": "09:00", "end": "10:00"},
                "duration_min": 30,
            },
            {
                "id": "v3",
                "location": {"lat": 51.330, "lon": -2.215},
                "window": {"start": "10:00", "end": "11:00"},
                "duration_min": 30,
                "excluded_carers": ["c1"],
            },
        ],
        "travel": {"model": "haversine", "circuity": 1.3, "speed_kmh": {"car": 40, "walk": 4.5}},
        "options": {"time_limit_s": 1, "seed": 0},
    }


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def squash(text: str) -> str:
    """The text without any whitespace: Rich wraps long lines at the console width."""
    return "".join(text.split())


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def assert_covered(problem: Problem, solution: Solution) -> None:
    """Every visit is in exactly carers_required runs or in unassigned, never both or neither."""
    served = Counter(stop.visit_id for run in solution.runs for stop in run.stops)
    dropped = Counter(u.visit_id for u in solution.unassigned)
    for visit in problem.visits:
        if visit.id in dropped:
            assert dropped[visit.id] == 1 and served[visit.id] == 0, visit.id
        else:
            assert served[visit.id] == visit.carers_required, visit.id
    known = {v.id for v in problem.visits}
    assert set(served) | set(dropped) <= known
    assert solution.kpis.visits == len(problem.visits)
    assert solution.status == ("partial" if dropped else "solved")


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Result]:
    """``carerun solve tiny.json --time-limit 1 -o out.json``, run once for the module."""
    folder = tmp_path_factory.mktemp("solve")
    problem = folder / "tiny.json"
    problem.write_text(json.dumps(tiny_problem()), encoding="utf-8")
    plan = folder / "plans" / "out.json"
    result = invoke("solve", problem, "--time-limit", "1", "-o", plan)
    return problem, plan, result


# --------------------------------------------------------------------------- solve


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


# --------------------------------------------------------------------------- check


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


# --------------------------------------------------------------------------- bad input


def _unknown_field(folder: Path) -> tuple[Path, str]:
    d = tiny_problem()
    d["visits"][1]["exluded_carers"] = ["c1"]
    path = folder / "typo.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    return path, "visits[1].exluded_carers"


def _invalid_json(folder: Path) -> tuple[Path, str]:
    path = folder / "broken.json"
    path.write_text(json.dumps(tiny_problem())[:-20], encoding="utf-8")
    return path, "InvalidJSON"


def _bad_window(folder: Path) -> tuple[Path, str]:
    d = tiny_problem()
    d["visits"][2]["window"] = {"start": "11:00", "end": "10:00"}
    path = folder / "window.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    return path, "visits[2].window"


def _time_as_integer(folder: Path) -> tuple[Path, str]:
    d = tiny_problem()
    d["carers"][0]["shift"]["start"] = 25200
    path = folder / "integer_time.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    return path, "carers[0].shift.start"


def _missing_file(folder: Path) -> tuple[Path, str]:
    return folder / "nowhere.json", "nosuchfile"


BAD_INPUTS = {
    "unknown-field": _unknown_field,
    "invalid-json": _invalid_json,
    "window-reversed": _bad_window,
    "time-as-integer": _time_as_integer,
    "missing-file": _missing_file,
}


@pytest.mark.parametrize("make", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
@pytest.mark.parametrize("command", ["solve", "check"])
def test_bad_problem_exits_2_naming_the_field(command: str, make: Any, tmp_path: Path) -> None:
    path, needle = make(tmp_path)
    plan = tmp_path / "plan.json"
    plan.write_text("{}", encoding="utf-8")
    args = ["solve", path, "--time-limit", "1"] if command == "solve" else ["check", path, plan]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert needle in squash(result.output), result.output
    assert path.name in squash(result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_bad_solution_exits_2_naming_the_field(solved: tuple[Path, Path, Result], tmp_path: Path) -> None:
    problem_path, plan, _ = solved
    data = json.loads(plan.read_text(encoding="utf-8"))
    data["runs"][0]["stops"][0]["arival"] = "08:00:00"
    bad = tmp_path / "typo_plan.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = invoke("check", problem_path, bad)
    assert result.exit_code == 2, result.output
    assert "runs[0].stops[0].arival" in squash(result.stderr)
    assert "Traceback" not in result.output


def test_problem_given_as_the_plan_exits_2(solved: tuple[Path, Path, Result]) -> None:
    problem_path, _, _ = solved
    result = invoke("check", problem_path, problem_path)
    assert result.exit_code == 2, result.output
    assert "problem_id" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "make", [_unknown_field, _invalid_json, _missing_file], ids=["unknown", "json", "missing"]
)
def test_bad_input_in_a_real_process_has_no_traceback(make: Any, tmp_path: Path) -> None:
    path, needle = make(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "solver.cli.main", "solve", str(path), "--time-limit", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert needle in squash(proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_input_that_looks_like_markup_exits_2(tmp_path: Path) -> None:
    d = tiny_problem()
    d["[/red]"] = 1
    path = tmp_path / "markup.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    result = invoke("solve", path)
    assert result.exit_code == 2, repr(result.exception)
    assert "[/red]" in result.stderr


def test_bad_input_message_is_printed_verbatim(tmp_path: Path) -> None:
    d = tiny_problem()
    d["visits"][0]["excluded_carers"] = ["[bold]x"]
    path = tmp_path / "markup.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    result = invoke("solve", path)
    assert result.exit_code == 2
    assert "'[bold]x'" in result.stderr


def test_solve_with_a_bracketed_problem_id(tmp_path: Path) -> None:
    d = tiny_problem()
    d["id"] = "ward[/b] 3"
    path = tmp_path / "bracket.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    out = tmp_path / "out.json"
    result = invoke("solve", path, "--time-limit", "0.5", "--solution-limit", "5", "-o", out)
    assert result.exit_code == 0, repr(result.exception)


# --------------------------------------------------------------------------- schema


def test_schema_prints_the_problem_schema() -> None:
    result = invoke("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema == json.loads(json.dumps(Problem.model_json_schema()))
    assert {"visits", "carers"} <= set(schema["properties"])
    assert schema["$defs"]["TimeWindow"]["properties"]["start"]["type"] == "string"


def test_schema_problem_is_the_default() -> None:
    assert json.loads(invoke("schema", "problem").stdout) == json.loads(invoke("schema").stdout)


def test_schema_solution() -> None:
    result = invoke("schema", "solution")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema == json.loads(json.dumps(Solution.model_json_schema()))
    assert {"runs", "unassigned", "kpis"} <= set(schema["properties"])


def test_schema_unknown_kind_exits_2() -> None:
    result = invoke("schema", "nonsense")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "nonsense" in result.stderr
    assert "Traceback" not in result.output


def test_schema_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "solver.cli.main", "schema", "solution"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Stop" in json.loads(proc.stdout)["$defs"]


def test_schema_unknown_kind_that_looks_like_markup_exits_2() -> None:
    result = invoke("schema", "[/x]")
    assert result.exit_code == 2, repr(result.exception)
