"""``carerun schema``: the contract's JSON Schema on standard output."""

from __future__ import annotations

import json

from solver.model.problem import Problem, Solution
from tests.solver.cli.common import invoke, run_carerun


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
    proc = run_carerun("schema", "solution")
    assert proc.returncode == 0, proc.stderr
    assert "Stop" in json.loads(proc.stdout)["$defs"]


def test_schema_unknown_kind_that_looks_like_markup_exits_2() -> None:
    result = invoke("schema", "[/x]")
    assert result.exit_code == 2, repr(result.exception)
