"""Plan quality of carerun beside its peers, on the same instances with the same limit.

    python -m benchmarks.quality --set solomon --time-limit 10 [--peers pyvrp,vroom,ortools-plain]
        [--instances R101,C101] [--warm-starts none,vroom] [--portfolio] [--strategies gls-l0.3]
        [--iterations N] [--fresh] [--no-carerun] [--merge-from FILE,...] [--out FILE]

One solver at a time, one thread each (the optional ``carerun-portfolio`` row uses two
processes and says so; ``carerun-warm:none`` and ``carerun-warm:vroom`` replace the default
first plan, PyVRP's, with OR-Tools' own or VROOM's; ``carerun:NAME`` rows use a named strategy
of ``solver/engine/strategies.py``).
carerun's plans go through ``solver/analysis/check.py``; peers' routes through
``benchmarks/feasibility.py``. Results go to ``benchmarks/results/<set>-<limit>.json`` after
every single run, so an interrupted run resumes where it stopped (``--fresh`` starts over).
The gap is to the best-known solution where one is published, else to the best of PyVRP and
VROOM in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from benchmarks.env import machine
from benchmarks.feasibility import evaluate
from benchmarks.peers import FULL_PEERS, PEERS, PeerMissing, package_version
from benchmarks.sets import SETS, SUBSET8, Case, relax
from solver.analysis.check import check
from solver.engine.compiled import compile_problem
from solver.engine.portfolio import solve_portfolio
from solver.engine.search import solve
from solver.engine.strategies import STRATEGIES
from solver.model.problem import Problem, Solution

RESULTS = Path(__file__).resolve().parent / "results"
REFERENCE_PEERS = ("pyvrp", "vroom")
# Where a set's days keep their full rules, the gap is to the peer that plans under them too.
FULL_REFERENCE_PEERS = ("ortools-twostage",)
DEFAULT_PEER_LIST = "pyvrp,vroom,ortools-plain"
DEFAULT_PEERS = {"homecare-stress": "ortools-twostage,vroom,pyvrp"}
WARM_STARTS = ("none", "vroom")
Row = dict[str, Any]


def run_carerun(problem: Problem, limit: float, iterations: int | None, variant: str) -> Row:
    """carerun on ``problem``, its plan checked by the independent checker.

    ``variant`` is ``carerun`` (the default engine), ``carerun-portfolio`` (two processes),
    ``carerun-warm:SOURCE`` (another first plan: ``none`` or ``vroom``) or ``carerun:STRATEGY``
    (a named strategy of ``solver/engine/strategies.py``), for before/after."""
    started = time.monotonic()
    if variant == "carerun-portfolio":
        solution = solve_portfolio(problem, time_limit_s=limit, solution_limit=iterations)
    elif variant.startswith("carerun-warm:"):
        source = variant.partition(":")[2]
        solution = solve(problem, time_limit_s=limit, solution_limit=iterations, warm_start=source)
    else:
        strategy = variant.partition(":")[2] or None
        solution = solve(problem, time_limit_s=limit, solution_limit=iterations, strategy=strategy)
    wall = time.monotonic() - started
    return _checked(problem, solution, wall)


def _checked(problem: Problem, solution: Solution, wall: float) -> Row:
    """A plan's figures, judged by the independent checker (the full rules of ``problem``)."""
    violations = check(problem, solution)
    return {
        "cost": solution.kpis.travel_s,
        "vehicles": solution.kpis.carers_used,
        "served": solution.kpis.visits_assigned,
        "double_ups": solution.kpis.double_ups,
        "double_ups_served": solution.kpis.double_ups_assigned,
        # promised times missed: a price in carerun's objective and, since both are priced
        # alike, in ortools-twostage's; travel alone would favour a plan that ignores them
        "late_visits": solution.kpis.late_visits,
        "lateness_min": solution.kpis.lateness_min,
        "violations": [str(v) for v in violations[:5]],
        "violation_count": len(violations),
        "wall_s": round(wall, 2),
    }


def run_full_peer(name: str, problem: Problem, limit: float, iterations: int | None) -> Row:
    """A peer that plans under the full rules and hands back a Solution for the checker."""
    result = FULL_PEERS[name](problem, limit, 0, iterations)
    if result.solution is None:
        doubles = sum(v.carers_required == 2 for v in problem.visits)
        return {
            "cost": 0,
            "vehicles": 0,
            "served": 0,
            "double_ups": doubles,
            "double_ups_served": 0,
            "violations": [result.error],
            "violation_count": 1,
            "wall_s": round(result.wall_s, 2),
            "notes": result.notes,
            "no_plan": result.error,
        }
    row = _checked(problem, result.solution, result.wall_s)
    row["stages_s"] = {k: round(v, 2) for k, v in result.stages.items()}
    row["notes"] = result.notes
    row["plan_from"] = result.plan_from
    return row


def run_peer(name: str, problem: Problem, limit: float, iterations: int | None, full: bool = False) -> Row:
    """A peer on the compiled day, its routes judged by ``benchmarks/feasibility.py``. On a
    full-rules day (``full``) it gets the relaxed day; its double-ups served are then those of
    the full day it served with one carer (never synchronised)."""
    original = problem
    if full:
        problem = relax(problem)
    cp = compile_problem(problem)
    try:
        result = PEERS[name](cp, limit, 0, iterations)
    except PeerMissing as exc:
        return {"error": str(exc)}
    ev = evaluate(cp, result.routes)
    row: Row = {
        "cost": ev.cost,
        "vehicles": ev.vehicles,
        "served": ev.served,
        "violations": ev.violations[:5],
        "wall_s": round(result.wall_s, 2),
    }
    if full:
        doubles = {v for v, visit in enumerate(original.visits) if visit.carers_required == 2}
        served = {v for route in result.routes for v in route}
        row.update(
            relaxed=True,
            double_ups=len(doubles),
            double_ups_served=len(doubles & served),
            synchronised=False,
        )
    return row


def _load(path: Path, fresh: bool) -> dict[str, Any]:
    if fresh or not path.exists():
        return {"runs": []}
    return dict(json.loads(path.read_text()))


def _merge(report: dict[str, Any], args: argparse.Namespace) -> bool:
    """Add the runs of ``--merge-from`` files missing from ``report`` (a second process's rows)."""
    for name in filter(None, (f.strip() for f in args.merge_from.split(","))):
        path = Path(name)
        try:
            other = json.loads(path.read_text())
            same = other["set"] == args.set and other["time_limit_s"] == args.time_limit
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"error: --merge-from: {path}: {exc}", file=sys.stderr)
            return False
        if not same or other.get("iterations") != args.iterations:
            print(f"error: --merge-from: {path} is not --set {args.set} at this limit", file=sys.stderr)
            return False
        have = {(r["instance"], r["solver"]) for r in report["runs"]}
        report["runs"].extend(r for r in other["runs"] if (r["instance"], r["solver"]) not in have)
        report["commands"] = [*report.get("commands", []), *other.get("commands", [other.get("command")])]
    return True


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cases = SETS[args.set]()
    if args.instances:
        names = SUBSET8 if args.instances == "subset8" else args.instances.split(",")
        wanted = {n.strip().upper() for n in names if n.strip()}
        cases = [c for c in cases if c.name.upper() in wanted]
        missing = wanted - {c.name.upper() for c in cases}
        if missing:
            print(f"error: --instances: no {sorted(missing)} in set {args.set}", file=sys.stderr)
            return 2
    peers_text = (
        DEFAULT_PEERS.get(args.set, "pyvrp,vroom,ortools-plain") if args.peers is None else args.peers
    )
    peers = [p.strip() for p in peers_text.split(",") if p.strip()]
    no_carerun = args.no_carerun
    if args.solvers:
        chosen = [s.strip() for s in args.solvers.split(",") if s.strip()]
        peers, no_carerun = [s for s in chosen if s != "carerun"], "carerun" not in chosen
    known = {*PEERS, *FULL_PEERS}
    unknown = [p for p in peers if p not in known]
    if unknown:
        print(f"error: --peers/--solvers: unknown {unknown}; choose from {sorted(known)}", file=sys.stderr)
        return 2
    warm_starts = [w.strip() for w in args.warm_starts.split(",") if w.strip()]
    if any(w not in WARM_STARTS for w in warm_starts):
        print(f"error: --warm-starts: choose from {WARM_STARTS}", file=sys.stderr)
        return 2
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    if any(s not in STRATEGIES for s in strategies):
        print(f"error: --strategies: choose from {sorted(STRATEGIES)}", file=sys.stderr)
        return 2
    solvers = [
        *([] if no_carerun else ["carerun"]),
        *(f"carerun:{s}" for s in strategies),
        *(f"carerun-warm:{w}" for w in warm_starts),
        *(["carerun-portfolio"] if args.portfolio else []),
        *peers,
    ]
    tag = f"it{args.iterations}" if args.iterations else f"{args.time_limit:g}"
    out = Path(args.out) if args.out else RESULTS / f"{args.set}-{tag}.json"
    report = _load(out, args.fresh)
    if report.get("set", args.set) != args.set or not isinstance(report.get("runs"), list):
        print(f"error: --out: {out} holds other results; pass --fresh to overwrite", file=sys.stderr)
        return 2
    if not _merge(report, args):
        return 2
    done = {(r["instance"], r["solver"]) for r in report["runs"]}
    command = "python -m benchmarks.quality " + " ".join(argv if argv is not None else sys.argv[1:])
    earlier = report.get("commands", [report["command"]] if "command" in report else [])
    report["commands"] = [*earlier, command]
    report.update(
        command=command,
        set=args.set,
        time_limit_s=args.time_limit,
        iterations=args.iterations,
        **machine(),
    )
    report["versions"].update({p: package_version(p) for p in ("pyvrp", "pyvroom")})
    todo = [(c, s) for c in cases for s in solvers if (c.name, s) not in done]
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as bar:
        task = bar.add_task("quality", total=len(todo))
        problems: dict[str, Problem] = {}
        for case, solver in todo:
            bar.update(task, description=f"{case.name} · {solver}")
            problem = problems.setdefault(case.name, case.load())
            problems = {case.name: problem}  # one instance in memory at a time
            load_before = os.getloadavg()[0]
            if solver.startswith("carerun"):
                row = run_carerun(problem, args.time_limit, args.iterations, solver)
            else:
                row = _run_peer(solver, case, problem, args)
            row.update(
                instance=case.name,
                solver=solver,
                visits=len(problem.visits),
                loadavg=[round(load_before, 2), round(os.getloadavg()[0], 2)],
            )
            report["runs"].append(row)
            _finish(report, cases)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=1) + "\n")
            bar.advance(task)
    _finish(report, cases)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    _print(report, cases, solvers)
    return 0


def _run_peer(solver: str, case: Case, problem: Problem, args: argparse.Namespace) -> Row:
    if solver in FULL_PEERS:
        if not case.full_rules:
            return {"error": f"{solver} plans full-rules days only (set homecare-stress)"}
        return run_full_peer(solver, problem, args.time_limit, args.iterations)
    return run_peer(solver, problem, args.time_limit, args.iterations, full=case.full_rules)


def _finish(report: dict[str, Any], cases: list[Case]) -> None:
    """Shown costs, gaps and feasibility for every run, and a summary per solver."""
    by_name = {c.name: c for c in cases}
    runs = [r for r in report["runs"] if r["instance"] in by_name]
    for r in runs:
        case = by_name[r["instance"]]
        if "cost" not in r:
            continue
        r["distance"] = round(r["cost"] / case.scale, 2)
        r["feasible"] = not r["violations"] and (case.best_known is None or r["served"] == r["visits"])
    for r in runs:
        if "cost" in r:
            r["gap_pct"] = _gap(r, by_name[r["instance"]], runs)
    summary = {}
    for solver in dict.fromkeys(r["solver"] for r in runs):
        mine = [r for r in runs if r["solver"] == solver and "cost" in r]
        gaps = [r["gap_pct"] for r in mine if r["feasible"] and r["gap_pct"] is not None]
        summary[solver] = {
            "instances": len(mine),
            "feasible": sum(r["feasible"] for r in mine),
            "mean_gap_pct": round(statistics.fmean(gaps), 2) if gaps else None,
            "median_gap_pct": round(statistics.median(gaps), 2) if gaps else None,
            "mean_wall_s": round(statistics.fmean(r["wall_s"] for r in mine), 2) if mine else None,
        }
    report["summary"] = summary
    report["unit"] = sorted({c.unit for c in cases})
    report["notes"] = sorted({c.note for c in cases if c.note})


def _gap(r: Row, case: Case, runs: list[Row]) -> float | None:
    if case.best_known is not None:
        return round(100 * (r["distance"] / case.best_known - 1), 2)
    if r.get("relaxed"):
        return None  # an easier day than the full-rules rows: not comparable
    reference = FULL_REFERENCE_PEERS if case.full_rules else REFERENCE_PEERS
    refs = [
        p
        for p in runs
        if p["instance"] == r["instance"] and p["solver"] in reference and "cost" in p and p["feasible"]
    ]
    if not refs:
        return None
    most = max(p["served"] for p in refs)
    best = min(p["cost"] for p in refs if p["served"] == most)
    if r["served"] != most or best == 0:
        return None  # not comparable: a different number of visits served
    return round(100 * (r["cost"] / best - 1), 2)


def _print(report: dict[str, Any], cases: list[Case], solvers: list[str]) -> None:
    console = Console(width=160)
    table = Table("instance", *solvers, title=f"{report['set']}: gap % (served/visits if not all)")
    index = {(r["instance"], r["solver"]): r for r in report["runs"]}
    for case in cases:
        cells = []
        for s in solvers:
            r = index.get((case.name, s))
            cells.append(_cell(r))
        table.add_row(case.name + (" *" if case.note else ""), *cells)
    console.print(table)
    summary = Table("solver", "feasible", "mean gap %", "median gap %", "mean wall s", title="summary")
    for s in solvers:
        m = report["summary"].get(s)
        if m:
            summary.add_row(
                s,
                f"{m['feasible']}/{m['instances']}",
                str(m["mean_gap_pct"]),
                str(m["median_gap_pct"]),
                str(m["mean_wall_s"]),
            )
    console.print(summary)
    for note in report["notes"]:
        console.print(f"* {note}")


def _cell(r: Row | None) -> str:
    if r is None:
        return "-"
    if "cost" not in r:
        return "missing"
    text = "INFEASIBLE" if r["violations"] else str(r["gap_pct"])
    if r["served"] != r["visits"]:
        text += f" ({r['served']}/{r['visits']})"
    if "double_ups" in r:
        text += f" · {r['double_ups_served']}/{r['double_ups']} dbl" + ("*" if r.get("relaxed") else "")
    return f"{text} · {r['distance']:g} · {r['vehicles']}v · {r['wall_s']:g}s"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.quality",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--set", required=True, choices=sorted(SETS))
    p.add_argument("--time-limit", type=float, required=True, help="seconds per solver and instance")
    p.add_argument(
        "--peers",
        default=None,
        help="comma-separated; '' for none (default pyvrp,vroom,ortools-plain; "
        "for homecare-stress ortools-twostage,vroom,pyvrp)",
    )
    p.add_argument(
        "--solvers",
        default="",
        help="exactly these, comma-separated, carerun among them or not (overrides --peers and --no-carerun)",
    )
    p.add_argument(
        "--instances",
        default="",
        help="comma-separated names, e.g. R101,C101; 'subset8': the 8 Solomon of benchmarks/sets.py",
    )
    p.add_argument("--portfolio", action="store_true", help="also run carerun's two-process portfolio")
    p.add_argument(
        "--warm-starts",
        default="",
        help="also run carerun from these first plans instead of PyVRP's: none (OR-Tools' own), vroom",
    )
    p.add_argument("--strategies", default="", help="also run carerun with these named strategies")
    p.add_argument(
        "--iterations",
        type=int,
        default=None,
        help="iteration limit instead of time (smoke runs: same plan on any machine)",
    )
    p.add_argument("--fresh", action="store_true", help="ignore runs already in the results file")
    p.add_argument(
        "--no-carerun", action="store_true", help="peers only (a second process on the other core)"
    )
    p.add_argument(
        "--merge-from",
        default="",
        help="comma-separated results files of the same set and limit whose runs are taken as done",
    )
    p.add_argument("--out", default="", help="results file (default benchmarks/results/<set>-<limit>.json)")
    return p


if __name__ == "__main__":
    sys.exit(main())
