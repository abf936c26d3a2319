"""The engine's options on a full-rules home-care day (double-ups, breaks, skills and all).

    python -m benchmarks.large [--time-limit 60] [--instance large | stress/DAY]
        [--engines single,portfolio,decomposed] [--seeds 0,1,2] [--solution-limit N] [--out FILE]

Runs the single engine, the two-process portfolio (``solver/engine/portfolio.py``) and decomposition
(``solver/engine/decompose.py``) at the same wall limit, one after another, once per seed, checks
every plan with ``solver/analysis/check.py`` and writes ``benchmarks/results/<instance>-<limit>.json``
with machine, versions, command and load. ``first-plan`` is the single engine at a 2 s limit: how
soon a checked plan is in hand. Where the engine ran its own ruin and recreate, a row has its
iterations per second and when its first plan was ready (read from ``solver.notes``).

``--instance stress/DAY`` plans one of the generated ``homecare-stress`` days instead
(``benchmarks/stress.py``); several instances, comma-separated, go into one file (``--out``).
With several seeds, ``summary`` gives each instance and engine the mean and range of visits
served and of travel: the spread between seeds to set a difference against.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.env import machine
from benchmarks.stress import STRESS_DAYS, stress_day
from solver.analysis.check import check
from solver.engine.decompose import solve_decomposed
from solver.engine.portfolio import solve_portfolio
from solver.engine.search import solve
from solver.io.documents import load_problem
from solver.model.problem import Problem, Solution

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


SEARCH_NOTE = re.compile(
    r"ruin and recreate: (\d+) iterations in ([\d.]+) s \((\d+) per second\).*first plan at ([\d.]+) s"
)


def _search_figures(solution: Solution) -> dict[str, Any]:
    """Iterations, iterations per second and first-plan time of the engine's own search, if it ran."""
    for note in solution.solver.notes:
        if m := SEARCH_NOTE.search(note):
            return {"iterations": int(m[1]), "iterations_per_s": int(m[3]), "first_plan_s": float(m[4])}
    return {}


def _row(name: str, run: Callable[[], Solution], problem: Problem, seed: int = 0) -> dict[str, Any]:
    load = os.getloadavg()[0]
    started = time.monotonic()
    solution = run()
    wall = time.monotonic() - started
    k = solution.kpis
    return {
        "engine": name,
        "seed": seed,
        "wall_s": round(wall, 2),
        "visits_served": k.visits_assigned,
        "visits": k.visits,
        "double_ups_served": k.double_ups_assigned,
        "double_ups": k.double_ups,
        "travel_h": round(k.travel_s / 3600, 2),
        "travel_per_care_hour_min": k.travel_per_care_hour_min,
        "carers_used": k.carers_used,
        "violations": len(check(problem, solution)),
        "loadavg": [round(load, 2), round(os.getloadavg()[0], 2)],
        **_search_figures(solution),
    }


FIRST_PLAN_S = 2.0
DEFAULT_ENGINES = "single,portfolio,decomposed"
Engine = Callable[[Problem, float, int, int | None], Solution]  # problem, time limit, seed, solution limit


def _limited(run: Callable[..., Solution]) -> Engine:
    """An engine entry point called with the benchmark's limits and seed."""
    return lambda problem, limit, seed, solutions: run(
        problem, time_limit_s=limit, seed=seed, solution_limit=solutions
    )


ENGINES: dict[str, Engine] = {
    "single": _limited(solve),
    "portfolio": _limited(solve_portfolio),
    "decomposed": _limited(solve_decomposed),
    "first-plan": lambda problem, limit, seed, _: solve(problem, time_limit_s=FIRST_PLAN_S, seed=seed),
}


def _problem(instance: str) -> Problem | None:
    """A shipped day by its name in instances/homecare, or a generated stress day; None if neither."""
    if instance.startswith("stress/"):
        name = instance.removeprefix("stress/")
        return stress_day(name) if name in STRESS_DAYS else None
    path = ROOT / "instances" / "homecare" / f"{instance}.json"
    return load_problem(path) if path.exists() else None


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per instance and engine, over its seeds: the mean and the range of visits served and of
    travel."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for instance, engine in dict.fromkeys((r["instance"], r["engine"]) for r in rows):
        mine = [r for r in rows if r["instance"] == instance and r["engine"] == engine]
        served, travel = [r["visits_served"] for r in mine], [r["travel_h"] for r in mine]
        out.setdefault(instance, {})[engine] = {
            "seeds": len(mine),
            "visits_served_mean": round(sum(served) / len(mine), 2),
            "visits_served_range": [min(served), max(served)],
            "travel_h_mean": round(sum(travel) / len(mine), 2),
            "travel_h_range": [min(travel), max(travel)],
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.large", description=__doc__)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument(
        "--instance",
        default="large",
        help="a name in instances/homecare, or stress/DAY (a homecare-stress day); several, comma-separated",
    )
    parser.add_argument("--engines", default=DEFAULT_ENGINES, help="comma-separated: " + ", ".join(ENGINES))
    parser.add_argument("--seeds", default="0", help="comma-separated seeds, one run of each engine per seed")
    parser.add_argument(
        "--solution-limit",
        type=int,
        default=None,
        help="end by a solution count (carerun's own search: 40 iterations each): same plan on any machine",
    )
    parser.add_argument("--out", default="", help="default benchmarks/results/<instance>-<limit>.json")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    names = [n.strip() for n in args.instance.split(",") if n.strip()]
    problems = {name: _problem(name) for name in names}
    if not names or None in problems.values() or not engines or any(e not in ENGINES for e in engines):
        parser.error(f"--instance: files in instances/homecare or stress/DAY; --engines: of {list(ENGINES)}")
    if len(names) > 1 and not args.out:
        parser.error("--out: needed for several instances")
    limit = args.time_limit
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    rows = [
        {
            "instance": _label(name),
            **_row(engine, partial(ENGINES[engine], p, limit, seed, args.solution_limit), p, seed),
        }
        for name, p in problems.items()
        if p is not None
        for seed in seeds
        for engine in engines
    ]
    report = {
        "command": "python -m benchmarks.large " + " ".join(argv if argv is not None else sys.argv[1:]),
        "instance": ",".join(_label(n) for n in names),
        "time_limit_s": limit,
        "solution_limit": args.solution_limit,
        **machine(),
        "rows": rows,
        "summary": summary(rows),
    }
    out = Path(args.out) if args.out else RESULTS / f"{args.instance.replace('/', '-')}-{limit:g}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(rows, indent=1))
    return 0 if all(r["violations"] == 0 for r in rows) else 1


def _label(name: str) -> str:
    return name if name.startswith("stress/") else f"homecare/{name}.json"


if __name__ == "__main__":
    sys.exit(main())
