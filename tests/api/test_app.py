"""Every endpoint and error path through a TestClient on the real app (real SQLite, real workers)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.store import Store
from solver.analysis.check import check
from solver.model.problem import Problem, Solution
from tests.api.conftest import Api, instance, open_api, tiny_problem

PROBLEM_JSON = "application/problem+json"


def wait_for(
    api: Api, job_id: str, timeout: float = 60, until: tuple[str, ...] = ("solved", "failed", "cancelled")
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.client.get(f"/v1/plans/{job_id}", headers=api.headers()).json()
        if job["status"] in until:
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")


def assert_problem_json(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]


def test_submit_poll_and_check_the_plan(api: Api) -> None:
    problem = tiny_problem()
    created = api.client.post("/v1/plans", json=problem, headers=api.headers())
    assert created.status_code == 202 and created.json()["status"] == "queued"
    job = wait_for(api, created.json()["id"])
    assert job["status"] == "solved" and job["error"] is None
    solution = Solution.model_validate(job["solution"])
    assert check(Problem.model_validate(problem), solution) == []
    assert solution.kpis.visits_assigned == 3
    listed = api.client.get("/v1/plans", headers=api.headers()).json()["jobs"]
    assert [j["id"] for j in listed] == [job["id"]] and "solution" not in listed[0]


def test_sync_solve_returns_a_checked_plan(api: Api) -> None:
    problem = tiny_problem()
    response = api.client.post("/v1/solve", json=problem, headers=api.headers())
    assert response.status_code == 200
    assert check(Problem.model_validate(problem), Solution.model_validate(response.json())) == []


def test_sync_solve_caps_visits_and_time(tmp_path: Path) -> None:
    for api in open_api(tmp_path, sync_max_visits=2, sync_max_time_limit_s=0.5):
        body = assert_problem_json(
            api.client.post("/v1/solve", json=tiny_problem(), headers=api.headers()), 422
        )
        assert body["errors"][0]["path"] == "visits" and "at most 2" in body["errors"][0]["message"]
        two = tiny_problem(time_limit_s=60, solution_limit=None)
        two["visits"] = two["visits"][:2]
        solved = api.client.post("/v1/solve", json=two, headers=api.headers()).json()
        assert solved["solver"]["time_limit_s"] == 0.5


def test_invalid_problem_names_the_field(api: Api) -> None:
    problem = tiny_problem()
    problem["visits"][1]["window"] = {"start": "11:00", "end": "10:00"}
    problem["visits"][2]["excluded_carers"] = ["nobody"]
    for path in ("/v1/plans", "/v1/solve"):
        body = assert_problem_json(api.client.post(path, json=problem, headers=api.headers()), 422)
        paths = [e["path"] for e in body["errors"]]
        assert "visits[1].window" in paths
        assert "visits[1].window" in body["detail"]


def test_cross_field_errors_split_into_paths(api: Api) -> None:
    problem = tiny_problem()
    problem["visits"][2]["excluded_carers"] = ["nobody"]
    problem["visits"][0]["pinned_carer"] = "ghost"
    body = assert_problem_json(api.client.post("/v1/plans", json=problem, headers=api.headers()), 422)
    assert {e["path"] for e in body["errors"]} == {"visits[2].excluded_carers[0]", "visits[0].pinned_carer"}


def test_unknown_field_and_bad_json_are_422(api: Api) -> None:
    problem = tiny_problem()
    problem["visits"][0]["exluded_carers"] = []
    body = assert_problem_json(api.client.post("/v1/solve", json=problem, headers=api.headers()), 422)
    assert body["errors"][0]["path"] == "visits[0].exluded_carers"
    for raw in (b"{", b"[]", b"null", "\u00ff".encode("latin-1")):
        assert_problem_json(api.client.post("/v1/plans", content=raw, headers=api.headers()), 422)


def test_integer_times_are_refused_in_json(api: Api) -> None:
    problem = tiny_problem()
    problem["visits"][0]["window"] = {"start": 32400, "end": 36000}
    body = assert_problem_json(api.client.post("/v1/solve", json=problem, headers=api.headers()), 422)
    assert body["errors"][0]["path"].startswith("visits[0].window")


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("visits", "duration_min", 1e300),
        ("visits", "demand", 10**30),
        ("carers", "capacity", 10**30),
        ("carers", "max_visits", 10**30),
        ("carers", "max_working_min", 1e300),
    ],
)
def test_numbers_the_engine_would_overflow_on_are_422(api: Api, where: str, field: str, value: float) -> None:
    problem = tiny_problem()
    problem[where][0][field] = value
    body = assert_problem_json(api.client.post("/v1/solve", json=problem, headers=api.headers()), 422)
    assert body["errors"][0]["path"] == f"{where}[0].{field}"
    huge = tiny_problem(solution_limit=10**30)
    body = assert_problem_json(api.client.post("/v1/plans", json=huge, headers=api.headers()), 422)
    assert body["errors"][0]["path"] == "options.solution_limit"


@pytest.mark.parametrize(
    ("index", "extra", "path"),
    [
        (0, {"promised": {"time": "09:30", "tolerance_min": 1e300}}, "visits[0].promised.tolerance_min"),
        (
            0,
            {"promised": {"time": "09:30", "late_cost_per_min": 1e300}},
            "visits[0].promised.late_cost_per_min",
        ),
        (1, {"after": [{"visit_id": "v1", "min_gap_min": 1e300}]}, "visits[1].after[0].min_gap_min"),
    ],
)
def test_soft_costs_the_engine_would_overflow_on_are_422(
    api: Api, index: int, extra: dict[str, Any], path: str
) -> None:
    problem = tiny_problem()
    problem["visits"][index].update(extra)
    body = assert_problem_json(api.client.post("/v1/solve", json=problem, headers=api.headers()), 422)
    assert body["errors"][0]["path"] == path
    problem = tiny_problem()
    problem["continuity"] = {"cost_min": 1e300}
    body = assert_problem_json(api.client.post("/v1/plans", json=problem, headers=api.headers()), 422)
    assert body["errors"][0]["path"] == "continuity.cost_min"


def test_missing_wrong_and_revoked_keys_are_401(api: Api) -> None:
    store = api.client.app.state.store  # type: ignore[attr-defined]
    key_id, key = store.create_key("acme-care")
    store.revoke_key(key_id)
    for headers in (
        {},
        {"Authorization": "Bearer crk_wrong"},
        {"Authorization": f"Basic {key}"},
        {"Authorization": f"Bearer {key}"},
    ):
        for method, path in (
            ("get", "/v1/plans"),
            ("get", "/v1/plans/x"),
            ("delete", "/v1/plans/x"),
            ("post", "/v1/plans"),
            ("post", "/v1/solve"),
            ("post", "/v1/check"),
        ):  # /v1/vroom answers in VROOM's error shape: tests/api/test_vroom.py
            response = api.client.request(method, path, json={}, headers=headers)
            assert_problem_json(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_job_is_404(api: Api) -> None:
    assert_problem_json(api.client.get("/v1/plans/nope", headers=api.headers()), 404)
    assert_problem_json(api.client.delete("/v1/plans/nope", headers=api.headers()), 404)


def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    for api in open_api(tmp_path, max_body_bytes=2000):
        big = tiny_problem()
        big["id"] = "x" * 190
        big["visits"] = big["visits"] * 10
        assert_problem_json(api.client.post("/v1/plans", json=big, headers=api.headers()), 413)

        def chunks():  # no Content-Length: the limit applies while streaming
            for _ in range(10):
                yield b" " * 500

        streamed = api.client.post("/v1/solve", content=chunks(), headers=api.headers())
        assert_problem_json(streamed, 413)
        assert api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers()).status_code == 202


def test_per_tenant_limit_and_queue_bound_are_429(tmp_path: Path) -> None:
    for api in open_api(tmp_path, workers=0, per_tenant_jobs=2, queue_size=3):
        ok = [api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers()) for _ in range(2)]
        assert [r.status_code for r in ok] == [202, 202]
        refused = api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers())
        body = assert_problem_json(refused, 429)
        assert refused.headers["retry-after"] == "5" and "limit 2" in body["detail"]
        assert (
            api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers(other=True)).status_code
            == 202
        )
        full = api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers(other=True))
        assert "queue is full" in assert_problem_json(full, 429)["detail"]


def test_delete_queued_job_cancels_it(tmp_path: Path) -> None:
    for api in open_api(tmp_path, workers=0):
        job_id = api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers()).json()["id"]
        job = api.client.delete(f"/v1/plans/{job_id}", headers=api.headers()).json()
        assert job["status"] == "cancelled" and job["solution"] is None


def test_delete_while_solving_keeps_the_best_plan(api: Api) -> None:
    problem = instance("small.json", time_limit_s=60)
    job_id = api.client.post("/v1/plans", json=problem, headers=api.headers()).json()["id"]
    wait_for(api, job_id, until=("solving",))
    time.sleep(3)
    stopped_at = time.monotonic()
    assert api.client.delete(f"/v1/plans/{job_id}", headers=api.headers()).json()["stop_requested"]
    job = wait_for(api, job_id, timeout=30)
    assert job["status"] == "cancelled"
    assert time.monotonic() - stopped_at < 20  # far before the 60 s limit
    solution = Solution.model_validate(job["solution"])
    assert check(Problem.model_validate(problem), solution) == []
    assert solution.kpis.visits_assigned > 0


def test_check_endpoint_reports_violations(api: Api) -> None:
    problem = tiny_problem()
    solution = api.client.post("/v1/solve", json=problem, headers=api.headers()).json()
    good = api.client.post(
        "/v1/check", json={"problem": problem, "solution": solution}, headers=api.headers()
    )
    assert good.json() == {"ok": True, "violations": []}
    solution["runs"][0]["stops"][0]["start"] = "06:00:00"
    bad = api.client.post("/v1/check", json={"problem": problem, "solution": solution}, headers=api.headers())
    assert bad.status_code == 200 and bad.json()["ok"] is False
    assert bad.json()["violations"] and all(v["rule"] for v in bad.json()["violations"])
    missing = api.client.post("/v1/check", json={"problem": problem}, headers=api.headers())
    assert assert_problem_json(missing, 422)["errors"][0]["path"] == "solution"


def test_schema_health_docs_and_openapi(api: Api) -> None:
    schema = api.client.get("/v1/schema").json()
    assert schema["problem"] == Problem.model_json_schema()
    assert schema["solution"] == Solution.model_json_schema()
    health = api.client.get("/health")
    assert health.status_code == 200 and health.json()["solved"] is True
    assert "no violations" in health.json()["detail"]
    assert api.client.get("/docs").status_code == 200
    doc = api.client.get("/openapi.json").json()
    body = doc["paths"]["/v1/plans"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Problem"}
    assert {"Problem", "Solution", "VroomInput", "ProblemDetails", "CheckRequest"} <= set(
        doc["components"]["schemas"]
    )


def test_a_job_whose_worker_died_is_failed_after_max_attempts(tmp_path: Path) -> None:
    """In-process version of the lease rule (the SIGKILL tests in test_server do it for real)."""
    for api in open_api(tmp_path, workers=0, max_attempts=1):
        job_id = api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers()).json()["id"]
        # a lease already run out: the next app reaps it at its first housekeeping, which may come
        # within milliseconds of this claim (a lease of 0.01 s could still hold then, and the
        # housekeeping after that is a third of a lease later, past the wait below)
        api.client.app.state.store.claim_next("a-dead-worker", lease_s=-1.0)  # type: ignore[attr-defined]
        key = api.key
    app = create_app(api.client.app.state.settings)  # type: ignore[attr-defined]
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job = client.get(f"/v1/plans/{job_id}", headers={"Authorization": f"Bearer {key}"}).json()
            if job["status"] != "solving":
                break
            time.sleep(0.1)
    assert job["status"] == "failed" and "lease expired" in job["error"] and job["attempts"] == 1


def test_clean_shutdown_requeues_the_job_it_interrupts(tmp_path: Path) -> None:
    for api in open_api(tmp_path):
        problem = instance("small.json", time_limit_s=6)
        job_id = api.client.post("/v1/plans", json=problem, headers=api.headers()).json()["id"]
        wait_for(api, job_id, until=("solving",))
        key, settings = api.key, api.client.app.state.settings  # type: ignore[attr-defined]
    from fastapi.testclient import TestClient

    store = Store(settings.database_url)
    assert store.get(job_id).status == "queued"  # type: ignore[union-attr]
    store.close()
    with TestClient(create_app(settings)) as client:
        api = Api.__new__(Api)
        api.client, api.key = client, key
        job = wait_for(api, job_id)
    assert job["status"] == "solved"
    assert check(Problem.model_validate(problem), Solution.model_validate(job["solution"])) == []


def test_problem_json_dump_round_trips(api: Api) -> None:
    """What the store keeps for a job parses back to the same problem."""
    problem = tiny_problem()
    job_id = api.client.post("/v1/plans", json=problem, headers=api.headers()).json()["id"]
    stored = api.client.app.state.store.get(job_id)  # type: ignore[attr-defined]
    assert Problem.model_validate_json(stored.problem) == Problem.model_validate(
        json.loads(json.dumps(problem))
    )


@pytest.mark.parametrize("path", ["/v1/solve", "/v1/plans", "/v1/check", "/v1/replan"])
def test_a_date_without_a_national_living_wage_is_a_422_naming_it(api: Api, path: str) -> None:
    """Found by fuzzing: a day before the first National Living Wage (2016-04-01) with no wage in
    ``pay`` failed inside the solver, a 503 on ``/v1/solve`` and a failed job on ``/v1/plans``."""
    problem = tiny_problem() | {"date": "2000-01-01"}
    plan = api.client.post("/v1/solve", json=tiny_problem(), headers=api.headers()).json()
    body: dict[str, Any] = problem
    if path == "/v1/check":
        body = {"problem": problem, "solution": plan}
    elif path == "/v1/replan":
        body = {"problem": problem, "published": plan, "events": {"events": []}, "now": "09:00"}
    answer = assert_problem_json(api.client.post(path, json=body, headers=api.headers()), 422)
    prefix = "" if path in ("/v1/solve", "/v1/plans") else "problem."
    assert [e["path"] for e in answer["errors"]] == [f"{prefix}date"]
    assert "set it in pay" in answer["errors"][0]["message"]
    dated = tiny_problem() | {"date": "2000-01-01", "pay": {"national_living_wage": 3.6}}
    assert api.client.post("/v1/solve", json=dated, headers=api.headers()).status_code == 200
