"""Headline figures: the shipped home-care days and two Solomon instances, every plan checked.

    python -m benchmarks.core [--quick]

Writes ``benchmarks/results/core.json`` with the machine, versions and command, and prints a
table. Every plan is passed through the independent checker; a plan that breaks a rule is
reported as infeasible, never counted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.env import machine
from solver.analysis.check import check
from solver.engine.search import solve
from solver.io.classic import read_bks, read_solomon
from solver.io.documents import load_problem
from solver.model.problem import Problem, Solution

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
HOMECARE = [("zone", 10), ("zone", 30), ("large", 60)]
SOLOMON = [("R101", 10), ("RC101", 10), ("C101", 10)]


def servable(solution: Solution) -> int:
    """Visits the diagnosis cannot rule out: all but those with a static reason."""
    static = {
        "NO_SKILLED_CARER",
        "NO_CARER_IN_WINDOW",
        "EXCLUDED_OR_GENDER",
        "TRAVEL_TOO_FAR",
        "DOUBLE_UP_PARTNER",
    }
    return solution.kpis.visits - sum(1 for u in solution.unassigned if u.code in static)


def homecare_row(name: str, problem: Problem, limit: float) -> dict[str, Any]:
    started = time.monotonic()
    solution = solve(problem, time_limit_s=limit)
    wall = time.monotonic() - started
    k = solution.kpis
    return {
        "instance": f"homecare/{name}.json",
        "time_limit_s": limit,
        "wall_s": round(wall, 2),
        "visits": k.visits,
        "servable": servable(solution),
        "visits_served": k.visits_assigned,
        "served_share_of_servable": round(k.visits_assigned / max(servable(solution), 1), 4),
        "double_ups": k.double_ups,
        "double_ups_served": k.double_ups_assigned,
        "travel_per_care_hour_min": k.travel_per_care_hour_min,
        "carers_used": k.carers_used,
        "carers": len(problem.carers),
        "travel_h": round(k.travel_s / 3600, 2),
        "unassigned_by_code": k.unassigned_by_code,
        "violations": len(check(problem, solution)),
    }


def solomon_row(name: str, limit: float) -> dict[str, Any]:
    problem = read_solomon(ROOT / "instances" / "solomon" / f"{name}.txt")
    started = time.monotonic()
    solution = solve(problem, time_limit_s=limit)
    wall = time.monotonic() - started
    bks = read_bks(name)
    distance = solution.kpis.distance_m / 10
    violations = check(problem, solution)
    return {
        "instance": f"solomon/{name}",
        "time_limit_s": limit,
        "wall_s": round(wall, 2),
        "feasible": not violations and not solution.unassigned,
        "distance": distance,
        "vehicles": solution.kpis.carers_used,
        "best_known": bks.distance if bks else None,
        "gap_pct": round(100 * (distance / bks.distance - 1), 2) if bks else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1-second limits (smoke run; not written)")
    args = parser.parse_args(argv)
    scale = (lambda s: 1.0) if args.quick else (lambda s: float(s))
    rows = [
        homecare_row(n, load_problem(ROOT / "instances" / "homecare" / f"{n}.json"), scale(s))
        for n, s in HOMECARE
    ]
    rows += [solomon_row(n, scale(s)) for n, s in SOLOMON]
    report = {
        "command": "python -m benchmarks.core" + (" --quick" if args.quick else ""),
        **machine(),
        "rows": rows,
    }
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "core.json").write_text(json.dumps(report, indent=2) + "\n")
    _print(rows)
    return 0 if all(r.get("violations", 0) == 0 for r in rows) else 1


def _print(rows: list[dict[str, Any]]) -> None:
    table = Table(
        "instance", "limit s", "served / servable", "double-ups", "travel min/care h", "carers", "gap %"
    )
    for r in rows:
        if "visits" in r:
            table.add_row(
                r["instance"],
                str(r["time_limit_s"]),
                f"{r['visits_served']} / {r['servable']}",
                f"{r['double_ups_served']} / {r['double_ups']}",
                str(r["travel_per_care_hour_min"]),
                str(r["carers_used"]),
                "",
            )
        else:
            table.add_row(
                r["instance"],
                str(r["time_limit_s"]),
                "feasible" if r["feasible"] else "INFEASIBLE",
                "",
                "",
                str(r["vehicles"]),
                str(r["gap_pct"]),
            )
    Console(width=140).print(table)


if __name__ == "__main__":
    sys.exit(main())
