"""Versions of a job's plan kept on the server: the routes through a TestClient, and the store on
SQLite and (when CARERUN_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from api.store import FIRST_KEPT_VERSION, Store
from tests.api.conftest import Api, tiny_problem
from tests.api.test_app import assert_problem_json, wait_for


@pytest.fixture
def job(api: Api) -> dict[str, Any]:
    """A solved job of the tiny day, with the problem it was queued with."""
    problem = tiny_problem()
    created = api.client.post("/v1/plans", json=problem, headers=api.headers()).json()
    solved = wait_for(api, created["id"])
    assert solved["status"] == "solved"
    return {"id": created["id"], "problem": problem, "solution": solved["solution"]}


def late_copy(job: dict[str, Any]) -> dict[str, Any]:
    """The job's plan with one stop started before its window: a plan that breaks a rule."""
    solution = copy.deepcopy(job["solution"])
    solution["runs"][0]["stops"][0]["start"] = "06:00:00"
    return solution


def keep(api: Api, job: dict[str, Any], label: str, solution: Any, other: bool = False) -> Any:
    body = {"label": label, "problem": job["problem"], "solution": solution}
    return api.client.post(f"/v1/plans/{job['id']}/versions", json=body, headers=api.headers(other))


def test_kept_versions_are_numbered_after_the_jobs_own_plan(api: Api, job: dict[str, Any]) -> None:
    first = keep(api, job, "moved v2 to c2", job["solution"])
    assert first.status_code == 201, first.text
    assert first.json()["number"] == 2 and first.json()["violations"] == 0
    assert first.json()["label"] == "moved v2 to c2" and first.json()["created_at"]
    second = keep(api, job, "started v1 early", late_copy(job))
    assert second.json()["number"] == 3 and second.json()["violations"] > 0

    listed = api.client.get(f"/v1/plans/{job['id']}/versions", headers=api.headers())
    assert listed.status_code == 200
    versions = listed.json()["versions"]
    assert [(v["number"], v["label"]) for v in versions] == [
        (1, "optimised"),
        (2, "moved v2 to c2"),
        (3, "started v1 early"),
    ]
    assert versions[0]["violations"] == 0 and "solution" not in versions[1]

    own = api.client.get(f"/v1/plans/{job['id']}/versions/1", headers=api.headers()).json()
    assert own["solution"]["problem_id"] == "tiny" and own["problem"]["id"] == "tiny"
    third = api.client.get(f"/v1/plans/{job['id']}/versions/3", headers=api.headers()).json()
    assert third["number"] == 3 and third["violations"] == second.json()["violations"]
    assert third["solution"]["runs"][0]["stops"][0]["start"] == "06:00:00"
    assert [v["id"] for v in third["problem"]["visits"]] == ["v1", "v2", "v3"]


def test_another_tenants_job_and_unknown_numbers_are_404(api: Api, job: dict[str, Any]) -> None:
    keep(api, job, "mine", job["solution"])
    base = f"/v1/plans/{job['id']}/versions"
    assert_problem_json(keep(api, job, "theirs", job["solution"], other=True), 404)
    assert_problem_json(api.client.get(base, headers=api.headers(other=True)), 404)
    assert_problem_json(api.client.get(f"{base}/2", headers=api.headers(other=True)), 404)
    assert_problem_json(api.client.get(f"{base}/9", headers=api.headers()), 404)
    assert_problem_json(api.client.get("/v1/plans/nope/versions", headers=api.headers()), 404)
    assert_problem_json(api.client.get("/v1/plans/nope/versions/1", headers=api.headers()), 404)
    assert [v["number"] for v in api.client.get(base, headers=api.headers()).json()["versions"]] == [1, 2]
    body = assert_problem_json(api.client.get(f"{base}/zero", headers=api.headers()), 422)
    assert body["errors"][0]["path"] == "number"
    assert_problem_json(api.client.get(f"{base}/0", headers=api.headers()), 422)
    assert_problem_json(api.client.get("/v1/plans/x/versions", headers={}), 401)


def test_invalid_versions_name_the_field(api: Api, job: dict[str, Any]) -> None:
    other_day = copy.deepcopy(job["solution"])
    other_day["problem_id"] = "another-day"
    body = assert_problem_json(keep(api, job, "wrong day", other_day), 422)
    assert [e["path"] for e in body["errors"]] == ["solution.problem_id"]

    problem = copy.deepcopy(job["problem"])
    problem["visits"][1]["window"]["start"] = 36000  # a time of day must be a string in JSON
    url = f"/v1/plans/{job['id']}/versions"
    sent = {"label": "x", "problem": problem, "solution": job["solution"]}
    body = assert_problem_json(api.client.post(url, json=sent, headers=api.headers()), 422)
    assert body["errors"][0]["path"].startswith("problem.visits[1].window")

    body = assert_problem_json(keep(api, job, "", job["solution"]), 422)
    assert body["errors"][0]["path"] == "label"
    missing = api.client.post(url, json={"label": "x", "problem": job["problem"]}, headers=api.headers())
    assert assert_problem_json(missing, 422)["errors"][0]["path"] == "solution"
    listed = api.client.get(url, headers=api.headers()).json()["versions"]
    assert [v["number"] for v in listed] == [1]


def test_a_job_without_a_plan_has_no_version_one(api: Api) -> None:
    store: Store = api.client.app.state.store  # type: ignore[attr-defined]
    job_id = store.submit("acme-care", '{"id": "p"}', 3, 1.0, per_tenant=10, queue=10)
    store.finish(job_id, "failed", error="no plan")
    listed = api.client.get(f"/v1/plans/{job_id}/versions", headers=api.headers())
    assert listed.status_code == 200 and listed.json() == {"versions": []}
    assert_problem_json(api.client.get(f"/v1/plans/{job_id}/versions/1", headers=api.headers()), 404)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store(database_url)
    yield s
    s.close()


def submit(store: Store, tenant: str) -> str:
    return store.submit(tenant, '{"id": "p"}', visits=3, time_limit_s=1.0, per_tenant=10, queue=100)


def test_store_numbers_versions_per_job_and_tenant(store: Store) -> None:
    mine, theirs = submit(store, "acme"), submit(store, "other")
    assert store.add_version(mine, "other", "x", "{}", "{}", 0) is None
    kept = [store.add_version(job, tenant, "v", "{}", "{}", 0) for job, tenant in [(mine, "acme")] * 2]
    assert [k.number for k in kept if k] == [FIRST_KEPT_VERSION, FIRST_KEPT_VERSION + 1]
    assert store.add_version(theirs, "other", "t", "{}", "{}", 1).number == FIRST_KEPT_VERSION  # type: ignore[union-attr]
    assert store.list_versions(mine, "other") is None
    assert store.get_version(mine, "other", FIRST_KEPT_VERSION) is None
    found = store.get_version(mine, "acme", FIRST_KEPT_VERSION + 1)
    assert found is not None and (found.label, found.problem, found.solution) == ("v", "{}", "{}")


def test_concurrent_keeps_get_distinct_numbers(store: Store) -> None:
    job_id = submit(store, "acme")
    numbers: list[int] = []
    lock = threading.Lock()

    def writer() -> None:
        for _ in range(3):
            kept = store.add_version(job_id, "acme", "v", "{}", "{}", 0)
            assert kept is not None
            with lock:
                numbers.append(kept.number)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(FIRST_KEPT_VERSION, FIRST_KEPT_VERSION + 12))


def test_deleting_a_job_deletes_its_versions(store: Store) -> None:
    job_id, kept_too = submit(store, "acme"), submit(store, "acme")
    store.add_version(job_id, "acme", "v", "{}", "{}", 0)
    store.add_version(kept_too, "acme", "w", "{}", "{}", 0)
    assert not store.delete_job(job_id, "other")
    assert store.delete_job(job_id, "acme")
    assert store.get(job_id) is None and store.list_versions(job_id, "acme") is None
    assert not store.delete_job(job_id, "acme")
    # a job made again under the same id would start with no versions left over
    from api.store import plan_versions

    with store.engine.connect() as conn:
        left = conn.execute(plan_versions.select()).all()
    assert [r.job_id for r in left] == [kept_too]
