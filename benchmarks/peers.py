"""The peers carerun is measured against, each fed the same compiled instance.

Every peer gets the integer travel-time matrices of :mod:`solver.engine.compiled` (for the classic
sets these are the DIMACS ``floor(10 * euclid)`` arcs, so time and distance are one number),
the same windows, service times, shifts, homes and capacities, and minimises travel only, on
one thread, within the same time limit. A peer returns routes as visit indices per carer;
:mod:`benchmarks.feasibility` checks them, not the peer. A full-rules peer
(:data:`FULL_PEERS`, ``benchmarks/twostage.py``) is given the whole day instead and returns a
contract Solution, which ``solver/analysis/check.py`` judges as it judges carerun's.

PyVRP and VROOM come from the optional ``bench`` extra (``pip install -e ".[bench]"``); a
peer whose package is missing is reported as such, never silently skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from benchmarks.twostage import TwoStageRun, run_ortools_twostage
from solver.engine.compiled import UNLIMITED, Compiled
from solver.engine.hgs import Fleet, problem_data, routes_of
from solver.engine.strategies import apply as apply_strategy
from solver.engine.warmstart import vroom_input
from solver.model.problem import Problem
from solver.provenance import versions

Routes = list[list[int]]  # per carer, visit indices in order


@dataclass
class PeerRun:
    routes: Routes
    wall_s: float
    version: str


class PeerMissing(RuntimeError):
    """The peer's package is not installed (install the ``bench`` extra)."""


def _capacity(cp: Compiled, c: int) -> int | None:
    cap = int(cp.c_capacity[c])
    return None if cap >= UNLIMITED else cap


# --------------------------------------------------------------------------- PyVRP


def run_pyvrp(cp: Compiled, time_limit_s: float, seed: int = 0, iterations: int | None = None) -> PeerRun:
    """PyVRP's iterated local search; carers alike in home, shift, capacity and mode form one
    vehicle type, one profile per travel mode (the adapter carerun's warm start uses too)."""
    try:
        import pyvrp
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria
    except ImportError as exc:
        raise PeerMissing("pyvrp is not installed: pip install -e '.[bench]'") from exc
    started = time.monotonic()
    fleet = Fleet.of(cp)
    data = problem_data(cp, [_prize(cp)] * cp.n_visits, fleet)
    left = max(time_limit_s - (time.monotonic() - started), 0.1)
    stop = (
        MaxRuntime(left)
        if iterations is None
        else MultipleCriteria([MaxRuntime(left), MaxIterations(iterations)])
    )
    result = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, display=False)  # type: ignore[arg-type]
    routes = routes_of(result.best, fleet, cp.n_carers)  # judged by benchmarks/feasibility.py
    return PeerRun(routes, time.monotonic() - started, package_version("pyvrp"))


def _prize(cp: Compiled) -> int:
    """A prize above any travel saving, so a visit is dropped only if it cannot be served."""
    return int(4 * max(int(m.max()) for m in cp.dur_by_mode) + 10_000)


# --------------------------------------------------------------------------- VROOM


def run_vroom(cp: Compiled, time_limit_s: float, seed: int = 0, iterations: int | None = None) -> PeerRun:
    """VROOM at its highest exploration level, one thread, the limit as its timeout.

    VROOM has no iteration count: with ``iterations`` (smoke runs) it explores at level 0."""
    try:
        import vroom  # noqa: F401
    except ImportError as exc:
        raise PeerMissing("pyvroom is not installed: pip install -e '.[bench]'") from exc
    del seed  # VROOM is deterministic
    started = time.monotonic()
    problem = vroom_input(cp)  # the same adapter as carerun's warm start
    left = max(time_limit_s - (time.monotonic() - started), 0.1)
    level = 5 if iterations is None else 0
    solution = problem.solve(exploration_level=level, nb_threads=1, timeout=timedelta(seconds=left))
    routes: Routes = [[] for _ in range(cp.n_carers)]
    for route in solution.to_dict()["routes"]:
        routes[int(route["vehicle"])] = [int(s["id"]) for s in route["steps"] if s["type"] == "job"]
    return PeerRun(routes, time.monotonic() - started, package_version("pyvroom"))


# --------------------------------------------------------------------------- plain OR-Tools


def run_ortools_plain(
    cp: Compiled,
    time_limit_s: float,
    seed: int = 0,
    iterations: int | None = None,
    strategy: str | None = None,
) -> PeerRun:
    """OR-Tools built the obvious way: parallel cheapest insertion, then guided local search.

    The baseline carerun must beat: one vehicle per carer, travel-time matrix as arc cost,
    a time dimension with windows, capacity if any, optional visits with a large penalty."""
    del seed  # OR-Tools' routing search is deterministic
    started = time.monotonic()
    n, k = cp.n_visits, cp.n_carers
    place = np.concatenate([cp.v_place, cp.c_start, cp.c_end]).astype(np.int64)
    service = np.concatenate([cp.v_dur, np.zeros(2 * k, dtype=np.int64)])
    manager = pywrapcp.RoutingIndexManager(n + 2 * k, k, list(range(n, n + k)), list(range(n + k, n + 2 * k)))
    routing = pywrapcp.RoutingModel(manager)
    time_cbs = []
    for m, travel in enumerate(cp.dur_by_mode):
        arc = travel[np.ix_(place, place)]
        cost = routing.RegisterTransitMatrix(arc.tolist())
        time_cbs.append(routing.RegisterTransitMatrix((arc + service[:, None]).tolist()))
        for c in np.flatnonzero(cp.c_mode == m):
            routing.SetArcCostEvaluatorOfVehicle(cost, int(c))
    horizon = int(max(cp.c_shift_e.max(), cp.v_we.max() if n else 0)) + 1
    routing.AddDimensionWithVehicleTransitAndCapacity(
        [time_cbs[int(m)] for m in cp.c_mode], horizon, [horizon] * k, False, "time"
    )
    dim = routing.GetDimensionOrDie("time")
    for v in range(n):
        dim.CumulVar(manager.NodeToIndex(v)).SetRange(int(cp.v_ws[v]), int(cp.v_we[v]))
        routing.AddDisjunction([manager.NodeToIndex(v)], _prize(cp))
    for c in range(k):
        for index in (routing.Start(c), routing.End(c)):
            dim.CumulVar(index).SetRange(int(cp.c_shift_s[c]), int(cp.c_shift_e[c]))
    if cp.v_demand.any():
        load = routing.RegisterUnaryTransitVector([int(x) for x in np.r_[cp.v_demand, np.zeros(2 * k)]])
        caps = [_capacity(cp, c) or 10**9 for c in range(k)]
        routing.AddDimensionWithVehicleCapacity(load, 0, caps, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    if strategy is not None:  # experiments only (benchmarks/tune.py); the peer is plain GLS
        apply_strategy(params, strategy)
    left = max(time_limit_s - (time.monotonic() - started), 0.1)
    params.time_limit.FromMilliseconds(int(left * 1000))
    if iterations is not None:
        params.solution_limit = iterations
    assignment = routing.SolveWithParameters(params)
    routes: Routes = [[] for _ in range(k)]
    if assignment is not None:
        for c in range(k):
            index = assignment.Value(routing.NextVar(routing.Start(c)))
            while not routing.IsEnd(index):
                routes[c].append(manager.IndexToNode(index))
                index = assignment.Value(routing.NextVar(index))
    return PeerRun(routes, time.monotonic() - started, package_version("ortools"))


def package_version(package: str) -> str:
    return versions((package,))[package] or "unknown"


PEERS: dict[str, Callable[[Compiled, float, int, int | None], PeerRun]] = {
    "pyvrp": run_pyvrp,
    "vroom": run_vroom,
    "ortools-plain": run_ortools_plain,
}
# Peers that plan a day under its full rules and return a contract Solution for the checker.
FULL_PEERS: dict[str, Callable[[Problem, float, int, int | None], TwoStageRun]] = {
    "ortools-twostage": run_ortools_twostage,
    # the same model with promised times unpriced: what the peer did before it priced them
    "ortools-twostage-travel": partial(run_ortools_twostage, promises=False),
}
