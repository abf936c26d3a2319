"""Paid-time figure: a day planned on travel alone and on travel plus paid waiting.

    flock /tmp/carerun-bench.lock python -m benchmarks.paid_time [--time-limit 30] [--seeds 0 1 2]
        [--instance instances/homecare/zone.json] [--output paid-time.json] [--quick]

Each seed plans the same day twice, ``options.objective`` = ``travel`` (the default) and
``paid-time``, and each plan is costed by ``solver.analysis.pay.plan_cost`` under the day's
pay rules (National Living Wage on the day's date, on-costs, HMRC mileage; every gap paid):
paid hours, paid waiting, travel between visits, all travel, coverage and cost. The day is
``--instance`` (default the shipped ``zone.json``); the results name it by path, problem id,
size and SHA-256, since a shipped day is regenerated when the generator changes and figures
from one day do not carry to the next. Writes ``benchmarks/results/paid-time.json`` (or
``--output``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.env import machine
from solver.analysis.check import check
from solver.analysis.pay import PayPolicy, plan_cost
from solver.engine.search import solve
from solver.io.documents import load_problem
from solver.model.problem import Problem, Solution

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ZONE = ROOT / "instances" / "homecare" / "zone.json"
FIGURES = (
    "visits_served",
    "paid_h",
    "paid_wait_h",
    "travel_h",
    "all_travel_h",
    "cost_gbp",
    "cost_per_care_h",
)


def row(problem: Problem, objective: str, seed: int, limit: float) -> dict[str, Any]:
    variant = problem.model_copy(
        update={"options": problem.options.model_copy(update={"objective": objective})}
    )
    load_before = os.getloadavg()
    started = time.monotonic()
    solution = solve(variant, time_limit_s=limit, seed=seed)
    wall = time.monotonic() - started
    cost = plan_cost(PayPolicy.of(variant), variant, solution.runs)
    k = solution.kpis
    return {
        "objective": objective,
        "seed": seed,
        "time_limit_s": limit,
        "wall_s": round(wall, 2),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "visits_served": k.visits_assigned,
        "visits": k.visits,
        "paid_h": round(cost.working_s / 3600, 2),
        "paid_wait_h": round(cost.paid_wait_s / 3600, 2),
        "travel_h": round(cost.travel_s / 3600, 2),
        "all_travel_h": round(k.travel_s / 3600, 2),
        "care_h": round(cost.care_s / 3600, 2),
        "cost_gbp": round(cost.total, 2),
        "cost_per_care_h": round(cost.total / (cost.care_s / 3600), 2),
        "flagged_runs": k.flagged_runs,
        "flags": flag_counts(solution),
        "violations": len(check(variant, solution)),
    }


def flag_counts(solution: Solution) -> dict[str, int]:
    """How many runs carry each pay flag (BELOW_NLW, WTR_NO_BREAK, WTR_DAILY_REST)."""
    counts: dict[str, int] = {}
    for run in solution.runs:
        for flag in run.pay.flags if run.pay is not None else []:
            counts[flag] = counts.get(flag, 0) + 1
    return dict(sorted(counts.items()))


def instance_of(path: Path, problem: Problem) -> dict[str, Any]:
    """Which day the figures are on: path (from the repository root when inside it), id, size, hash."""
    resolved = path.resolve()
    shown = resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved
    return {
        "path": str(shown),
        "id": problem.id,
        "visits": len(problem.visits),
        "carers": len(problem.carers),
        "sha256": hashlib.sha256(resolved.read_bytes()).hexdigest(),
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean of each figure over the seeds, per objective."""
    out = {}
    for objective in dict.fromkeys(r["objective"] for r in rows):
        mine = [r for r in rows if r["objective"] == objective]
        out[objective] = {f: round(statistics.mean(r[f] for r in mine), 2) for f in FIGURES}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--instance", type=Path, default=ZONE, help="the day to plan")
    parser.add_argument("--output", default="paid-time.json", help="file name under benchmarks/results")
    parser.add_argument("--quick", action="store_true", help="1-second runs; nothing written")
    args = parser.parse_args(argv)
    problem = load_problem(args.instance)
    limit = 1.0 if args.quick else args.time_limit
    rows = [
        row(problem, objective, seed, limit) for seed in args.seeds for objective in ("travel", "paid-time")
    ]
    report = {
        "command": (
            "python -m benchmarks.paid_time " + " ".join(argv if argv is not None else sys.argv[1:])
        ).strip(),
        **machine(),
        "instance": instance_of(args.instance, problem),
        "pay": "the day's own rules: NLW on 2026-11-26 (12.71), on-costs 25.37%, 0.45 a mile, gaps paid",
        "rows": rows,
        "mean": summary(rows),
    }
    text = json.dumps(report, indent=2)
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / args.output).write_text(text + "\n")
    print(f"{report['instance']['path']} ({problem.id}):")
    print(json.dumps(report["mean"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
