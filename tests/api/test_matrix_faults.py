"""Every fault a caller's travel matrix can have, through the model, the CLI and the API.

A fault is refused naming its field: ``load_problem`` raises an InputError with the path,
``carerun solve`` exits 2 printing it (never a traceback), ``POST /v1/solve`` answers 422 with
it. A ``null`` leg is no fault: the plan goes around it, and a visit no carer can drive to is
unassigned with ``TRAVEL_TOO_FAR``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from solver.analysis.check import check
from solver.cli import app
from solver.io.documents import InputError, load_problem
from solver.model.problem import MAX_DURATION_S, Problem, Solution
from tests.api.conftest import Api, tiny_problem

Json = dict[str, Any]


def _cell(matrix: str, i: int, j: int, value: Any) -> Callable[[Json], None]:
    def mutate(d: Json) -> None:
        d["travel"][matrix]["car"][i][j] = value

    return mutate


def _short_row(d: Json) -> None:
    d["travel"]["durations_s"]["car"][2].pop()


def _missing_row(d: Json) -> None:
    d["travel"]["durations_s"]["car"].pop()


def _place_twice(d: Json) -> None:
    d["travel"]["locations"][3] = dict(d["travel"]["locations"][1])


FAULTS: dict[str, tuple[Callable[[Json], None], str, str]] = {
    "duration-over-a-day": (
        _cell("durations_s", 3, 1, MAX_DURATION_S + 1),
        "travel.durations_s.car[3][1]",
        "less than or equal to 86400",
    ),
    "distance-over-the-cap": (
        _cell("distances_m", 1, 2, 10_000_001),
        "travel.distances_m.car[1][2]",
        "less than or equal to 10000000",
    ),
    "duration-nan": (_cell("durations_s", 1, 2, float("nan")), "travel.durations_s.car[1][2]", "finite"),
    "duration-infinite": (_cell("durations_s", 1, 2, float("inf")), "travel.durations_s.car[1][2]", "finite"),
    "duration-negative": (
        _cell("durations_s", 2, 1, -1),
        "travel.durations_s.car[2][1]",
        "greater than or equal",
    ),
    "row-too-short": (_short_row, "travel.durations_s.car", "row 2 has 3 entries"),
    "row-missing": (_missing_row, "travel.durations_s.car", "it has 3 rows"),
    "place-listed-twice": (_place_twice, "travel.locations[3]", "the same place as travel.locations[1]"),
    "null-distance-of-a-leg-with-a-duration": (
        _cell("distances_m", 1, 2, None),
        "travel.distances_m.car[1][2]",
        "durations_s.car[1][2] is a number",
    ),
    "null-from-a-place-to-itself": (
        _cell("durations_s", 2, 2, None),
        "travel.durations_s.car[2][2]",
        "reachable from itself",
    ),
}


def faulty(mutate: Callable[[Json], None]) -> Json:
    problem = copy.deepcopy(tiny_problem())  # its matrices are shared lists
    mutate(problem)
    return problem


@pytest.mark.parametrize("case", FAULTS.values(), ids=FAULTS.keys())
def test_a_matrix_fault_is_refused_naming_the_field(
    api: Api, tmp_path: Path, case: tuple[Callable[[Json], None], str, str]
) -> None:
    mutate, path, message = case
    problem = faulty(mutate)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(problem), encoding="utf-8")  # NaN and Infinity as Python writes them

    with pytest.raises(InputError) as caught:
        load_problem(file)
    assert [(e.path, message in e.message) for e in caught.value.errors] == [(path, True)]

    result = CliRunner().invoke(app, ["solve", str(file), "--time-limit", "1"])
    assert result.exit_code == 2, result.output
    assert path in result.stderr and "Traceback" not in result.output + result.stderr

    body = json.dumps(problem)  # the API reads NaN too (Python's json does); it is still a fault
    headers = {**api.headers(), "Content-Type": "application/json"}
    response = api.client.post("/v1/solve", content=body, headers=headers)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["path"], message in e["message"]) for e in errors] == [(path, True)]


def with_nulls(*legs: tuple[int, int]) -> Json:
    """The tiny world (places H, A, B, C) with ``legs`` (from, to) having no route."""
    problem = copy.deepcopy(tiny_problem())
    for i, j in legs:
        problem["travel"]["durations_s"]["car"][i][j] = None
        problem["travel"]["distances_m"]["car"][i][j] = None
    return problem


def test_a_null_leg_is_planned_around_by_the_cli_and_the_api(api: Api, tmp_path: Path) -> None:
    problem = with_nulls((1, 2), (2, 3))  # A -> B and B -> C: a one-way street, twice
    file, out = tmp_path / "p.json", tmp_path / "plan.json"
    file.write_text(json.dumps(problem), encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(file), "--output", str(out)])
    assert result.exit_code == 0, result.output
    parsed = Problem.model_validate(problem)
    solution = Solution.model_validate_json(out.read_text())
    assert solution.unassigned == [] and check(parsed, solution) == []

    response = api.client.post("/v1/solve", json=problem, headers=api.headers())
    assert response.status_code == 200, response.text
    solution = Solution.model_validate(response.json())
    assert solution.unassigned == [] and check(parsed, solution) == []


def test_a_visit_no_carer_can_reach_is_unassigned_by_the_api(api: Api) -> None:
    problem = with_nulls((0, 3))  # no route from home to C, where v3 is
    response = api.client.post("/v1/solve", json=problem, headers=api.headers())
    assert response.status_code == 200, response.text
    solution = Solution.model_validate(response.json())
    assert check(Problem.model_validate(problem), solution) == []
    (out,) = solution.unassigned
    assert (out.visit_id, out.code) == ("v3", "TRAVEL_TOO_FAR")
    assert "travel.durations_s.car has no route (null) from their start to it" in out.reason
