"""The two-process portfolio keeps the better checked plan of its workers, deterministically."""

from __future__ import annotations

import re
from pathlib import Path

from solver.analysis.check import check
from solver.engine.portfolio import WORKERS, _run, rank, solve_portfolio
from solver.engine.search import solve
from solver.io.documents import load_problem
from tests.solver.tiny import A, B, carer, problem, visit

ROOT = Path(__file__).resolve().parents[3]


def test_portfolio_keeps_the_best_worker_plan_and_is_deterministic() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "small.json")
    singles = [_run(problem, w, 60, 0, 30) for w in WORKERS]
    best = min(singles, key=lambda s: rank(problem, s))
    mixed = solve_portfolio(problem, time_limit_s=60, seed=0, solution_limit=30)
    assert check(problem, mixed) == []
    assert rank(problem, mixed) == rank(problem, best)
    assert mixed.kpis.travel_s == min(
        s.kpis.travel_s for s in singles if rank(problem, s)[:4] == rank(problem, best)[:4]
    )
    assert mixed.solver.engine == "ortools-portfolio"
    assert any(n.startswith("portfolio: kept worker") for n in mixed.solver.notes)
    again = solve_portfolio(problem, time_limit_s=60, seed=0, solution_limit=30)
    assert again.runs == mixed.runs


def test_a_plan_that_breaks_a_rule_ranks_below_a_checked_one_whatever_its_travel() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "small.json")
    full = solve(problem, time_limit_s=60, solution_limit=5)
    assert rank(problem, full)[0] == 0
    shorter = full.model_copy(update={"runs": full.runs[1:]})  # drops a run: visits lost, KPIs wrong
    assert rank(problem, shorter) > rank(problem, full)


def test_the_workers_pyvrp_rounds_never_share_a_seed() -> None:
    # a two-visit day: each round stalls after its minimum, so a solution limit of 100 runs
    # several; each worker's note names the seeds its rounds used
    day = problem([carer("a"), carer("b")], [visit("v1", at=A), visit("v2", at=B)])
    ranges = []
    for worker in WORKERS:
        note = _run(day, worker, 60, 0, 100).solver.notes[0]
        first, last = re.search(r"seeds (\d+)-(\d+)", note).groups()  # type: ignore[union-attr]
        ranges.append(range(int(first), int(last) + 1))
    assert len(ranges[0]) > 1 and not set(ranges[0]) & set(ranges[1])
