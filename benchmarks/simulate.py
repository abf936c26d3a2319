"""The zone study at county level, timed: ``carerun simulate`` with replicates, on the local pool
or on a Dask LocalCluster reached through ``--scheduler``, written to
``benchmarks/results/simulate-NAME.json`` (the table with 90% intervals, the paired differences,
machine, versions, command, load average, seconds per replicate).

    flock /tmp/carerun-bench.lock python -m benchmarks.simulate --name reduced --scale 0.1 \\
        --replicates 3 --out out/sim-reduced [--dask 2]

A run stopped by ``timeout -s INT`` keeps its finished solves; the same command resumes it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from solver.simulate.config import DEFAULT_DESIGNS, Outcome, SimConfig
from solver.simulate.execution import Cache, Interrupted
from solver.simulate.fleet import SolveSettings
from solver.simulate.run import simulate

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--designs", default=",".join(DEFAULT_DESIGNS))
    parser.add_argument("--providers", default="1,3")
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--solution-limit", type=int, default=30)
    parser.add_argument("--dask", type=int, default=0, help="run on a LocalCluster of this many workers")
    parser.add_argument(
        "--partial-of", type=Path, help="only write what the stopped study in this folder reached"
    )
    parser.add_argument(
        "--recost-of", type=Path, help="only time `carerun simulate --recost` on the study in this folder"
    )
    parser.add_argument("--repeat", type=int, default=3, help="re-costings timed (with --recost-of)")
    args = parser.parse_args()
    if args.recost_of is not None:
        print(time_recost(args.name, args.recost_of, args.repeat))
        return
    if args.partial_of is not None:
        print(
            write_partial(
                args.name, args.partial_of, "python -m benchmarks.simulate " + " ".join(sys.argv[1:])
            )
        )
        return
    if args.out is None:
        parser.error("--out is required")
    config = SimConfig(
        out=args.out,
        designs=args.designs.split(","),
        providers=[int(m) for m in args.providers.split(",")],
        replicates=args.replicates,
        seed=args.seed,
        scale=args.scale,
        workers=args.workers,
        settings=SolveSettings(solution_limit=args.solution_limit),
    )
    started = time.monotonic()
    try:
        outcome = _run(config, args.dask)
    except Interrupted as stop:
        print(f"{stop} after {time.monotonic() - started:.0f} s; finished solves are cached: rerun to resume")
        write_partial(args.name, args.out, " ".join(["python -m benchmarks.simulate", *sys.argv[1:]]))
        raise SystemExit(128 + stop.signum) from None
    wall = time.monotonic() - started
    document = json.loads((args.out / "table.json").read_text(encoding="utf-8"))
    document["meta"] |= {
        "command": " ".join(["python -m benchmarks.simulate", *sys.argv[1:]]),
        "executor": f"dask LocalCluster ({args.dask} workers)"
        if args.dask
        else f"local pool ({args.workers})",
        "harness_wall_s": round(wall, 1),
        "loadavg_end": os.getloadavg(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"simulate-{args.name}.json").write_text(
        json.dumps(document, indent=2) + "\n", encoding="utf-8"
    )
    print(
        f"{wall:.1f} s wall, {wall / args.replicates:.1f} s per replicate; {len(outcome.computed)} solved, "
        f"{len(outcome.cached)} cached; load {document['meta']['loadavg_before']} -> {os.getloadavg()}"
    )


def write_partial(name: str, out: Path, command: str) -> Path:
    """What a stopped study reached: per finished provider its size and solve time, and the
    seconds of one core per visit by design and m, to ``results/simulate-NAME-partial.json``
    (``python -m benchmarks.simulate --partial-of OUT --name NAME`` writes it again)."""
    from benchmarks.env import machine

    study = json.loads((out / "study.json").read_text(encoding="utf-8"))
    cache = Cache(out)
    keys = ("design", "m", "zone", "provider", "replicate", "visits", "wall_s", "probes", "confirms")
    keys += ("met_target",)
    rows = [
        {k: task[k] for k in keys} | {"violations": len(task["violations"])}
        for task in filter(None, map(cache.summary, cache.finished()))
    ]
    cells = sorted({(r["design"], r["m"]) for r in rows})
    rate = {
        f"{d} m={m}": round(
            sum(r["wall_s"] for r in rows if (r["design"], r["m"]) == (d, m))
            / sum(r["visits"] for r in rows if (r["design"], r["m"]) == (d, m)),
            4,
        )
        for d, m in cells
    }
    document = {
        "what": "a study stopped before it ended: the providers it finished and their solve times",
        "command": command,
        "tasks_total": len(study["tasks"]),
        "tasks_done": len(rows),
        "visits_done": sum(r["visits"] for r in rows),
        "task_seconds": round(sum(r["wall_s"] for r in rows), 1),
        "core_s_per_visit": rate,
        "violations": sum(r["violations"] for r in rows),
        "settings": study["settings"],
        "loadavg_now": os.getloadavg(),
        "machine": machine(),
        "tasks": rows,
    }
    target = RESULTS / f"simulate-{name}-partial.json"
    target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return target


WHAT_IF = ("--recost", "--real-living-wage", "--fee", "25.50")


def time_recost(name: str, out: Path, repeat: int) -> Path:
    """A wage-and-fee what-if on a finished study, timed as a user runs it: the whole
    ``carerun simulate --out OUT --recost ...`` process, ``repeat`` times, with the load before
    each, to ``results/simulate-NAME-recost.json``."""
    from benchmarks.env import machine

    command = [sys.executable, "-m", "solver.cli", "simulate", "--out", str(out), *WHAT_IF]
    runs = []
    for _ in range(repeat):
        load = os.getloadavg()
        began = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the re-costing failed (exit {done.returncode}): {done.stderr[-500:]}")
        took = round(time.monotonic() - began, 2)
        # reading and tabulating, before the report is written
        inside = json.loads((out / "table.json").read_text(encoding="utf-8"))["meta"]["wall_s"]
        runs.append({"process_s": took, "recost_s": inside, "loadavg_before": load})
    study = json.loads((out / "study.json").read_text(encoding="utf-8"))
    document = {
        "what": "a wage and fee what-if re-costing a finished study from its cache, no solve",
        "command": "carerun simulate --out OUT " + " ".join(WHAT_IF),
        "tasks": len(study["tasks"]),
        "process_s": [r["process_s"] for r in runs],
        "runs": runs,
        "machine": machine(),
    }
    target = RESULTS / f"simulate-{name}-recost.json"
    target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return target


def _run(config: SimConfig, dask_workers: int) -> Outcome:
    """The study on the local pool, or on a LocalCluster of ``dask_workers`` through its address."""
    if not dask_workers:
        return simulate(config)
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=dask_workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        config.scheduler = cluster.scheduler_address
        return simulate(config)


if __name__ == "__main__":
    main()
