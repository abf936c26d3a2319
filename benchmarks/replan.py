"""Re-planning figure: zone.json's published plan, a carer off sick at 10:00, re-planned.

    python -m benchmarks.replan [--publish-limit 30] [--limits 2,5,10] [--quick]

The published plan is the engine's plan of ``instances/homecare/zone.json`` (seed 0). The carer
who is sick is the one with the most visits still to start at 10:00 (ties by id), so the figure
is the hardest single-carer case of the day. For each re-planning time limit it records the
wall time of ``replan`` (transformation, search, verification), the visits handed to another
carer, moved by more than 15 minutes, or dropped, and whether the plan passes the checker. One
more row re-plans from scratch at the longest limit, for comparison with the warm start.
Writes ``benchmarks/results/replan.json`` with machine, versions, command and load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.env import machine
from solver.analysis.check import check
from solver.day.replan import Events, change_counts, replan
from solver.engine.search import solve
from solver.io.documents import load_problem
from solver.model.problem import Solution

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ZONE = ROOT / "instances" / "homecare" / "zone.json"
NOW = 10 * 3600


def sickest(published: Solution) -> tuple[str, int]:
    """The carer with the most stops starting at or after 10:00, and that number."""
    counts = {r.carer_id: sum(1 for s in r.stops if s.start >= NOW) for r in published.runs}
    carer = min(counts, key=lambda c: (-counts[c], c))
    return carer, counts[carer]


def row(problem: Any, published: Solution, carer: str, limit: float, warm: bool = True) -> dict[str, Any]:
    events = Events.model_validate(
        {"events": [{"type": "carer_unavailable", "carer_id": carer, "from": "10:00"}]}
    )
    load_before = os.getloadavg()
    started = time.monotonic()
    solution, new_problem = replan(problem, published, events, NOW, time_limit_s=limit, seed=0, warm=warm)
    wall = time.monotonic() - started
    frozen = sum(1 for r in published.runs for s in r.stops if s.start < NOW)
    return {
        "start": "published plan" if warm else "from scratch",
        "time_limit_s": limit,
        "wall_s": round(wall, 2),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "frozen_stops": frozen,
        "visits_served": solution.kpis.visits_assigned,
        "visits_served_published": published.kpis.visits_assigned,
        "changes": change_counts(solution),
        "unassigned_by_code": solution.kpis.unassigned_by_code,
        "travel_h": round(solution.kpis.travel_s / 3600, 2),
        "travel_h_published": round(published.kpis.travel_s / 3600, 2),
        "violations": len(check(new_problem, solution)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publish-limit", type=float, default=30.0)
    parser.add_argument("--limits", default="2,5,10")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: publish 2 s, re-plan 1 s; nothing written"
    )
    args = parser.parse_args(argv)
    problem = load_problem(ZONE)
    publish = 2.0 if args.quick else args.publish_limit
    limits = [1.0] if args.quick else [float(x) for x in args.limits.split(",")]
    published = solve(problem, time_limit_s=publish, seed=0)
    carer, handed = sickest(published)
    rows = [row(problem, published, carer, limit) for limit in limits]
    rows.append(row(problem, published, carer, limits[-1], warm=False))
    report = {
        "command": (
            "python -m benchmarks.replan " + " ".join(argv if argv is not None else sys.argv[1:])
        ).strip(),
        **machine(),
        "instance": "homecare/zone.json",
        "published": {"time_limit_s": publish, "seed": 0, "visits_served": published.kpis.visits_assigned},
        "event": {
            "type": "carer_unavailable",
            "carer_id": carer,
            "from": "10:00",
            "now": "10:00",
            "visits_to_hand_on": handed,
        },
        "rows": rows,
    }
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "replan.json").write_text(json.dumps(report, indent=2) + "\n")
    table = Table(
        "start", "limit s", "wall s", "served", "changed", "to another carer", "moved >15 min", "dropped"
    )
    for r in rows:
        ch = r["changes"]
        table.add_row(
            r["start"], str(r["time_limit_s"]), str(r["wall_s"]),
            f"{r['visits_served']} (was {r['visits_served_published']})",
            str(ch["visits_changed"]), str(ch["carer"]), str(ch["time"]), str(ch["dropped"]),
        )  # fmt: skip
    Console(width=140).print(table)
    return 0 if all(r["violations"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
