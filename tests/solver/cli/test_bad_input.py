"""Bad input exits 2 with a message naming the field and the file, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tests.solver.cli.common import invoke, run_carerun, squash, tiny_problem


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
    proc = run_carerun("solve", str(path), "--time-limit", "1")
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
