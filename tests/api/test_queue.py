"""The queue and retention through the live app: malformed ids, paging, erasure, the retention
purge, migrations racing at start-up, two workers sharing one database, and /v1/check and
/v1/evaluate bounded in worker processes. On SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from api.migrate import current, head
from api.runner import Dispatcher
from api.store import Store, jobs
from tests.api.conftest import ROOT, Api, make_settings, open_api, tiny_problem
from tests.api.test_app import wait_for


@pytest.fixture
def queue_api(tmp_path: Path, database_url: str) -> Any:
    """An app on SQLite or PostgreSQL whose own worker solves nothing (jobs stay queued)."""
    yield from open_api(tmp_path, database_url=database_url, workers=0, per_tenant_jobs=50)


@pytest.mark.parametrize("method", ["get", "delete"])
@pytest.mark.parametrize("job_id", ["abc%00", "abc%00def", "%00" * 40, "ABCDEF"])
def test_a_malformed_job_id_is_a_404_never_a_500(queue_api: Api, method: str, job_id: str) -> None:
    for path in (f"/v1/plans/{job_id}", f"/v1/plans/{job_id}/versions", f"/v1/plans/{job_id}/problem"):
        if method == "delete" and path != f"/v1/plans/{job_id}":
            continue
        answer = queue_api.client.request(method, path, headers=queue_api.headers())
        assert answer.status_code == 404, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        if path == f"/v1/plans/{job_id}":
            assert "32 lowercase hex digits" in answer.json()["detail"]


def test_pages_cover_every_job_once_newest_first(queue_api: Api) -> None:
    ids = [
        queue_api.client.post("/v1/plans", json=tiny_problem(), headers=queue_api.headers()).json()["id"]
        for _ in range(5)
    ]
    seen: list[str] = []
    query: dict[str, Any] = {"limit": 2}
    while True:
        page = queue_api.client.get("/v1/plans", params=query, headers=queue_api.headers()).json()
        seen += [j["id"] for j in page["jobs"]]
        if page["next_cursor"] is None:
            break
        query = {"limit": 2, "cursor": page["next_cursor"]}
    assert seen == ids[::-1]
    assert queue_api.client.get("/v1/plans", headers=queue_api.headers(other=True)).json()["jobs"] == []


@pytest.mark.parametrize(
    "params",
    [{"cursor": "nope"}, {"cursor": "W10"}, {"limit": 0}, {"limit": 501}, {"limt": 5}, {"H": "false"}],
)
def test_a_bad_page_request_is_a_422_naming_the_field(queue_api: Api, params: dict[str, Any]) -> None:
    answer = queue_api.client.get("/v1/plans", params=params, headers=queue_api.headers())
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert [e["path"] for e in answer.json()["errors"]] == list(params)


def test_delete_stops_an_active_job_then_erases_it_with_its_versions(queue_api: Api) -> None:
    job_id = queue_api.client.post("/v1/plans", json=tiny_problem(), headers=queue_api.headers()).json()["id"]
    stopped = queue_api.client.delete(f"/v1/plans/{job_id}", headers=queue_api.headers())
    assert stopped.status_code == 200 and stopped.json()["status"] == "cancelled"
    store: Store = queue_api.client.app.state.store  # type: ignore[attr-defined]
    store.add_version(job_id, "acme-care", "kept", "{}", "{}", 0)
    assert (
        queue_api.client.delete(f"/v1/plans/{job_id}", headers=queue_api.headers(other=True)).status_code
        == 404
    )
    erased = queue_api.client.delete(f"/v1/plans/{job_id}", headers=queue_api.headers())
    assert erased.status_code == 204 and erased.content == b""
    assert store.get(job_id) is None and store.list_versions(job_id, "acme-care") is None
    assert queue_api.client.delete(f"/v1/plans/{job_id}", headers=queue_api.headers()).status_code == 404


def test_the_worker_erases_ended_jobs_past_the_retention_time(tmp_path: Path, database_url: str) -> None:
    store = Store(database_url)
    old, recent = (store.submit("acme", "{}", 1, 1.0, per_tenant=5, queue=5) for _ in range(2))
    for job_id in (old, recent):
        store.finish(job_id, "solved", solution="{}")
    with store.engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == old).values(updated_at=time.time() - 3 * 86400))
    settings = make_settings(tmp_path, database_url=database_url, workers=0, retention_days=2)
    dispatcher = Dispatcher(store, settings)
    dispatcher.start()
    try:
        deadline = time.monotonic() + 10
        while store.get(old) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        dispatcher.close()
    assert store.get(old) is None and store.get(recent) is not None
    store.close()


def test_processes_starting_together_migrate_the_database_once(database_url: str) -> None:
    code = "import sys; from api.store import Store; Store(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, database_url], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    store = Store(database_url)
    assert current(store.engine) == head()
    store.close()


def test_two_workers_on_one_database_end_every_job_once(tmp_path: Path, database_url: str) -> None:
    """Two dispatchers (as two processes would have) share the queue: each job is claimed by one,
    ends solved once, and neither overwrites the other."""
    stores = [Store(database_url) for _ in range(2)]
    ids = [stores[0].submit("acme", tiny_problem_json(), 3, 1.0, per_tenant=20, queue=20) for _ in range(6)]
    settings = make_settings(tmp_path, database_url=database_url, workers=2, lease_s=5)
    dispatchers = [Dispatcher(s, settings) for s in stores]
    for d in dispatchers:
        d.start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if all(stores[0].get(i).status == "solved" for i in ids):  # type: ignore[union-attr]
                break
            time.sleep(0.2)
    finally:
        for d in dispatchers:
            d.close()
    ended = [stores[0].get(i) for i in ids]
    assert all(j is not None and j.status == "solved" and j.attempts == 1 for j in ended), ended
    assert {j.owner for j in ended if j is not None} <= {d.owner for d in dispatchers}
    for s in stores:
        s.close()


def tiny_problem_json() -> str:
    from solver.model.problem import Problem

    return Problem.model_validate(tiny_problem()).model_dump_json()


def test_check_and_evaluate_are_killed_at_their_timeout(tmp_path: Path) -> None:
    """A timeout too short for any worker process to answer: 503 saying so, and the API lives on."""
    problem = tiny_problem()
    for api in open_api(tmp_path, check_timeout_s=0.001):
        job_id = api.client.post("/v1/plans", json=problem, headers=api.headers()).json()["id"]
        solution = wait_for(api, job_id)["solution"]
        checked = api.client.post(
            "/v1/check", json={"problem": problem, "solution": solution}, headers=api.headers()
        )
        assert checked.status_code == 503 and checked.json()["title"] == "Check timed out"
        plan = {"runs": [{"carer_id": "c1", "visit_ids": ["v1"]}]}
        evaluated = api.client.post(
            "/v1/evaluate", json={"problem": problem, "plan": plan}, headers=api.headers()
        )
        assert evaluated.status_code == 503 and evaluated.json()["title"] == "Evaluate timed out"
        assert api.client.get(f"/v1/plans/{job_id}", headers=api.headers()).status_code == 200


def test_check_and_evaluate_wait_for_a_free_slot_or_get_429(tmp_path: Path) -> None:
    problem = tiny_problem()
    for api in open_api(tmp_path, sync_concurrency=1):
        slots: threading.BoundedSemaphore = api.client.app.state.sync_slots  # type: ignore[attr-defined]
        assert slots.acquire(blocking=False)  # a synchronous solve holds the only slot
        try:
            plan = {"runs": [{"carer_id": "c1", "visit_ids": ["v1"]}]}
            busy = api.client.post(
                "/v1/evaluate", json={"problem": problem, "plan": plan}, headers=api.headers()
            )
            assert busy.status_code == 429 and "Retry-After" in busy.headers
        finally:
            slots.release()
        done = api.client.post("/v1/evaluate", json={"problem": problem, "plan": plan}, headers=api.headers())
        assert done.status_code == 200 and done.json()["solution"]["kpis"]["visits_assigned"] == 1


def test_settings_of_the_queue_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.settings import Settings

    monkeypatch.setenv("CARERUN_IN_PROCESS_WORKER", "false")
    monkeypatch.setenv("CARERUN_LEASE_S", "7.5")
    monkeypatch.setenv("CARERUN_RETENTION_DAYS", "0")
    settings = Settings.from_env()
    assert (settings.in_process_worker, settings.lease_s, settings.retention_days) == (False, 7.5, 0.0)
    assert dataclasses.replace(settings, workers=3).workers == 3
    monkeypatch.setenv("CARERUN_LEASE_S", "0")
    with pytest.raises(ValueError, match="CARERUN_LEASE_S"):
        Settings.from_env()
    monkeypatch.setenv("CARERUN_LEASE_S", "5")
    monkeypatch.setenv("CARERUN_IN_PROCESS_WORKER", "maybe")
    with pytest.raises(ValueError, match="CARERUN_IN_PROCESS_WORKER"):
        Settings.from_env()


def test_an_api_that_only_queues_leaves_jobs_for_workers(tmp_path: Path) -> None:
    for api in open_api(tmp_path, in_process_worker=False):
        job_id = api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers()).json()["id"]
        time.sleep(1.0)
        assert api.client.get(f"/v1/plans/{job_id}", headers=api.headers()).json()["status"] == "queued"
