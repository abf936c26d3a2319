"""VROOM's own documented examples (tests/solver/io/data/vroom, see its README) through carerun's
VROOM adapter and through pyvroom 1.15 on the same input: the same jobs served, steps with the
same keys, and a cost within ``COST_TOLERANCE`` of VROOM's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from solver.engine.search import solve
from solver.io.vroom import VroomInput, from_vroom, to_vroom
from solver.model.problem import CIRCUITY, SPEED_KMH
from solver.travel.haversine import all_pairs_m

vroom = pytest.importorskip("vroom", reason="pyvroom comes with the bench extra")

DATA = Path(__file__).parent / "data" / "vroom"
# carerun's plan may cost at most this much more travel than VROOM's; it may cost less.
COST_TOLERANCE = 0.05
# Keys carerun adds to VROOM's: `distance` where distances are known (pyvroom's output leaves
# them out), `description` where the input had one.
OURS = {"distance", "description"}


def with_matrix(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with a location index on each place and a car matrix over them: great-circle
    distance times carerun's circuity at its car speed, so both solvers see the same travel."""
    places: list[tuple[float, float]] = []

    def index(coord: list[float]) -> int:
        if tuple(coord) not in places:
            places.append((coord[0], coord[1]))
        return places.index((coord[0], coord[1]))

    for vehicle in body["vehicles"]:
        vehicle["start_index"], vehicle["end_index"] = index(vehicle["start"]), index(vehicle["end"])
    for job in body["jobs"]:
        job["location_index"] = index(job["location"])
    lon, lat = (np.array(axis) for axis in zip(*places, strict=True))
    metres = all_pairs_m(lat, lon) * CIRCUITY
    seconds = metres / (SPEED_KMH["car"] / 3.6)
    car = {
        "durations": np.rint(seconds).astype(int).tolist(),
        "distances": np.rint(metres).astype(int).tolist(),
    }
    return {**body, "matrices": {"car": car}}


EXAMPLES = {
    "example_1": lambda: with_matrix(json.loads((DATA / "example_1.json").read_text())),
    "example_2": lambda: json.loads((DATA / "example_2.json").read_text()),
}


def theirs(body: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(body))
    solution = vroom.Input.from_json(str(path)).solve(exploration_level=5, nb_threads=1)
    answer: dict[str, Any] = solution.to_dict()
    return answer


def ours(body: dict[str, Any]) -> dict[str, Any]:
    vin = VroomInput.model_validate_json(json.dumps(body))
    problem = from_vroom(vin, time_limit_s=2.0, solution_limit=50)
    solution = solve(problem, time_limit_s=2.0, seed=0, solution_limit=50)
    answer: dict[str, Any] = to_vroom(vin, problem, solution, loading_s=0.0).model_dump(exclude_none=True)
    return answer


def served(answer: dict[str, Any]) -> set[int]:
    return {s["id"] for r in answer["routes"] for s in r["steps"] if s["type"] == "job"}


def keys_by_type(answer: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for route in answer["routes"]:
        for step in route["steps"]:
            found.setdefault(step["type"], set()).update(set(step) - OURS)
    return found


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_vroom_documented_examples_match_pyvroom(name: str, tmp_path: Path) -> None:
    body = EXAMPLES[name]()
    want, got = theirs(body, tmp_path), ours(body)
    assert served(got) == served(want)
    assert {u["id"] for u in got["unassigned"]} == {u["id"] for u in want["unassigned"]}
    assert keys_by_type(got) == keys_by_type(want)
    route_keys = {k for r in want["routes"] for k in r}
    assert all(set(r) - OURS == route_keys for r in got["routes"])
    assert set(got["summary"]) - OURS == set(want["summary"])
    assert got["summary"]["cost"] <= want["summary"]["cost"] * (1 + COST_TOLERANCE)
    for route in got["routes"]:
        assert route["steps"][0]["type"] == "start" and route["steps"][-1]["type"] == "end"
        assert route["service"] == sum(s["service"] for s in route["steps"])
