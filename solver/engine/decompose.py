"""Decomposition for big days: split into geographic zones, solve each, merge into one plan.

OR-Tools' local search slows down with the square of the day's size (every neighbourhood spans
all runs), so a 1,000-visit day gets far fewer improving moves per second than three of 330.
Visits are clustered by place (seeded k-means on lat/lon); carers are shared out so that each
zone gets shift hours in proportion to its care hours, nearest zone first; a pinned visit
follows its carer. Each zone is an ordinary Problem solved by the engine, two zones at a time
on two cores; the zones' runs are then re-timed and diagnosed as one plan of the whole day
(``solver/engine/extract.py``), so the KPIs and reasons are those of the full problem.
Visits a zone could not serve are then inserted anywhere in the day (the construction's
repair, moving single visits aside). ``benchmarks/README.md`` has what decomposition gave on
``large.json``.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from numpy.typing import NDArray

from solver.engine.compiled import Compiled, compile_problem
from solver.engine.construct import Nodes, plan_from_runs, repair
from solver.engine.deadline import Deadline
from solver.engine.extract import build_solution
from solver.engine.search import solve
from solver.model.problem import Problem, Solution

Runs = list[list[tuple[int, int]]]
ZONE_VISITS = 500  # a zone's largest size; days up to this size are not decomposed
KMEANS_ROUNDS = 25


def kmeans(points: NDArray[np.float64], k: int, seed: int) -> NDArray[np.int64]:
    """Zone of each point: Lloyd's algorithm from a seeded k-means++ start (deterministic)."""
    rng = np.random.default_rng(seed)
    centres = [points[int(rng.integers(len(points)))]]
    for _ in range(1, k):
        d2 = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        total = float(d2.sum())
        pick = int(rng.choice(len(points), p=d2 / total)) if total > 0 else int(rng.integers(len(points)))
        centres.append(points[pick])
    centre = np.array(centres)
    label = np.zeros(len(points), dtype=np.int64)
    for _ in range(KMEANS_ROUNDS):
        label = np.argmin(((points[:, None, :] - centre[None, :, :]) ** 2).sum(axis=2), axis=1)
        for z in range(k):
            if (label == z).any():
                centre[z] = points[label == z].mean(axis=0)
    return label


def zones(problem: Problem, k: int, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """(carer indices, visit indices) of each of ``k`` zones; every carer and visit in one zone."""
    pts = np.array([[v.location.lat, v.location.lon] for v in problem.visits], dtype=np.float64)
    label = kmeans(pts, k, seed)
    centre = np.array(
        [pts[label == z].mean(axis=0) if (label == z).any() else pts.mean(axis=0) for z in range(k)]
    )
    care = np.array(
        [
            sum(
                v.duration_s * v.carers_required
                for v, z2 in zip(problem.visits, label, strict=True)
                if z2 == z
            )
            for z in range(k)
        ],
        dtype=np.float64,
    )
    hours = np.array([c.shift.end - c.shift.start for c in problem.carers], dtype=np.float64)
    target = hours.sum() * care / max(care.sum(), 1.0)
    homes = np.array([[c.start.lat, c.start.lon] for c in problem.carers], dtype=np.float64)
    dist = ((homes[:, None, :] - centre[None, :, :]) ** 2).sum(axis=2)
    # carers with the clearest nearest zone choose first; a full zone passes them on
    regret = np.sort(dist, axis=1)[:, min(1, k - 1)] - dist.min(axis=1)
    carer_zone = np.zeros(len(problem.carers), dtype=np.int64)
    supply = np.zeros(k)
    for c in np.argsort(-regret, kind="stable"):
        order = np.argsort(dist[c], kind="stable")
        z = next((int(z) for z in order if supply[z] + hours[c] <= target[z] * 1.05), int(order[0]))
        carer_zone[c] = z
        supply[z] += hours[c]
    index = {c.id: i for i, c in enumerate(problem.carers)}
    for v, visit in enumerate(problem.visits):
        if visit.pinned_carer is not None and visit.pinned_carer in index:
            label[v] = carer_zone[index[visit.pinned_carer]]
    _keep_linked_together(problem, label)
    return [
        ([int(c) for c in np.flatnonzero(carer_zone == z)], [int(v) for v in np.flatnonzero(label == z)])
        for z in range(k)
        if (label == z).any() or (carer_zone == z).any()
    ]


def _keep_linked_together(problem: Problem, label: NDArray[np.int64]) -> None:
    """A visit and the visits it must follow (``after``) share a zone: the later one's."""
    index = {v.id: i for i, v in enumerate(problem.visits)}
    for _ in range(len(problem.visits)):
        moved = False
        for v, visit in enumerate(problem.visits):
            for link in visit.after:
                w = index[link.visit_id]
                if label[w] != label[v]:
                    label[w], moved = label[v], True
        if not moved:
            return


def _sub(problem: Problem, carers: list[int], visits: list[int], z: int) -> Problem:
    return problem.model_copy(
        update={
            "id": f"{problem.id}-zone{z}",
            "carers": [problem.carers[c] for c in carers],
            "visits": [problem.visits[v] for v in visits],
        }
    )


def _solve_zone(
    problem: Problem, time_limit_s: float, seed: int, solution_limit: int | None, attempts: int | None
) -> Solution:
    return solve(
        problem, time_limit_s=time_limit_s, seed=seed, solution_limit=solution_limit, attempts=attempts
    )


def solve_decomposed(
    problem: Problem,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    zone_visits: int = ZONE_VISITS,
    processes: int = 2,
    attempts: int | None = None,
) -> Solution:
    """Plan ``problem`` zone by zone (``processes`` zones at a time); small days in one piece.
    ``attempts`` goes to each zone's solve (``solver.engine.solve``)."""
    started = time.monotonic()
    limit = float(time_limit_s if time_limit_s is not None else problem.options.time_limit_s)
    base_seed = seed if seed is not None else problem.options.seed
    processes = max(processes, 1)
    # a multiple of the processes, so that no core idles through a last lone zone
    k = processes * math.ceil(len(problem.visits) / (zone_visits * processes))
    if len(problem.visits) <= zone_visits or len(problem.carers) < 2:
        return _solve_zone(problem, limit, base_seed, solution_limit, attempts)
    parts = zones(problem, k, base_seed)
    waves = math.ceil(len(parts) / processes)
    each = max((limit * 0.9 - 1.0) / waves, 0.5)  # room for the cross-zone repair and re-timing
    subs = [_sub(problem, carers, visits, z) for z, (carers, visits) in enumerate(parts)]
    if processes == 1:  # in this process: a pool worker (simulator, Dask) may not start children
        solutions = [
            _solve_zone(s, each, base_seed + z, solution_limit, attempts) for z, s in enumerate(subs)
        ]
    else:
        context = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            futures = [
                pool.submit(_solve_zone, s, each, base_seed + z, solution_limit, attempts)
                for z, s in enumerate(subs)
            ]
            solutions = [f.result() for f in futures]
    return _merge(problem, solutions, started, base_seed, limit, len(parts))


def _repair_across_zones(
    cp: Compiled, nodes: Nodes, runs: Runs, hints: list[list[int]], seed: int, deadline: Deadline
) -> tuple[Runs, list[list[int]], int]:
    """Visits a zone left out, inserted into any carer's run of the whole day (zones had too few
    carers at that hour, or none with the skill)."""
    served = {int(nodes.visit[n]) for run in runs for n, _ in run}
    missing = [v for v in range(cp.n_visits) if v not in served]
    plan = plan_from_runs(cp, nodes, runs) if missing else None
    if plan is None:
        return runs, hints, 0
    left = repair(cp, nodes, plan, missing, seed=seed, deadline=deadline, hard=deadline)
    out_runs, out_hints = plan.timed_runs()
    return out_runs, out_hints, len(missing) - len(left)


def _merge(
    problem: Problem, solutions: list[Solution], started: float, seed: int, limit: float, k: int
) -> Solution:
    """The zones' runs as runs of the whole problem, re-timed and diagnosed by ``extract``."""
    cp = compile_problem(problem)
    nodes = Nodes.of(cp)
    carer = {c.id: i for i, c in enumerate(problem.carers)}
    visit = {v.id: i for i, v in enumerate(problem.visits)}
    copies_used = [0] * cp.n_visits
    runs: Runs = [[] for _ in range(cp.n_carers)]
    hints: list[list[int]] = [[] for _ in range(cp.n_carers)]
    for solution in solutions:
        for run in solution.runs:
            c = carer[run.carer_id]
            for stop in run.stops:
                v = visit[stop.visit_id]
                runs[c].append((nodes.of_visit[v][copies_used[v]], int(stop.start)))
                copies_used[v] += 1
            hints[c] = [int(b.start) for b in run.breaks]
    until = Deadline(started + limit)
    runs, hints, repaired = _repair_across_zones(cp, nodes, runs, hints, seed, until)
    notes = [f"decomposed into {k} zones, solved two at a time; {repaired} visits placed across zones"]
    for z, s in enumerate(solutions):
        notes.append(f"zone {z}: {s.kpis.visits_assigned}/{s.kpis.visits} visits, travel {s.kpis.travel_s} s")
    return build_solution(
        cp,
        nodes,
        runs,
        hints,
        engine="ortools-decomposed",
        wall_s=time.monotonic() - started,
        seed=seed,
        objective=None,
        time_limit_s=limit,
        notes=notes,
        first_solution=solutions[0].solver.first_solution or "none",
        until=until,
    )
