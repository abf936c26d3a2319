"""Real processes on PostgreSQL: an API that only queues and two ``carerun worker`` processes, one
of them SIGKILLed mid-job; and a server SIGKILLed mid-solve, whose solver must not outlive it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.store import Store, jobs
from solver.analysis.check import check
from solver.model.problem import Problem, Solution
from tests.api.conftest import instance
from tests.api.server import Server, Worker, session_pids
from tests.api.test_server import poll

pytestmark = pytest.mark.slow

JOBS = 6


def test_every_job_ends_exactly_once_when_a_worker_is_killed(tmp_path: Path, empty_postgres: str) -> None:
    env = {
        "CARERUN_DATABASE_URL": empty_postgres,
        "CARERUN_IN_PROCESS_WORKER": "false",
        "CARERUN_TENANT_JOBS": "50",
        "CARERUN_LEASE_S": "2",
        "CARERUN_MAX_ATTEMPTS": "3",
    }
    problem = instance("small.json", time_limit_s=3)
    with Server(tmp_path / "unused.sqlite3", **env) as server:
        workers = [Worker(tmp_path / f"worker{i}.log", server.env).start() for i in range(2)]
        try:
            key = server.cli("keys", "create", "--tenant", "acme-care")
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                ids = [client.post("/v1/plans", json=problem).json()["id"] for _ in range(JOBS)]
                victim, job_id = solving_in(workers[0], empty_postgres)
                victim_pids = session_pids(victim.proc.pid)  # type: ignore[union-attr]
                assert len(victim_pids) >= 3  # the worker, its fork server and a solver
                victim.kill()
                ended = [poll(client, i, ("solved", "failed", "cancelled"), timeout=180) for i in ids]
            deadline = time.monotonic() + 10
            while session_pids(victim.proc.pid) and time.monotonic() < deadline:  # type: ignore[union-attr]
                time.sleep(0.2)
            assert session_pids(victim.proc.pid) == set()  # type: ignore[union-attr]
        finally:
            for w in workers:
                w.stop()
    assert [j["status"] for j in ended] == ["solved"] * JOBS, [j["error"] for j in ended]
    for job in ended:
        assert check(Problem.model_validate(problem), Solution.model_validate(job["solution"])) == []
    by_id = {j["id"]: j for j in ended}
    assert by_id[job_id]["attempts"] == 2  # taken again after the kill, and ended once
    store = Store(empty_postgres)
    with store.engine.connect() as conn:
        owners = dict(conn.execute(select(jobs.c.id, jobs.c.owner)).all())
    store.close()
    assert owners[job_id].split(":")[1] == str(workers[1].proc.pid)  # type: ignore[union-attr]


def solving_in(worker: Worker, url: str) -> tuple[Worker, str]:
    """Wait until ``worker`` holds a job that is solving; the worker and the job's id."""
    store = Store(url)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            with store.engine.connect() as conn:
                rows = conn.execute(select(jobs.c.id, jobs.c.owner).where(jobs.c.status == "solving")).all()
            for job_id, owner in rows:
                if owner and owner.split(":")[1] == str(worker.proc.pid):  # type: ignore[union-attr]
                    time.sleep(0.5)  # well into the solve
                    return worker, str(job_id)
            time.sleep(0.1)
    finally:
        store.close()
    raise AssertionError("the worker took no job in 60 s")


def test_a_solver_dies_with_its_killed_server(tmp_path: Path) -> None:
    """SIGKILL the server alone (not its process group): the solver it started dies too."""
    server = Server(tmp_path / "orphans.sqlite3", CARERUN_WORKERS="1").start()
    try:
        key = server.cli("keys", "create", "--tenant", "acme-care")
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            job_id = c.post("/v1/plans", json=instance("small.json", time_limit_s=60)).json()["id"]
            poll(c, job_id, ("solving",))
        assert server.proc is not None
        deadline = time.monotonic() + 20
        while len(session_pids(server.proc.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        before = session_pids(server.proc.pid) - {server.proc.pid}
        assert len(before) >= 2  # the fork server and the solver
        os.kill(server.proc.pid, 9)
        server.proc.wait(10)
        deadline = time.monotonic() + 10
        while session_pids(server.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_pids(server.proc.pid) == set()
    finally:
        server.stop()
