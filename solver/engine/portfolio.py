"""A portfolio over both cores: two engine runs with different strategies and seeds, best kept.

OR-Tools' routing search runs on one thread, so a second core is idle during a solve. Guided
local search from one start is deterministic; a second process with another strategy and seed
(so, on a day PyVRP can express, another run of PyVRP's search as its first plan, see
``solver/engine/warmstart.py``) explores a different part of the space in the same wall time. Every
worker's plan is checked by ``solver/analysis/check.py``; the kept plan is the checked one that serves
the most visits by priority, then travels least. With a solution limit each worker is
deterministic, so the portfolio is too.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from solver.analysis.check import check
from solver.engine.compiled import PRIORITY_RANK
from solver.engine.search import solve
from solver.model.problem import Problem, Solution
from solver.travel.valhalla import checkable

START_UP_S = 0.3  # a worker's process start and imports, taken off its time limit


@dataclass(frozen=True)
class Worker:
    strategy: str
    seed_offset: int
    warm_start: str | None = None  # None: the problem's option (PyVRP's plan where it applies)


# The second worker's seed is far from the first's: where PyVRP plans the day, each worker's
# PyVRP searches in rounds from seeds seed, seed + 1, ... (solver/engine/hgs.py), and a seed
# one apart would have the second worker repeat the first worker's second round, iteration for
# iteration. A round runs at least 1,000 iterations, so rounds a million seeds apart would take
# days of search to meet.
SECOND_SEED = 1_000_003

# The single-thread engine first, so that a tie keeps its plan; the second worker's other seed
# gives PyVRP another search where the day allows, and its stronger guided-local-search penalty
# a different path from OR-Tools' construction where it does not.
WORKERS: tuple[Worker, ...] = (Worker("gls", 0), Worker("gls-l0.3", SECOND_SEED))


def _run(
    problem: Problem, worker: Worker, time_limit_s: float, seed: int, solution_limit: int | None
) -> Solution:
    return solve(
        problem,
        time_limit_s=time_limit_s,
        seed=seed + worker.seed_offset,
        solution_limit=solution_limit,
        strategy=worker.strategy,
        warm_start=worker.warm_start,
    )


def rank(problem: Problem, solution: Solution) -> tuple[int, ...]:
    """Lower is better: a plan that breaks a rule last, then unserved visits by priority, then travel."""
    priority = {v.id: PRIORITY_RANK[v.priority] for v in problem.visits}
    missed = [0, 0, 0]
    for u in solution.unassigned:
        missed[priority[u.visit_id]] += 1
    return (1 if check(checkable(problem), solution) else 0, *missed, solution.kpis.travel_s)


def solve_portfolio(
    problem: Problem,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    workers: tuple[Worker, ...] = WORKERS,
) -> Solution:
    """Solve with every worker in its own process at once; keep the best checked plan."""
    started = time.monotonic()
    limit = float(time_limit_s if time_limit_s is not None else problem.options.time_limit_s)
    base_seed = seed if seed is not None else problem.options.seed
    each = max(limit - START_UP_S, 0.2)
    context = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(max_workers=len(workers), mp_context=context) as pool:
        futures = [pool.submit(_run, problem, w, each, base_seed, solution_limit) for w in workers]
        solutions = [f.result() for f in futures]
    ranks = [rank(problem, s) for s in solutions]
    best = min(range(len(workers)), key=lambda i: ranks[i])
    chosen = solutions[best]
    note = (
        f"portfolio: kept worker {best} (strategy {workers[best].strategy}) of {len(workers)}; "
        + ", ".join(
            f"{w.strategy}: travel {s.kpis.travel_s} s, {len(s.unassigned)} out"
            for w, s in zip(workers, solutions, strict=True)
        )
    )
    info = chosen.solver.model_copy(
        update={
            "engine": "ortools-portfolio",
            "wall_s": round(time.monotonic() - started, 3),
            "notes": [*chosen.solver.notes, note],
        }
    )
    return chosen.model_copy(update={"solver": info})
