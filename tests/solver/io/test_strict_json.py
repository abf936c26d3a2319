"""A JSON document is read strictly: no bool or string is taken for a number."""

from __future__ import annotations

import copy
import glob
import json
from pathlib import Path
from typing import Any

import pytest

from solver.io.documents import InputError, load_problem
from solver.model.problem import Problem
from tests.solver.tiny import DIST, DUR, A, B, H, carer, visit

ROOT = Path(__file__).resolve().parents[3]


def tiny_problem() -> dict[str, Any]:
    return {
        "id": "tiny",
        "carers": [carer("c1")],
        "visits": [visit("v1", A), visit("v2", B, "10:00", "11:00")],
        "travel": {
            "model": "matrix",
            "locations": [H, A, B],
            "durations_s": {"car": [r[:3] for r in DUR[:3]]},
            "distances_m": {"car": [r[:3] for r in DIST[:3]]},
        },
        "options": {"time_limit_s": 1, "seed": 0},
    }


def _with(path: tuple[str | int, ...], value: Any) -> str:
    data = copy.deepcopy(tiny_problem())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (("visits", 0, "location", "lat"), True, "visits[0].location.lat"),
        (("visits", 0, "location", "lon"), False, "visits[0].location.lon"),
        (("visits", 0, "duration_min"), "15", "visits[0].duration_min"),
        (("visits", 1, "demand"), True, "visits[1].demand"),
        (("visits", 1, "demand"), 2.0, "visits[1].demand"),
        (("options", "time_limit_s"), "1", "options.time_limit_s"),
        (("options", "seed"), False, "options.seed"),
        (("carers", 0, "max_visits"), "3", "carers[0].max_visits"),
    ],
)
def test_a_number_must_be_a_json_number(
    path: tuple[str | int, ...], value: Any, named: str, tmp_path: Path
) -> None:
    document = tmp_path / "problem.json"
    document.write_text(_with(path, value))
    with pytest.raises(InputError) as caught:
        load_problem(document)
    assert named in {issue.path for issue in caught.value.errors}


def test_integers_still_pass_for_decimals_and_python_callers_keep_conversions() -> None:
    problem = Problem.model_validate_json(_with(("visits", 0, "duration_min"), 15))
    assert problem.visits[0].duration_min == 15.0
    data = json.loads(_with(("visits", 0, "duration_min"), 15))
    data["date"] = "2026-03-02"
    assert str(Problem.model_validate(data).date) == "2026-03-02"


def test_every_shipped_json_instance_still_loads() -> None:
    paths = sorted(glob.glob(str(ROOT / "instances" / "**" / "*.json"), recursive=True))
    assert paths
    for path in paths:
        assert load_problem(path).carers
