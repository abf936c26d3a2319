"""The VROOM endpoint on inputs in VROOM's documented format (docs/API.md of VROOM)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Api, open_api

# Shaped like the example in VROOM's API documentation: coordinates are [lon, lat].
COORDS: dict[str, Any] = {
    "vehicles": [
        {
            "id": 1,
            "start": [2.35044, 48.71764],
            "end": [2.35044, 48.71764],
            "time_window": [28800, 61200],
            "skills": [1, 14],
            "breaks": [{"id": 7, "time_windows": [[36000, 37800]], "service": 600}],
        },
        {
            "id": 2,
            "start": [2.35044, 48.71764],
            "end": [2.35044, 48.71764],
            "time_window": [28800, 43200],
            "skills": [2, 14],
            "max_tasks": 2,
        },
    ],
    "jobs": [
        {"id": 1, "service": 300, "location": [1.98935, 48.701], "skills": [1]},
        {"id": 2, "service": 300, "location": [2.03655, 48.61128], "skills": [1]},
        {"id": 3, "service": 300, "location": [2.39719, 49.07611], "skills": [2]},
        {"id": 4, "service": 300, "location": [2.41808, 49.22619], "skills": [2]},
        {"id": 5, "service": 300, "location": [2.28325, 48.5958], "skills": [14]},
        {
            "id": 6,
            "service": 300,
            "location": [2.89357, 48.90736],
            "skills": [14],
            "time_windows": [[30000, 40000]],
        },
        {"id": 7, "service": 300, "location": [2.3, 48.7], "skills": [99], "description": "needs a hoist"},
    ],
}

# Custom matrices: three places, indices into them, one profile.
MATRIX: dict[str, Any] = {
    "vehicles": [{"id": 10, "start_index": 0, "end_index": 0, "time_window": [0, 7200]}],
    "jobs": [
        {"id": 100, "location_index": 1, "service": 600, "time_windows": [[600, 3600]], "priority": 100},
        {"id": 101, "location_index": 2, "service": 600},
    ],
    "matrices": {
        "car": {
            "durations": [[0, 300, 600], [300, 0, 400], [600, 400, 0]],
            "distances": [[0, 3000, 6000], [3000, 0, 4000], [6000, 4000, 0]],
        }
    },
}


def post(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post("/v1/vroom", json=body, headers=api.headers())


def test_coordinates_example_answers_in_vroom_shape(api: Api) -> None:
    response = post(api, COORDS)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["code"] == 0 and set(out) == {"code", "summary", "unassigned", "routes"}
    served = {s["id"] for r in out["routes"] for s in r["steps"] if s["type"] == "job"}
    assert served == {1, 2, 3, 4, 5, 6}
    assert out["unassigned"] == [
        {
            "id": 7,
            "type": "job",
            "description": "needs a hoist",
            "location": [2.3, 48.7],
            "reason": "NO_SKILLED_CARER",
            "reason_text": out["unassigned"][0]["reason_text"],
        }
    ]
    assert out["summary"]["unassigned"] == 1 and out["summary"]["routes"] == len(out["routes"])
    for route in out["routes"]:
        steps = route["steps"]
        assert steps[0]["type"] == "start" and steps[-1]["type"] == "end"
        jobs = [s for s in steps if s["type"] == "job"]
        skills = {1: {1, 14}, 2: {2, 14}}[route["vehicle"]]
        assert all({1: 1, 2: 1, 3: 2, 4: 2, 5: 14, 6: 14}[s["id"]] in skills for s in jobs)
        arrivals = [s["arrival"] for s in steps]
        assert arrivals == sorted(arrivals) and arrivals[0] >= 28800 and arrivals[-1] <= 61200
        assert steps[-1]["duration"] == route["duration"] and route["cost"] == route["duration"]
        assert route["service"] == sum(s["service"] for s in steps)  # breaks included, as VROOM
        assert route["waiting_time"] == sum(s["waiting_time"] for s in steps)
        for step in jobs:
            assert step["job"] == step["id"]
        for before, after in itertools.pairwise(steps):  # VROOM's timing identity
            gone = before["arrival"] + before["waiting_time"] + before["setup"] + before["service"]
            assert after["arrival"] == gone + after["duration"] - before["duration"], (before, after)
    vehicle2 = [r for r in out["routes"] if r["vehicle"] == 2]
    assert all(len([s for s in r["steps"] if s["type"] == "job"]) <= 2 for r in vehicle2)  # max_tasks
    job6 = next(s for r in out["routes"] for s in r["steps"] if s.get("id") == 6 and s["type"] == "job")
    assert 30000 <= job6["arrival"] + job6["waiting_time"] <= 40000
    breaks = [s for r in out["routes"] if r["vehicle"] == 1 for s in r["steps"] if s["type"] == "break"]
    assert [(b["id"], b["service"]) for b in breaks] == [(7, 600)]
    assert 36000 <= breaks[0]["arrival"] <= 37800


def test_matrix_example_uses_indices_and_the_matrix_figures(api: Api) -> None:
    out = post(api, MATRIX).json()
    (route,) = out["routes"]
    steps = route["steps"]
    assert [s["type"] for s in steps] == ["start", "job", "job", "end"]
    assert all("location_index" in s for s in steps)
    order = [s["location_index"] for s in steps]
    assert order in ([0, 1, 2, 0], [0, 2, 1, 0])
    assert route["duration"] == 300 + 400 + 600 and route["distance"] == 3000 + 4000 + 6000
    assert out["summary"]["priority"] == 100 and out["unassigned"] == []


def test_unsupported_or_inconsistent_input_is_422_naming_vroom_fields(api: Api) -> None:
    two_windows = {**MATRIX, "jobs": [{"id": 1, "location_index": 1, "time_windows": [[0, 10], [20, 30]]}]}
    no_index = {**MATRIX, "jobs": [{"id": 1, "location": [2.0, 48.0]}]}
    bad_index = {**MATRIX, "jobs": [{"id": 1, "location_index": 9}]}
    shipments = {**MATRIX, "shipments": []}
    no_matrix_profile = {**MATRIX, "vehicles": [{"id": 1, "start_index": 0, "profile": "truck"}]}
    dup = {**MATRIX, "jobs": [{"id": 1, "location_index": 1}, {"id": 1, "location_index": 2}]}
    cases = {
        "jobs[0].time_windows": two_windows,
        "jobs[0].location_index": no_index,
        "shipments": shipments,
        "vehicles[0].profile": no_matrix_profile,
        "jobs[1].id": dup,
    }
    for path, body in cases.items():
        response = post(api, body)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/json"
        assert response.json()["code"] == 2 and path in response.json()["error"]
        assert path in [e["path"] for e in response.json()["errors"]], (path, response.json())
    assert post(api, bad_index).json()["errors"][0] == {
        "path": "jobs[0].location_index",
        "message": "must be below 3",
    }


jobs_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "location_index": st.integers(1, 3),
            "service": st.integers(0, 1800),
            "skills": st.lists(st.sampled_from([1, 2]), max_size=1),
            "priority": st.integers(0, 100),
            "time_windows": st.lists(
                st.tuples(st.integers(0, 20000), st.integers(0, 20000)).map(sorted).map(list), max_size=1
            ),
        }
    ),
    min_size=1,
    max_size=6,
)


@given(jobs=jobs_strategy)
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_job_is_routed_or_unassigned_exactly_once(
    tmp_path_factory: Any, jobs: list[dict[str, Any]]
) -> None:
    body = {
        "vehicles": [
            {"id": 1, "start_index": 0, "time_window": [0, 21600], "skills": [1]},
            {"id": 2, "start_index": 0, "end_index": 3, "time_window": [3600, 21600], "max_tasks": 2},
        ],
        "jobs": [{"id": i, **job} for i, job in enumerate(jobs)],
        "matrices": {
            "car": {
                "durations": [
                    [0, 600, 900, 1200],
                    [600, 0, 300, 600],
                    [900, 300, 0, 300],
                    [1200, 600, 300, 0],
                ]
            }
        },
    }
    for api in open_api(tmp_path_factory.mktemp("vroom"), vroom_time_limit_s=0.2):
        out = post(api, body).json()
    routed = [s["id"] for r in out["routes"] for s in r["steps"] if s["type"] == "job"]
    missing = [u["id"] for u in out["unassigned"]]
    assert sorted(routed + missing) == list(range(len(jobs)))
    for route in out["routes"]:
        for step in route["steps"]:
            if step["type"] == "job":
                job = body["jobs"][step["id"]]
                start = step["arrival"] + step["waiting_time"]
                window = job["time_windows"][0] if job["time_windows"] else [0, 86400]
                assert window[0] <= start <= window[1]
                assert set(job["skills"]) <= ({1} if route["vehicle"] == 1 else set())


def test_errors_are_vroom_shaped_with_vroom_codes(api: Api) -> None:
    """VROOM clients read {"code", "error"}: 2 for the request's fault, here too for a bad key."""
    no_key = api.client.post("/v1/vroom", json=MATRIX)
    assert no_key.status_code == 401 and no_key.json()["code"] == 2 and "API key" in no_key.json()["error"]
    not_json = api.client.post("/v1/vroom", content=b"{", headers=api.headers())
    assert not_json.status_code == 422 and not_json.json()["code"] == 2
    elsewhere = api.client.post("/v1/solve", content=b"{", headers=api.headers())
    assert elsewhere.headers["content-type"] == "application/problem+json"


def test_bools_and_strings_are_not_numbers(api: Api) -> None:
    bool_lat = {**MATRIX, "matrices": None, "jobs": [{"id": 1, "location": [0.0, False]}]}
    string_service = {**MATRIX, "jobs": [{"id": 1, "location_index": 1, "service": "15"}]}
    bool_id = {**MATRIX, "jobs": [{"id": True, "location_index": 1}]}
    for body, path in (
        (bool_lat, "jobs[0].location[1]"),
        (string_service, "jobs[0].service"),
        (bool_id, "jobs[0].id"),
    ):
        response = post(api, body)
        assert response.status_code == 422, response.text
        assert path in [e["path"] for e in response.json()["errors"]]


def test_unix_timestamps_come_back_as_unix_timestamps(api: Api) -> None:
    """VROOM clients often send absolute times: offsets from the earliest, mapped back."""
    day = 1_600_416_000  # 2020-09-18 08:00 UTC, the day of VROOM's own timestamped example
    body = {
        **MATRIX,
        "vehicles": [{"id": 10, "start_index": 0, "end_index": 0, "time_window": [day, day + 7200]}],
        "jobs": [
            {"id": 100, "location_index": 1, "service": 600, "time_windows": [[day + 600, day + 3600]]},
            {"id": 101, "location_index": 2, "service": 600, "time_windows": [[day, 4_294_967_295]]},
        ],
    }
    out = post(api, body).json()
    (route,) = out["routes"]
    arrivals = [s["arrival"] for s in route["steps"]]
    assert day <= arrivals[0] and arrivals[-1] <= day + 7200
    job100 = next(s for s in route["steps"] if s.get("job") == 100)
    assert day + 600 <= job100["arrival"] + job100["waiting_time"] <= day + 3600
    too_late = {
        **body,
        "jobs": [{"id": 1, "location_index": 1, "time_windows": [[day + 90000, day + 90060]]}],
    }
    response = post(api, too_late)
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "jobs[0].time_windows"


def test_a_small_request_answers_in_well_under_a_second(api: Api) -> None:
    post(api, MATRIX)  # the engine is imported on first use
    started = time.monotonic()
    response = post(api, MATRIX)
    assert response.status_code == 200
    assert time.monotonic() - started < 1.0
    assert response.json()["summary"]["computing_times"]["solving"] < 500


def test_a_405_allows_every_method_of_the_path(api: Api) -> None:
    response = api.client.put("/v1/plans/abc", headers=api.headers())
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "DELETE"}
    assert api.client.get("/v1/vroom", headers=api.headers()).headers["allow"] == "POST"
