"""Continuity figure: zone.json with a generated week of history, with and without its cost.

    python -m benchmarks.continuity [--time-limit 30] [--cost 20] [--quick]

The history is ``solver.generate.history.generate_history(zone, days=7, seed=0)``. The same day is
planned twice (seed 0, same time limit): with ``continuity.cost_min`` at its default and at 0.
Continuity rate = visits served by a familiar carer (preferred, or one of the client's three
most frequent carers in the history) / served visits that have familiar carers; it is computed
here from the plan, independently of the engine. Writes ``benchmarks/results/continuity.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.env import machine
from solver.analysis.check import check
from solver.engine.search import solve
from solver.generate.history import generate_history
from solver.io.documents import load_problem
from solver.model.problem import Problem, Solution

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ZONE = ROOT / "instances" / "homecare" / "zone.json"


def familiar(problem: Problem) -> dict[str, set[str]]:
    """visit id -> its preferred carers and its client's top ``regular_carers`` in the history."""
    counts: dict[str, Counter[str]] = {}
    for h in problem.history:
        counts.setdefault(h.client_id, Counter())[h.carer_id] += 1
    keep = problem.continuity.regular_carers
    top = {
        client: {c for c, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]}
        for client, seen in counts.items()
    }
    return {v.id: set(v.preferred_carers) | top.get(v.client, set()) for v in problem.visits}


def continuity_figures(problem: Problem, solution: Solution) -> dict[str, float]:
    known = familiar(problem)
    carers_of: dict[str, set[str]] = {}
    by_client: dict[str, set[str]] = {}
    client = {v.id: v.client for v in problem.visits}
    for run in solution.runs:
        for stop in run.stops:
            carers_of.setdefault(stop.visit_id, set()).add(run.carer_id)
            by_client.setdefault(client[stop.visit_id], set()).add(run.carer_id)
    wanted = [vid for vid in carers_of if known[vid]]
    kept = sum(1 for vid in wanted if carers_of[vid] & known[vid])
    return {
        "continuity_rate": round(kept / len(wanted), 4) if wanted else 0.0,
        "distinct_carers_per_client": round(statistics.mean(len(s) for s in by_client.values()), 3),
        "max_carers_per_client": max(len(s) for s in by_client.values()),
    }


def row(problem: Problem, cost: float, limit: float) -> dict[str, Any]:
    data = problem.model_dump()
    data["continuity"] = {**problem.continuity.model_dump(), "cost_min": cost}
    variant = Problem.model_validate(data)
    load_before = os.getloadavg()
    started = time.monotonic()
    solution = solve(variant, time_limit_s=limit, seed=0)
    wall = time.monotonic() - started
    k = solution.kpis
    return {
        "continuity_cost_min": cost,
        "time_limit_s": limit,
        "wall_s": round(wall, 2),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "visits_served": k.visits_assigned,
        **continuity_figures(variant, solution),
        "engine_continuity_rate": k.continuity_rate,
        "travel_h": round(k.travel_s / 3600, 2),
        "travel_per_care_hour_min": k.travel_per_care_hour_min,
        "violations": len(check(variant, solution)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--cost", type=float, default=20.0)
    parser.add_argument("--quick", action="store_true", help="1-second runs; nothing written")
    args = parser.parse_args(argv)
    zone = load_problem(ZONE)
    history = generate_history(zone, days=7, seed=0)
    problem = Problem.model_validate({**zone.model_dump(), "history": history})
    limit = 1.0 if args.quick else args.time_limit
    rows = [row(problem, args.cost, limit), row(problem, 0.0, limit)]
    report = {
        "command": (
            "python -m benchmarks.continuity " + " ".join(argv if argv is not None else sys.argv[1:])
        ).strip(),
        **machine(),
        "instance": "homecare/zone.json",
        "history": {
            "generator": "solver.generate.history.generate_history",
            "days": 7,
            "seed": 0,
            "entries": len(history),
        },
        "rows": rows,
    }
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "continuity.json").write_text(json.dumps(report, indent=2) + "\n")
    table = Table(
        "cost min", "served", "continuity rate", "carers per client", "travel h", "travel min/care h"
    )
    for r in rows:
        table.add_row(
            str(r["continuity_cost_min"]), str(r["visits_served"]), str(r["continuity_rate"]),
            str(r["distinct_carers_per_client"]), str(r["travel_h"]), str(r["travel_per_care_hour_min"]),
        )  # fmt: skip
    Console(width=140).print(table)
    return 0 if all(r["violations"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
