"""The VROOM adapter on its own: VROOM JSON to a contract Problem and a Solution back to VROOM's
shape, with input errors naming VROOM's fields. The HTTP route is tested in tests/api/test_vroom.py."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from solver.engine.search import solve
from solver.io.vroom import VroomInput, from_vroom, origin_of, to_vroom
from solver.model.errors import FieldIssue, InputError
from solver.model.problem import MatrixTravel

MATRIX: dict[str, Any] = {
    "vehicles": [{"id": 10, "start_index": 0, "end_index": 0, "time_window": [0, 7200], "breaks": []}],
    "jobs": [
        {"id": 100, "location_index": 1, "service": 600, "time_windows": [[600, 3600]], "priority": 100},
        {"id": 101, "location_index": 2, "service": 600, "priority": 0},
    ],
    "matrices": {
        "car": {
            "durations": [[0, 300, 600], [300, 0, 400], [600, 400, 0]],
            "distances": [[0, 3000, 6000], [3000, 0, 4000], [6000, 4000, 0]],
        }
    },
}


def vroom(**changes: Any) -> VroomInput:
    return VroomInput.model_validate({**copy.deepcopy(MATRIX), **changes})


def test_jobs_become_visits_and_vehicles_carers() -> None:
    problem = from_vroom(vroom(), time_limit_s=2)
    assert [v.id for v in problem.visits] == ["100", "101"]
    assert [v.priority for v in problem.visits] == ["critical", "low"]
    assert problem.visits[0].duration_min == 10 and problem.visits[0].window.end == 3600
    (carer,) = problem.carers
    assert carer.id == "10" and (carer.shift.start, carer.shift.end) == (0, 7200)
    assert isinstance(problem.travel, MatrixTravel) and len(problem.travel.locations) == 3
    assert problem.options.time_limit_s == 2


def test_coordinates_without_matrices_are_great_circle_travel() -> None:
    vin = VroomInput.model_validate(
        {
            "vehicles": [{"id": 1, "start": [2.35, 48.71], "profile": "walking"}],
            "jobs": [{"id": 1, "location": [2.36, 48.72]}],
        }
    )
    problem = from_vroom(vin)
    assert problem.travel.model == "haversine" and problem.carers[0].travel_mode == "walking"
    assert (problem.visits[0].location.lat, problem.visits[0].location.lon) == (48.72, 2.36)


@pytest.mark.parametrize(
    ("changes", "issue"),
    [
        ({"jobs": [{"id": 1, "location_index": 9}]}, FieldIssue("jobs[0].location_index", "must be below 3")),
        (
            {"jobs": [{"id": 1, "location": [2.0, 48.0]}]},
            FieldIssue("jobs[0].location_index", "required when `matrices` is given"),
        ),
        (
            {"jobs": [{"id": 1, "location_index": 1, "time_windows": [[0, 10], [20, 30]]}]},
            FieldIssue("jobs[0].time_windows", "carerun supports one time window per job or break"),
        ),
        (
            {"vehicles": [{"id": 1, "start_index": 0, "time_window": [9, 9]}]},
            FieldIssue("vehicles[0].time_window", "start must be before end"),
        ),
    ],
)
def test_input_errors_name_vroom_fields(changes: dict[str, Any], issue: FieldIssue) -> None:
    with pytest.raises(InputError) as caught:
        from_vroom(vroom(**changes))
    assert caught.value.errors == [issue]
    assert caught.value.source == "VROOM input"
    assert str(caught.value).startswith("VROOM input: 1 problem(s)\n")


def test_contract_errors_are_renamed_to_vroom_fields() -> None:
    """A duplicate job id or a profile with no matrix is found by the contract, named as VROOM's."""
    dup = [{"id": 1, "location_index": 1}, {"id": 1, "location_index": 2}]
    with pytest.raises(InputError) as caught:
        from_vroom(vroom(jobs=dup))
    assert [e.path for e in caught.value.errors] == ["jobs[1].id"]
    truck = [{"id": 1, "start_index": 0, "profile": "truck"}]
    with pytest.raises(InputError) as caught:
        from_vroom(vroom(vehicles=truck))
    assert [e.path for e in caught.value.errors] == ["vehicles[0].profile"]


def test_a_solution_comes_back_in_vroom_shape() -> None:
    vin = vroom()
    problem = from_vroom(vin, time_limit_s=1)
    solution = solve(problem, time_limit_s=1, seed=0, solution_limit=20)
    out = to_vroom(vin, problem, solution, loading_s=0.002)
    (route,) = out.routes
    assert [s.type for s in route.steps] == ["start", "job", "job", "end"]
    assert route.vehicle == 10 and route.duration == 300 + 400 + 600 and route.distance == 13000
    assert out.summary.priority == 100 and out.summary.computing_times.loading == 2
    assert out.unassigned == []


def test_older_spellings_and_one_dimension_loads() -> None:
    """VROOM's top-level ``matrix`` is the car profile's durations; ``delivery`` (or ``amount``)
    is the visit's demand and ``capacity`` the carer's."""
    body = {
        "vehicles": [{"id": 1, "start_index": 0, "capacity": [3]}],
        "jobs": [
            {"id": 1, "location_index": 1, "delivery": [2]},
            {"id": 2, "location_index": 2, "amount": [1]},
        ],
        "matrix": [[0, 60, 60], [60, 0, 60], [60, 60, 0]],
    }
    problem = from_vroom(VroomInput.model_validate(body))
    assert isinstance(problem.travel, MatrixTravel) and list(problem.travel.durations_s) == ["car"]
    assert [v.demand for v in problem.visits] == [2, 1] and problem.carers[0].capacity == 3


def test_a_pickup_is_refused_by_name() -> None:
    with pytest.raises(InputError) as caught:
        from_vroom(vroom(jobs=[{"id": 1, "location_index": 1, "pickup": [1]}]))
    assert [e.path for e in caught.value.errors] == ["jobs[0].pickup"]


def test_unix_timestamps_are_offsets_from_the_earliest() -> None:
    day = 1_600_416_000
    vin = vroom(
        vehicles=[{"id": 1, "start_index": 0, "time_window": [day, day + 7200]}],
        jobs=[{"id": 1, "location_index": 1, "time_windows": [[day + 600, day + 10**6]]}],
    )
    assert origin_of(vin) == day
    problem = from_vroom(vin)
    assert (problem.carers[0].shift.start, problem.carers[0].shift.end) == (0, 7200)
    assert (problem.visits[0].window.start, problem.visits[0].window.end) == (600, 86400)
    assert origin_of(vroom()) == 0


def test_a_break_may_interrupt_a_drive_and_steps_add_up() -> None:
    """The break is taken 100 s into a 300 s drive: VROOM's arrival identity holds at each step."""
    vin = vroom(
        vehicles=[
            {
                "id": 10,
                "start_index": 0,
                "end_index": 0,
                "time_window": [0, 7200],
                "breaks": [{"id": 5, "time_windows": [[100, 100]], "service": 600}],
            }
        ],
        jobs=[{"id": 100, "location_index": 1, "service": 600}],
    )
    problem = from_vroom(vin, time_limit_s=1)
    solution = solve(problem, time_limit_s=1, seed=0, solution_limit=20)
    (route,) = to_vroom(vin, problem, solution, loading_s=0).routes
    assert [s.type for s in route.steps].count("break") == 1
    for before, after in itertools.pairwise(route.steps):
        gone = before.arrival + before.waiting_time + before.setup + before.service
        assert after.arrival == gone + after.duration - before.duration
    assert route.service == 600 + 600 and route.duration == 300 + 300
