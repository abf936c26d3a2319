"""PyVRP's iterated local search on a compiled day, as routes per carer.

The engine's guided local search, started from OR-Tools' cheapest insertion, ends 3-5% above
the best known on the classic time-window sets within seconds; PyVRP's iterated local search
gets within a fraction of a percent in the same time (``benchmarks/results/solomon-10.json``).
So on a day PyVRP can express (:func:`solver.engine.warmstart.expressible`) its plan is the
engine's, or (where the objective prices paid waiting, which PyVRP does not) its first solution,
from which OR-Tools searches on under the full model. Carers with the
same home, shift, capacity and travel mode form one PyVRP vehicle type, which lets its route
operators treat them as interchangeable. PyVRP searches in rounds from new seeds, each ended
by its own stall (``Stalled``), and the best round's plan is kept.

A leg with no route reaches PyVRP as ``UNREACHABLE_S`` seconds, more than any time window
allows, so a plan that drives one is infeasible and never returned. Measured on R101 and
R1_2_1 with 5-30% of legs null, this warm start still beats OR-Tools' own first plan, so days
with null legs keep it.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.engine.compiled import UNLIMITED, Compiled
from solver.engine.deadline import Deadline

Routes = list[list[int]]  # per carer, visit indices in order
MAX_RUNTIME_S = 10.0**7  # PyVRP's runtime limit for "no time limit"
# A stall ends a round of PyVRP's search only after at least this many iterations without a
# better plan, and ROUND_PER_VISIT per visit on a bigger day: early on, PyVRP searches among
# plans that break a window, and its best feasible plan may stand still for a while (1,200
# iterations on R1_4_1, seed 0, before it improved again)
MIN_ROUND = 1_000
ROUND_PER_VISIT = 10
MIN_ROUND_S = 0.2  # seconds worth starting another round for
# PyVRP prices a plan that breaks a window or a capacity at its largest integer cost
INFEASIBLE_COST = 2**62


@dataclass
class Rounds:
    """What PyVRP's rounds did, for ``solver.notes``: how many ran (from seeds ``seed``,
    ``seed + 1``, ...) and the seed of the one whose plan was kept (None if none was feasible)."""

    ran: int = 0
    kept_seed: int | None = None


@dataclass(frozen=True)
class Fleet:
    """Carers grouped into PyVRP vehicle types: ``types[t]`` lists the carers of type t."""

    types: list[list[int]]

    @classmethod
    def of(cls, cp: Compiled) -> Fleet:
        groups: dict[tuple[int, ...], list[int]] = {}
        for c in range(cp.n_carers):
            key = tuple(
                int(x)
                for x in (
                    cp.c_start[c],
                    cp.c_end[c],
                    cp.c_shift_s[c],
                    cp.c_shift_e[c],
                    cp.c_capacity[c],
                    cp.c_mode[c],
                )
            )
            groups.setdefault(key, []).append(c)
        return cls(types=list(groups.values()))


def problem_data(cp: Compiled, prizes: Sequence[int], fleet: Fleet) -> Any:
    """A ``pyvrp.ProblemData`` of the day: every visit optional with its prize, travel time as
    both distance and duration (raises ImportError without pyvrp)."""
    import pyvrp

    n_places = cp.dur_by_mode[0].shape[0]
    # PyVRP numbers depots first: a depot is a place some carer starts or ends at.
    depot_places = sorted({int(p) for p in np.r_[cp.c_start, cp.c_end]})
    others = sorted(set(range(n_places)) - set(depot_places))
    order = depot_places + others
    loc_of = {p: i for i, p in enumerate(order)}
    has_load = bool(cp.v_demand.any())
    clients = [
        pyvrp.Client(
            location=loc_of[int(cp.v_place[v])],
            delivery=[int(cp.v_demand[v])] if has_load else [],
            service_duration=int(cp.v_dur[v]),
            tw_early=int(cp.v_ws[v]),
            tw_late=int(cp.v_we[v]),
            required=False,
            prize=int(prizes[v]),
        )
        for v in range(cp.n_visits)
    ]
    vehicle_types = []
    for carers in fleet.types:
        c = carers[0]
        capacity = int(cp.c_capacity[c])
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(carers),
                capacity=[min(capacity, UNLIMITED)] if has_load else [],
                start_depot=loc_of[int(cp.c_start[c])],
                end_depot=loc_of[int(cp.c_end[c])],
                tw_early=int(cp.c_shift_s[c]),
                tw_late=int(cp.c_shift_e[c]),
                profile=int(cp.c_mode[c]),
            )
        )
    idx = np.asarray(order)
    matrices: list[Any] = [np.ascontiguousarray(m[np.ix_(idx, idx)], dtype=np.int64) for m in cp.dur_by_mode]
    locations = [pyvrp.Location(x=0, y=0) for _ in order]
    depots = [pyvrp.Depot(location=i) for i in range(len(depot_places))]
    return pyvrp.ProblemData(locations, clients, depots, vehicle_types, matrices, matrices)


def pyvrp_routes(
    cp: Compiled,
    prizes: Sequence[int],
    *,
    seconds: float,
    seed: int,
    iterations: int | None = None,
    stop: Callable[[], bool] | None = None,
    until: Deadline | None = None,
    rounds: Rounds | None = None,
) -> Routes | None:
    """PyVRP's best feasible plan as visit indices per carer, or None if it found none.

    It stops after ``seconds`` or, given, ``iterations``, whichever comes first: with enough
    time the iterations end it, so a seed gives the same routes on any machine. ``stop`` and
    ``until`` (the engine's, polled at every iteration) end it early, as a cancelled API job
    or a test's clock asks.

    The search runs in rounds (:class:`Stalled`): a round that has gone as many iterations
    without a better plan as it took to find its best ends, and a fresh one starts from a new
    seed (``seed + 1``, ...) with what is left; the best plan of every round is kept. Given,
    ``rounds`` records them."""
    import pyvrp

    fleet = Fleet.of(cp)
    data = problem_data(cp, prizes, fleet)
    started = time.monotonic()
    rounds = rounds if rounds is not None else Rounds()
    best: Any = None
    best_cost = math.inf
    left_iterations = iterations
    for round_seed in itertools.count(seed):
        left_s = seconds - (time.monotonic() - started)
        stalled = Stalled(max(MIN_ROUND, ROUND_PER_VISIT * cp.n_visits))
        result = pyvrp.solve(
            data,
            stop=_criterion(left_s, left_iterations, stalled, stop, until),
            seed=round_seed,
            collect_stats=False,
            display=False,
        )
        rounds.ran += 1
        if result.cost() < best_cost:
            best, best_cost = result.best, result.cost()
            rounds.kept_seed = round_seed
        if left_iterations is not None:
            left_iterations -= stalled.iterations
        if not stalled.fired or _ended(seconds, started, left_iterations, stop, until):
            break
    if best is None:
        return None
    return routes_of(best, fleet, cp.n_carers)


def _criterion(
    seconds: float,
    iterations: int | None,
    stalled: Stalled,
    stop: Callable[[], bool] | None,
    until: Deadline | None,
) -> Any:
    """One round's PyVRP stopping criterion: the time and iterations left, a stall, the hooks."""
    from pyvrp.stop import MaxIterations, MaxRuntime

    criteria: list[Any] = [MaxRuntime(max(min(seconds, MAX_RUNTIME_S), 0.05)), stalled]
    if iterations is not None:
        criteria.append(MaxIterations(max(iterations, 1)))
    if stop is not None:
        criteria.append(_Polled(stop))
    if until is not None and (until.stop is not None or until.clock is not time.monotonic):
        criteria.append(_Polled(until.expired))
    return _Any(criteria)


def _ended(
    seconds: float,
    started: float,
    iterations: int | None,
    stop: Callable[[], bool] | None,
    until: Deadline | None,
) -> bool:
    """Whether no time, iterations or leave is left for another round."""
    out_of_time = seconds - (time.monotonic() - started) < MIN_ROUND_S
    out_of_iterations = iterations is not None and iterations < MIN_ROUND
    halted = (stop is not None and stop()) or (until is not None and until.expired())
    return out_of_time or out_of_iterations or bool(halted)


class Stalled:
    """A PyVRP stopping criterion that ends a round of the search once it has gone as many
    iterations without a better plan as it took to find its best (at least ``least``).

    PyVRP's iterated local search restarts only from its best plan, after 150,000 iterations
    without improvement. On 100-visit days at 10 s it finds its best within 1-4 s (seed 0 on
    R101, R204, R210, RC101, RC102 and RC206) and spends the rest of the limit near it; a new
    round from a new seed searches elsewhere. The rule scales with the day: a round ends only
    after as long a stall as its progress took, so a big day that keeps improving runs as one
    round (docs/engine.md, "PyVRP in rounds")."""

    def __init__(self, least: int = MIN_ROUND) -> None:
        self.least = least
        self.iterations = 0
        self.fired = False
        self._best = math.inf
        self._found = 0

    def __call__(self, best_cost: float) -> bool:
        if best_cost < self._best:
            self._best, self._found = best_cost, self.iterations
        self.iterations += 1
        feasible = self._best < INFEASIBLE_COST  # a round is never cut before its first plan
        self.fired = feasible and self.iterations - self._found > max(self.least, self._found)
        return self.fired


def routes_of(best: Any, fleet: Fleet, n_carers: int) -> Routes:
    """A PyVRP solution's routes as visit indices per carer: each route goes to the next carer
    of its vehicle type (a client's activity index is the client's, so the visit's)."""
    routes: Routes = [[] for _ in range(n_carers)]
    free = [list(carers) for carers in fleet.types]  # carers of each type not yet given a route
    for route in best.routes():
        carer = free[route.vehicle_type()].pop(0)
        routes[carer] = [int(a.idx) for a in route if a.is_client()]
    return routes


class _Polled:
    """A PyVRP stopping criterion asking a predicate of no arguments (a stop hook, a deadline)."""

    def __init__(self, stop: Callable[[], bool]) -> None:
        self.stop = stop

    def __call__(self, best_cost: int) -> bool:
        return bool(self.stop())


class _Any:
    """A PyVRP stopping criterion: stop as soon as one of ``criteria`` says so. Every one is
    asked each iteration (``MaxIterations`` counts its calls)."""

    def __init__(self, criteria: list[Callable[[int], bool]]) -> None:
        self.criteria = criteria

    def __call__(self, best_cost: int) -> bool:
        return any([c(best_cost) for c in self.criteria])
