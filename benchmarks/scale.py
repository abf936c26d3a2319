"""Big days against the time limit: does a 2,000- or 5,000-visit day come back checked in time?

    python -m benchmarks.scale [--sizes 2000,5000] [--limits 20,60] [--repeat 1] [--out FILE]

Each day is generated (``solver.generate.day``, ``county`` zone, seed 0) and each run is one
child process, so that its peak resident memory (``resource.getrusage``) is that run's alone.
Per size it records the construction alone (one seeded insertion pass and its repair, no
search) and then ``solve`` at each time limit: wall time of the solve (the day's generation
excluded), visits served, travel, peak RSS, whether ``solver/analysis/check.py`` passes, and
the engine's notes (which phase the time limit cut short). The machine is shared, so the load
average before and after each run is stored beside it; ``--repeat`` gives the spread.
Writes ``benchmarks/results/scale.json`` with machine, versions and command.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.env import machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def _construction(visits: int) -> dict[str, Any]:
    """One insertion pass and its repair, timed like a solve (compile included)."""
    from solver.engine.search import construction_plan
    from solver.generate.day import generate_day

    problem = generate_day(zone="county", visits=visits, seed=0)
    started = time.monotonic()
    solution = construction_plan(problem, seed=0, attempts=1)
    return _measure(problem, solution, time.monotonic() - started)


def _solve(visits: int, limit: float) -> dict[str, Any]:
    from solver.engine.search import solve
    from solver.generate.day import generate_day

    problem = generate_day(zone="county", visits=visits, seed=0)
    started = time.monotonic()
    solution = solve(problem, time_limit_s=limit, seed=0)
    return _measure(problem, solution, time.monotonic() - started)


def _measure(problem: Any, solution: Any, wall: float) -> dict[str, Any]:
    from solver.analysis.check import check

    k = solution.kpis
    return {
        "wall_s": round(wall, 2),
        "visits": k.visits,
        "carers": len(problem.carers),
        "visits_served": k.visits_assigned,
        "double_ups_served": k.double_ups_assigned,
        "double_ups": k.double_ups,
        "travel_s": k.travel_s,
        "travel_h": round(k.travel_s / 3600, 2),
        "unassigned_by_code": k.unassigned_by_code,
        "violations": len(check(problem, solution)),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "notes": solution.solver.notes,
    }


def _child(kind: str, visits: int, limit: float, out: Any) -> None:
    out.put(_construction(visits) if kind == "construction" else _solve(visits, limit))


def run(kind: str, visits: int, limit: float) -> dict[str, Any]:
    """One run in a fresh process (its own peak RSS); the load average around it."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    before = os.getloadavg()
    child = context.Process(target=_child, args=(kind, visits, limit, queue))
    child.start()
    row = queue.get()
    child.join()
    after = os.getloadavg()
    head = {"run": kind, "visits_asked": visits, "time_limit_s": limit if kind == "solve" else None}
    return {**head, **row, "loadavg": [round(before[0], 2), round(after[0], 2)]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--sizes", default="2000,5000")
    parser.add_argument("--limits", default="20,60")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS / "scale.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    limits = [float(s) for s in args.limits.split(",") if s.strip()]
    rows = []
    for _ in range(max(args.repeat, 1)):
        for visits in sizes:
            rows.append(run("construction", visits, 0.0))
            print(json.dumps(rows[-1]), flush=True)
            for limit in limits:
                rows.append(run("solve", visits, limit))
                print(json.dumps(rows[-1]), flush=True)
    report = {
        "command": "python -m benchmarks.scale " + " ".join(argv if argv is not None else sys.argv[1:]),
        "instances": "solver.generate.day.generate_day(zone='county', visits=N, seed=0)",
        **machine(),
        "rows": rows,
    }
    report["versions"].update({"pyvrp": _version("pyvrp")})
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    return 0 if all(r["violations"] == 0 for r in rows) else 1


def _version(name: str) -> str | None:
    from solver.provenance import versions

    return versions((name,))[name]


if __name__ == "__main__":
    sys.exit(main())
