"""PyVRP's plan of a compiled day: carers grouped by kind, routes mapped back, priorities kept."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.feasibility import evaluate
from solver.engine.compiled import compile_problem
from solver.engine.hgs import INFEASIBLE_COST, MIN_ROUND, Fleet, Stalled, pyvrp_routes
from solver.engine.search import penalties
from solver.io.classic import read_solomon
from tests.solver.tiny import A, B, carer, problem, visit

ROOT = Path(__file__).resolve().parents[3]


def test_identical_carers_form_one_vehicle_type() -> None:
    cp = compile_problem(read_solomon(ROOT / "instances" / "solomon" / "R101.txt"))
    assert Fleet.of(cp).types == [list(range(cp.n_carers))]
    day = problem(
        [carer("a"), carer("b"), carer("c", shift={"start": "08:00", "end": "14:00"})],
        [visit("v1")],
    )
    assert Fleet.of(compile_problem(day)).types == [[0, 1], [2]]


def test_routes_serve_every_visit_feasibly_and_are_reproducible() -> None:
    cp = compile_problem(read_solomon(ROOT / "instances" / "solomon" / "R101.txt"))
    routes = pyvrp_routes(cp, penalties(cp), seconds=60, seed=0, iterations=300)
    assert routes is not None and len(routes) == cp.n_carers
    assert sorted(v for run in routes for v in run) == list(range(cp.n_visits))
    assert evaluate(cp, routes).feasible
    assert pyvrp_routes(cp, penalties(cp), seconds=60, seed=0, iterations=300) == routes


def test_when_one_carer_can_serve_only_one_visit_the_critical_one_is_kept() -> None:
    # v1 and v2 both need 09:00-10:00 exactly (60 min): one carer can do one of them
    day = problem(
        [carer("a")],
        [
            visit("v1", at=A, start="09:00", end="09:00", minutes=60, priority="low"),
            visit("v2", at=B, start="09:00", end="09:00", minutes=60, priority="critical"),
        ],
    )
    cp = compile_problem(day)
    routes = pyvrp_routes(cp, penalties(cp), seconds=60, seed=0, iterations=200)
    assert routes == [[1]]


def test_the_callers_stop_ends_the_search_early() -> None:
    cp = compile_problem(read_solomon(ROOT / "instances" / "solomon" / "R101.txt"))
    started = time.monotonic()
    pyvrp_routes(cp, penalties(cp), seconds=60, seed=0, stop=lambda: True)
    assert time.monotonic() - started < 10


def test_a_round_ends_once_it_has_stalled_as_long_as_its_progress_took() -> None:
    # a better plan on every call up to call 1,499 (counting from 0), then none: the round
    # ends on call 2,998, the 1,499th call without one
    stalled = Stalled()
    fired = [stalled(float(3_000 - i) if i < 1_500 else 1_501.0) for i in range(4_000)]
    assert fired.index(True) == 2_998
    assert stalled.iterations == 4_000


def test_a_round_runs_at_least_min_round_iterations() -> None:
    stalled = Stalled()
    fired = [stalled(100.0) for _ in range(MIN_ROUND + 2)]
    assert fired.index(True) == MIN_ROUND  # the first call's plan, then MIN_ROUND without better


def test_rounds_from_new_seeds_keep_the_best_plan_and_are_reproducible() -> None:
    # the two-visit day's best plan is found at once, so each round stalls after MIN_ROUND
    # iterations and several rounds run within the limit
    day = problem([carer("a"), carer("b")], [visit("v1", at=A), visit("v2", at=B)])
    cp = compile_problem(day)
    routes = pyvrp_routes(cp, penalties(cp), seconds=60, seed=0, iterations=5 * MIN_ROUND)
    assert routes is not None and sorted(v for run in routes for v in run) == [0, 1]
    assert pyvrp_routes(cp, penalties(cp), seconds=60, seed=0, iterations=5 * MIN_ROUND) == routes


def test_a_round_is_never_cut_before_it_finds_a_feasible_plan() -> None:
    stalled = Stalled()
    assert not any(stalled(float(INFEASIBLE_COST)) for _ in range(10 * MIN_ROUND))


def test_a_round_on_a_bigger_day_waits_longer_before_a_stall_ends_it() -> None:
    stalled = Stalled(least=5 * MIN_ROUND)
    fired = [stalled(100.0) for _ in range(5 * MIN_ROUND + 2)]
    assert fired.index(True) == 5 * MIN_ROUND
