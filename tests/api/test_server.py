"""The real server process: a zone-sized day end to end, and a SIGKILL restart that loses nothing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.store import RESTART_REASON
from solver.analysis.check import check
from solver.model.problem import Problem, Solution
from tests.api.conftest import instance, tiny_problem
from tests.api.server import Server

pytestmark = pytest.mark.slow


def poll(client: httpx.Client, job_id: str, until: tuple[str, ...], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/plans/{job_id}").json()
        if job["status"] in until:
            return job  # type: ignore[no-any-return]
        time.sleep(0.25)
    raise AssertionError(f"{job_id} still {job['status']}")


def test_zone_day_end_to_end(tmp_path: Path) -> None:
    with Server(tmp_path / "e2e.sqlite3", CARERUN_WORKERS="1") as server:
        key = server.cli("keys", "create", "--tenant", "acme-care")
        assert key.startswith("crk_") and "acme-care" in server.cli("keys", "list")
        problem = instance("v1/zone.json", time_limit_s=5)  # the day the threshold was set on
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as client:
            created = client.post("/v1/plans", json=problem)
            assert created.status_code == 202
            job = poll(client, created.json()["id"], ("solved", "failed", "cancelled"))
        assert job["status"] == "solved", job["error"]
        solution = Solution.model_validate(job["solution"])
        assert check(Problem.model_validate(problem), solution) == []
        assert solution.kpis.visits == 330 and solution.kpis.visits_assigned >= 320


def test_sigkill_restart_accounts_for_every_job(tmp_path: Path) -> None:
    db = tmp_path / "restart.sqlite3"
    # one try per job: the job the kill interrupts fails once its lease runs out (2 s)
    env = {
        "CARERUN_WORKERS": "1",
        "CARERUN_GRACE_S": "5",
        "CARERUN_LEASE_S": "2",
        "CARERUN_MAX_ATTEMPTS": "1",
    }
    server = Server(db, **env).start()
    try:
        key = server.cli("keys", "create", "--tenant", "acme-care")
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            done = client.post("/v1/plans", json=tiny_problem()).json()["id"]
            finished = poll(client, done, ("solved",))
            long = client.post("/v1/plans", json=instance("small.json", time_limit_s=120)).json()["id"]
            waiting = client.post("/v1/plans", json=tiny_problem()).json()["id"]
            poll(client, long, ("solving",))
            assert client.get(f"/v1/plans/{waiting}").json()["status"] == "queued"
        server.kill()
    finally:
        server.stop()
    with Server(db, **env) as again, httpx.Client(base_url=again.url, headers=headers, timeout=30) as client:
        listed = {j["id"]: j for j in client.get("/v1/plans").json()["jobs"]}
        assert set(listed) == {done, long, waiting}  # every job accounted for
        assert client.get(f"/v1/plans/{done}").json()["solution"] == finished["solution"]  # result kept
        lost = poll(client, long, ("failed", "solved", "cancelled"), timeout=30)
        assert lost["status"] == "failed" and lost["error"] == RESTART_REASON and lost["attempts"] == 1
        resumed = poll(client, waiting, ("solved", "failed"))
        assert resumed["status"] == "solved"
        assert (
            check(Problem.model_validate(tiny_problem()), Solution.model_validate(resumed["solution"])) == []
        )
