"""Solving outside the server: hard kill at limit plus grace, stop keeps the best plan, and the
Dask path on a real local cluster."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.runner import Dispatcher, run_dask, run_local
from api.settings import Settings
from api.store import Store
from solver.analysis.check import check
from solver.model.problem import Problem, Solution
from tests.api.conftest import instance, tiny_problem


def test_a_solve_over_its_limit_plus_grace_is_killed() -> None:
    """large.json cannot even be compiled in 0.05 s, so with no grace the process is killed."""
    problem = Problem.model_validate(instance("large.json", 60))
    started = time.monotonic()
    outcome = run_local(problem.model_dump_json(), 0.05, 0.0)
    assert outcome.kind == "failed" and "killed" in (outcome.error or "")
    assert time.monotonic() - started < 5


def test_a_stop_request_returns_the_best_plan_so_far() -> None:
    problem = Problem.model_validate(instance("small.json", 60))
    started = time.monotonic()
    outcome = run_local(problem.model_dump_json(), 60, 10, should_stop=lambda: time.monotonic() - started > 2)
    assert outcome.kind == "stopped" and outcome.solution is not None
    assert time.monotonic() - started < 15
    assert check(problem, Solution.model_validate_json(outcome.solution)) == []


def test_engine_errors_come_back_as_failed() -> None:
    outcome = run_local('{"id": "broken"}', 1, 5)
    assert outcome.kind == "failed" and "ValidationError" in (outcome.error or "")


@pytest.fixture(scope="module")
def dask_client() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.slow
def test_dask_cluster_solves_and_stops(dask_client: object) -> None:
    problem = Problem.model_validate(tiny_problem())
    solved = run_dask(dask_client, "a", problem.model_dump_json(), 1.0, 30, lambda: False)
    assert solved.kind == "solved" and solved.solution is not None, solved.error
    assert check(problem, Solution.model_validate_json(solved.solution)) == []
    small = Problem.model_validate(instance("small.json", 60))
    started = time.monotonic()
    stopped = run_dask(
        dask_client, "b", small.model_dump_json(), 60, 30, lambda: time.monotonic() - started > 3
    )
    assert stopped.kind == "stopped" and stopped.solution is not None
    assert time.monotonic() - started < 20
    assert check(small, Solution.model_validate_json(stopped.solution)) == []


@pytest.mark.slow
def test_dispatcher_sends_jobs_to_the_dask_scheduler(dask_client: object, tmp_path: Path) -> None:
    address = dask_client.scheduler.address  # type: ignore[attr-defined]
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'd.sqlite3'}", dask_scheduler=address, workers=2)
    store = Store(settings.database_url)
    dispatcher = Dispatcher(store, settings)
    dispatcher.start()
    try:
        ids = [store.submit("acme", json.dumps(tiny_problem()), 3, 1.0, 10, 10) for _ in range(3)]
        dispatcher.wake()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and store.counts().get("solved", 0) < 3:
            time.sleep(0.2)
        assert store.counts() == {"solved": 3}
        problem = Problem.model_validate(tiny_problem())
        for job_id in ids:
            job = store.get(job_id)
            assert job is not None and job.solution is not None
            assert check(problem, Solution.model_validate_json(job.solution)) == []
    finally:
        dispatcher.close()
        store.close()


def test_dispatcher_runs_no_more_than_its_workers(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.sqlite3'}", workers=1)
    store = Store(settings.database_url)
    dispatcher = Dispatcher(store, settings)
    dispatcher.start()
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(store.counts().get("solving", 0))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(3):
            store.submit("acme", json.dumps(tiny_problem()), 3, 0.5, 10, 10)
        dispatcher.wake()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and store.counts().get("solved", 0) < 3:
            time.sleep(0.1)
        assert store.counts() == {"solved": 3}
        assert max(seen) == 1
    finally:
        stop.set()
        watcher.join()
        dispatcher.close()
        store.close()
