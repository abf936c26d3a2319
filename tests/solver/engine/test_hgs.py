"""PyVRP's plan of a compiled day: carers grouped by kind, routes mapped back, priorities kept."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.feasibility import evaluate
from solver.engine.compiled import compile_problem
from solver.engine.hgs import Fleet, pyvrp_routes
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
