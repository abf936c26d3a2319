"""Stopping a study (solver/simulate/execution.py): SIGINT or SIGTERM to a real ``carerun
simulate`` process while its pool is busy. It exits within 2 s with 130 or 143, its workers are
gone, the tasks that had finished are in the cache, and the queued ones never ran."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from solver.simulate.execution import Cache

ROOT = Path(__file__).resolve().parents[3]


def _start(out: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "solver.cli", "simulate", "--designs", "hubs18", "--providers", "1",
               "--scale", "0.05", "--solution-limit", "30", "--out", str(out), *extra]  # fmt: skip
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_a_finished_task(process: subprocess.Popen[bytes], cache: Path) -> None:
    deadline = time.monotonic() + 240
    while not (cache.is_dir() and any(cache.glob("*.json"))):
        assert process.poll() is None, "the study ended before any task finished"
        assert time.monotonic() < deadline, "no task finished in 240 s"
        time.sleep(0.05)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_pool_and_keeps_finished_tasks(tmp_path: Path, signum: int, code: int) -> None:
    out = tmp_path / "study"
    process = _start(out, "--workers", "1")
    _wait_for_a_finished_task(process, out / "cache")
    workers = psutil.Process(process.pid).children(recursive=True)
    assert workers, "the local pool has worker processes"
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    took = time.monotonic() - sent
    assert process.returncode == code, stderr.decode()
    assert took < 2.0, f"took {took:.2f} s to stop"
    assert "finished tasks are kept" in stderr.decode() and "Traceback" not in stderr.decode()
    _, alive = psutil.wait_procs(workers, timeout=2)
    assert alive == [], "worker processes outlived the study"
    cache = Cache(out)
    kept = cache.finished()
    tasks = json.loads((out / "study.json").read_text())["tasks"]
    assert 1 <= len(kept) < len(tasks)
    assert all(cache.get(key) is not None and cache.summary(key) is not None for key in kept)  # whole
    assert not list((out / "cache").glob("*.tmp"))


@pytest.mark.slow
def test_a_signal_cancels_the_queued_tasks_on_dask(tmp_path: Path) -> None:
    """The same through ``--scheduler``: the study exits 130 within 2 s with its finished tasks
    cached, and the cluster is left with none of its tasks queued."""
    from distributed import Client, LocalCluster

    out = tmp_path / "study"
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        process = _start(out, "--scheduler", cluster.scheduler_address)
        _wait_for_a_finished_task(process, out / "cache")
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - sent
        assert process.returncode == 130, stderr.decode()
        assert took < 2.0, f"took {took:.2f} s to stop"
        with Client(cluster.scheduler_address) as client:
            deadline = time.monotonic() + 10
            while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)):
                assert time.monotonic() < deadline, "the study's tasks stayed on the cluster"
                time.sleep(0.2)
    kept = Cache(out).finished()
    assert 1 <= len(kept) < len(json.loads((out / "study.json").read_text())["tasks"])
