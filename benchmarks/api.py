"""Figures of the HTTP API, measured against a real ``carerun serve`` process on loopback.

    python -m benchmarks.api [--calls 20] [--clients 20] [--jobs 40]

1. Synchronous latency: ``POST /v1/solve`` of a generated 50-visit day at a 2 s limit, called
   one after another; p50 and p95 of the wall time seen by the client, every plan checked.
2. Load: ``--jobs`` submissions to ``POST /v1/plans`` from ``--clients`` concurrent clients
   (four tenants, a limit of 5 live jobs per tenant): each answer must be 202 or 429, each
   accepted job must end ``solved`` with a plan that passes the checker, and nothing may be 5xx.

Writes ``benchmarks/results/api.json`` with machine, versions, command and load averages.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
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
from tests.api.server import Server

RESULTS = Path(__file__).resolve().parent / "results"
TENANTS = 4
PER_TENANT = 5


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=40)
    args = parser.parse_args()
    env = {"CARERUN_WORKERS": "2", "CARERUN_SYNC_CONCURRENCY": "2", "CARERUN_TENANT_JOBS": str(PER_TENANT)}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "bench.sqlite3", **env) as server:
        keys = [server.cli("keys", "create", "--tenant", f"tenant-{i}") for i in range(TENANTS)]
        latency = sync_latency(server, keys[0], args.calls)
        loaded = load(server, keys, args.clients, args.jobs)
    result = {
        **machine(),
        "command": " ".join(["python -m benchmarks.api", *sys.argv[1:]]),
        "api_versions": versions(("fastapi", "sqlalchemy", "uvicorn", "psycopg", "distributed")),
        "server": {"workers": 2, "sync_concurrency": 2, "database": "SQLite (WAL)", **env},
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "sync_solve_latency": latency,
        "concurrent_submissions": loaded,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"sync_solve_latency": latency, "concurrent_submissions": loaded}, indent=2))


if __name__ == "__main__":
    main()
