"""Figures of the HTTP API, measured against a real ``carerun serve`` process on loopback.

    python -m benchmarks.api [--calls 20] [--clients 20] [--jobs 40]
                             [--parts sync,load,queue] [--queue-jobs 50] [--queue-workers 1,2]
                             [--postgres URL]

1. Synchronous latency: ``POST /v1/solve`` of a generated 50-visit day at a 2 s limit, called
   one after another; p50 and p95 of the wall time seen by the client, every plan checked.
2. Load: ``--jobs`` submissions to ``POST /v1/plans`` from ``--clients`` concurrent clients
   (four tenants, a limit of 5 live jobs per tenant): each answer must be 202 or 429, each
   accepted job must end ``solved`` with a plan that passes the checker, and nothing may be 5xx.

3. The shared queue on PostgreSQL: an API that only queues (CARERUN_IN_PROCESS_WORKER=false) and
   1, then 2, ``carerun worker`` processes of one slot each; ``--queue-jobs`` 50-visit days at a
   2 s limit. Throughput (jobs per minute, first submission to last end), and the p50/p95 of
   ``GET /v1/plans/{id}`` from four polling clients meanwhile. In the 2-worker run one worker is
   SIGKILLed after a fifth of the jobs have ended and a new one started: every job must still
   end solved exactly once (``ended_once`` of ``jobs``). The database is ``--postgres`` (default
   CARERUN_BENCH_POSTGRES_URL), emptied first.

Writes ``benchmarks/results/api.json`` with machine, versions, command and load averages; parts
not run keep their figures from the file. Run it under ``flock /tmp/carerun-bench.lock``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from benchmarks.env import machine
from solver.analysis.check import check
from solver.generate.day import generate_day
from solver.model.problem import Solution
from solver.provenance import versions
from tests.api.pg import empty
from tests.api.server import Server, Worker

RESULTS = Path(__file__).resolve().parent / "results"
TENANTS = 4
PER_TENANT = 5
QUEUE_LEASE_S = 5
POLLERS = 4
ENDED = ("solved", "failed", "cancelled")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sync_latency(server: Server, key: str, calls: int) -> dict[str, Any]:
    problem = generate_day(zone="Warminster", visits=50, seed=0)
    body = json.loads(problem.model_dump_json(exclude_none=True))
    body["options"] = {"time_limit_s": 2, "seed": 0}
    walls, engine, broken = [], [], 0
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        for _ in range(calls):
            started = time.monotonic()
            response = client.post("/v1/solve", json=body)
            walls.append(time.monotonic() - started)
            response.raise_for_status()
            solution = Solution.model_validate(response.json())
            engine.append(solution.solver.wall_s)
            broken += bool(check(problem, solution))
    return {
        "problem": "generate_day(zone='Warminster', visits=50, seed=0), time_limit_s=2",
        "calls": calls,
        "p50_s": round(statistics.median(walls), 3),
        "p95_s": round(_percentile(walls, 0.95), 3),
        "max_s": round(max(walls), 3),
        "engine_wall_p50_s": round(statistics.median(engine), 3),
        "plans_breaking_a_rule": broken,
    }


def load(server: Server, keys: list[str], clients: int, jobs: int) -> dict[str, Any]:
    problem = generate_day(zone="Warminster", visits=30, seed=1)
    body = json.loads(problem.model_dump_json(exclude_none=True))
    body["options"] = {"time_limit_s": 1, "seed": 0}

    def submit(i: int) -> tuple[int, str, int, str | None]:
        key = keys[i % len(keys)]
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
            r = c.post("/v1/plans", json=body)
            return i, key, r.status_code, r.json().get("id") if r.status_code == 202 else None

    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(submit, range(jobs)))
    statuses: dict[str, int] = {}
    for _, _, status, _ in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    accepted = [(key, job_id) for _, key, status, job_id in answers if status == 202 and job_id]
    final: dict[str, int] = {}
    broken = 0
    deadline = time.monotonic() + 600
    for key, job_id in accepted:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
            while True:
                job = c.get(f"/v1/plans/{job_id}").json()
                if job["status"] not in ("queued", "solving") or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        final[job["status"]] = final.get(job["status"], 0) + 1
        if job["solution"]:
            broken += bool(check(problem, Solution.model_validate(job["solution"])))
    return {
        "problem": "generate_day(zone='Warminster', visits=30, seed=1), time_limit_s=1",
        "clients": clients,
        "submissions": jobs,
        "tenants": len(keys),
        "per_tenant_limit": PER_TENANT,
        "answers_by_status": statuses,
        "accepted_jobs_final_status": final,
        "lost": len(accepted) - sum(final.values()),
        "server_errors_5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
        "plans_breaking_a_rule": broken,
    }


def _poll_latency(server: Server, key: str, ids: list[str], stop: threading.Event, out: list[float]) -> None:
    """One client reading random jobs of the run as fast as it is answered, until ``stop``."""
    rng = random.Random(len(out))
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        while not stop.is_set():
            started = time.monotonic()
            c.get(f"/v1/plans/{rng.choice(ids)}").raise_for_status()
            out.append(time.monotonic() - started)


def queue_run(url: str, workers: int, jobs: int, kill_one: bool, tmp: Path) -> dict[str, Any]:
    """``jobs`` 50-visit days through an enqueue-only API and ``workers`` worker processes."""
    empty(url)
    problem = generate_day(zone="Warminster", visits=50, seed=2)
    body = json.loads(problem.model_dump_json(exclude_none=True))
    body["options"] = {"time_limit_s": 2, "seed": 0}
    env = {
        "CARERUN_DATABASE_URL": url,
        "CARERUN_IN_PROCESS_WORKER": "false",
        "CARERUN_TENANT_JOBS": str(jobs),
        "CARERUN_QUEUE_SIZE": str(jobs),
        "CARERUN_LEASE_S": str(QUEUE_LEASE_S),
        "CARERUN_MAX_ATTEMPTS": "3",
        "CARERUN_RETENTION_DAYS": "0",
    }
    with Server(tmp / f"queue{workers}.sqlite3", **env) as server:
        key = server.cli("keys", "create", "--tenant", "bench")
        pool = [Worker(tmp / f"w{workers}-{i}.log", server.env).start() for i in range(workers)]
        latencies: list[float] = []
        stop = threading.Event()
        killed = 0
        try:
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60
            ) as c:
                started = time.monotonic()
                ids = [c.post("/v1/plans", json=body).json()["id"] for _ in range(jobs)]
                pollers = [
                    threading.Thread(target=_poll_latency, args=(server, key, ids, stop, latencies))
                    for _ in range(POLLERS)
                ]
                for t in pollers:
                    t.start()
                final: dict[str, dict[str, Any]] = {}
                deadline = time.monotonic() + 900
                while len(final) < jobs and time.monotonic() < deadline:
                    for job_id in ids:
                        if job_id not in final:
                            job = c.get(f"/v1/plans/{job_id}").json()
                            if job["status"] not in ("queued", "solving"):
                                final[job_id] = job
                    if kill_one and not killed and len(final) >= jobs // 5:
                        pool[0].kill()
                        pool.append(Worker(tmp / f"w{workers}-new.log", server.env).start())
                        killed = 1
                    time.sleep(0.5)
                wall = time.monotonic() - started
        finally:
            stop.set()
            for w in pool:
                w.stop()
    broken = sum(
        bool(check(problem, Solution.model_validate(j["solution"]))) for j in final.values() if j["solution"]
    )
    solved = [j for j in final.values() if j["status"] == "solved"]
    return {
        "workers": workers,
        "jobs": jobs,
        "ended_once": len(solved),
        "final_status": {
            s: sum(j["status"] == s for j in final.values()) for s in ("solved", "failed", "cancelled")
        },
        "taken_twice": sum(j["attempts"] > 1 for j in final.values()),
        "workers_sigkilled": killed,
        "wall_s": round(wall, 1),
        "jobs_per_minute": round(60 * len(solved) / wall, 1),
        "get_plan_p50_s": round(statistics.median(latencies), 4),
        "get_plan_p95_s": round(_percentile(latencies, 0.95), 4),
        "get_plan_requests": len(latencies),
        "plans_breaking_a_rule": broken,
    }


def queue(url: str, jobs: int, counts: list[int], previous: dict[str, Any]) -> dict[str, Any]:
    """The runs for each worker count in ``counts``; runs of other counts kept from ``previous``."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = [queue_run(url, n, jobs, kill_one=n == 2, tmp=Path(tmp)) for n in counts]
    kept = [r for r in previous.get("runs", []) if r["workers"] not in counts]
    runs = sorted(kept + fresh, key=lambda r: int(r["workers"]))
    return {
        "problem": "generate_day(zone='Warminster', visits=50, seed=2), time_limit_s=2",
        "database": "PostgreSQL",
        "api": "CARERUN_IN_PROCESS_WORKER=false; `carerun worker --workers 1` processes",
        "lease_s": QUEUE_LEASE_S,
        "pollers": POLLERS,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--parts", default="sync,load,queue", help="comma-separated: sync, load, queue")
    parser.add_argument("--queue-jobs", type=int, default=50)
    parser.add_argument("--queue-workers", default="1,2", help="worker counts to run, e.g. 1 or 1,2")
    parser.add_argument("--postgres", default=os.environ.get("CARERUN_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if "queue" in parts and not args.postgres:
        parser.error("the queue part needs --postgres URL (or CARERUN_BENCH_POSTGRES_URL)")
    env = {"CARERUN_WORKERS": "2", "CARERUN_SYNC_CONCURRENCY": "2", "CARERUN_TENANT_JOBS": str(PER_TENANT)}
    previous = json.loads((RESULTS / "api.json").read_text()) if (RESULTS / "api.json").exists() else {}
    load_before = os.getloadavg()
    figures: dict[str, Any] = {}
    if parts & {"sync", "load"}:
        with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "bench.sqlite3", **env) as server:
            keys = [server.cli("keys", "create", "--tenant", f"tenant-{i}") for i in range(TENANTS)]
            if "sync" in parts:
                figures["sync_solve_latency"] = sync_latency(server, keys[0], args.calls)
            if "load" in parts:
                figures["concurrent_submissions"] = load(server, keys, args.clients, args.jobs)
    if "queue" in parts:
        counts = [int(n) for n in args.queue_workers.split(",")]
        figures["queue_on_postgres"] = queue(
            args.postgres, args.queue_jobs, counts, previous.get("queue_on_postgres", {})
        )
    result = {
        **previous,
        **machine(),
        "command": " ".join(["python -m benchmarks.api", *sys.argv[1:]]),
        "api_versions": versions(("fastapi", "sqlalchemy", "uvicorn", "psycopg", "distributed", "alembic")),
        "server": {"workers": 2, "sync_concurrency": 2, "database": "SQLite (WAL)", **env},
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        **figures,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
