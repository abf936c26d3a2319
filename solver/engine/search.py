"""The OR-Tools engine: a validated Problem in, a Solution out, nothing about files or HTTP.

Entry point: ``solve(problem, ...)``, exported by ``solver.engine`` with ``FirstPlan``. Keyword
arguments beat the problem's own options (time limit, seed, solution limit, warm start); ``stop``
ends the search early with the best plan so far, ``progress`` hears of each round.

Where the search starts, first match wins:
- ``first_plan``: a caller's plan (a published rota, say), double-ups included. What of it is
  timeable within the rules is kept, what is missing is inserted, and one round of search
  starts from it. If nothing of it can be timed, the engine constructs its own plan as below
  and says so in ``solver.notes``.
- ``initial_routes`` (visit indices per carer, days without double-ups only), or a warm start
  from PyVRP's plan where the day allows (``warm_start``, see ``solver/engine/warmstart.py``).
  Where PyVRP plans under the engine's own objective its plan, with any visit it left out
  repaired in where one fits, is the solve's and no search follows.
- The pair-aware insertion of ``construct.py`` (OR-Tools' own heuristics cannot place a
  synchronised pair), or OR-Tools' parallel cheapest insertion when there is no double-up.

Model: one vehicle per carer with its own home and end; one node per visit copy (two for a
double-up, tied by equal start, different carers, both-or-neither); transits registered as
matrices and unary vectors so no Python runs per arc during search. Guided local search (or a
``strategy`` of ``strategies.py``) improves the first plan; between rounds, visits still out are
re-inserted where search made room.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.analysis.check import check
from solver.engine.compiled import UNLIMITED, Compiled, compile_problem
from solver.engine.construct import (
    Builder,
    Nodes,
    Plan,
    construct,
    plan_from_runs,
    repair,
    route_travel,
    runs_soft_cost,
    score,
)
from solver.engine.deadline import Deadline
from solver.engine.diagnose import TIMED_OUT
from solver.engine.extract import BreakPlacementError, build_solution
from solver.engine.firstplan import FirstPlan, seed_plan
from solver.engine.hgs import Rounds
from solver.engine.lns import (
    LNS_MIN_NODES,
    LNS_NOTE,
    LNS_SHARE,
    MaxIterations,
    full_rules,
    improve_plan,
    left_out,
    search_note,
)
from solver.engine.strategies import apply as apply_strategy
from solver.engine.warmstart import RUN_TO_DEADLINE, pyvrp_alone, warm_routes
from solver.model.clock import DAY_S
from solver.model.problem import Problem, Solution
from solver.travel import UNREACHABLE_S
from solver.travel.valhalla import checkable

Progress = Callable[[float], None]
Runs = list[list[tuple[int, int]]]
FIRST_ROUND_SHARE = 0.6
MIN_ROUND_S = 0.5
REPAIR_SHARE = 0.3  # of the time left, moving visits aside before carerun's own search
RUINS_PER_SOLUTION = 40  # ruin-and-recreate rounds per engine solution, when runs must be reproducible
# Room kept at the end of a solve for re-timing, diagnosis and the checker: measured at about
# 1 s for 2,400 visit copies on a loaded 2-core machine (benchmarks/results/scale.json).
RESERVE_S = 0.3
RESERVE_S_PER_NODE = 0.0006
# Building OR-Tools' model cannot be interrupted inside one transit matrix; its cost grows with
# the cells of those matrices (two per travel mode, nodes squared): about 0.3 s per million on
# the same machine. A model predicted to take more than this share of what is left is skipped.
MODEL_S_PER_MILLION_CELLS = 0.3
MAX_MODEL_S = 30.0  # with a solution limit, a bigger model is not built whatever the time limit
# Without one, a model is built when building and loading it take at most this share of the
# time left, so that the search has time after the load. On large.json at 60 s (predicted 49 s)
# OR-Tools did not take the construction's plan, and ruin and recreate from that plan gave
# 75.2 h of travel, against 79.8 h from OR-Tools' search when it did (results/large-60.json).
MODEL_SHARE = 0.5
# Loading a first plan into a model with breaks (timing every run inside OR-Tools) grows far
# faster than the model: 0.7 s at 730 nodes, 51 s at 1,470 on the same loaded machine, about
# the sixth power (a rough fit of those two points; days without breaks load in a fraction).
LOAD_S_AT = (730, 0.7)
LOAD_EXPONENT = 6


# seeded insertion orders the construction tries when a count ends the search (reproducible plans)
SEEDED_ATTEMPTS = 8
# Before carerun's own search the construction gets a smaller share: beyond its first second on
# a 330- or 1,000-visit day more seeded orders left one visit fewer out, or none, and that time
# is worth more to the search, which takes visits in too (docs/engine.md, "carerun's own search")
LNS_CONSTRUCTION_SHARE = 0.03
LNS_CONSTRUCTION_S = 1.0


@dataclass
class Limits:
    deadline: Deadline  # the search's end: the solve's own, less the room kept for extraction
    seed: int
    time_limit_s: float  # as asked, for the report
    strategy: str | None = None  # a name in solver/engine/strategies.py; None: guided local search
    initial_routes: list[list[int]] | None = None  # visit indices per carer, e.g. VROOM's plan
    final_routes: bool = False  # the initial routes are PyVRP's, searched to the end: keep them
    attempts: int | None = None  # the construction's seeded orders; None: SEEDED_ATTEMPTS or by time
    began: float = field(default_factory=time.monotonic)  # on the wall clock, for ``progress``

    @property
    def solution_limit(self) -> int | None:
        return self.deadline.solution_limit

    @property
    def stop(self) -> Callable[[], bool] | None:
        return self.deadline.stop


class OutOfTime(Exception):
    """A phase that cannot be cut short was abandoned because the deadline came first."""


def _stoppable(model: RoutingModel, until: Deadline) -> None:
    """End OR-Tools' search at the deadline or the caller's ``stop`` (the HTTP API's DELETE),
    keeping the best plan so far. OR-Tools' own time limit covers the plain case; a hook or an
    injected clock is polled through a custom limit, every few checks (it is called per move)."""
    routing = model.routing
    if until.stop is not None:
        routing.AddAtSolutionCallback(lambda: until.stopped() and routing.solver().FinishCurrentSearch())
    if until.stop is None and until.clock is time.monotonic:
        return
    calls = [0]

    def over() -> bool:
        calls[0] += 1
        return calls[0] % POLL_CALLS == 0 and until.expired()

    model.limit = routing.solver().CustomLimit(over)
    model.poll = over  # OR-Tools keeps no reference of its own
    routing.AddSearchMonitor(model.limit)


POLL_CALLS = 64


def model_cost_s(cp: Compiled, nodes: Nodes) -> float:
    """Predicted seconds to build OR-Tools' model of the day and load a first plan into it
    (see MODEL_S_PER_MILLION_CELLS and LOAD_S_AT)."""
    size = len(nodes) + 2 * cp.n_carers
    build = MODEL_S_PER_MILLION_CELLS * 2 * max(len(cp.dur_by_mode), 1) * size**2 / 1e6
    at, seconds = LOAD_S_AT
    load = seconds * (size / at) ** LOAD_EXPONENT if any(cp.c_breaks) else 0.0
    return build + load


def reserve_s(nodes: Nodes) -> float:
    """Seconds kept at the end of a solve for re-timing, diagnosis and the checker."""
    return RESERVE_S + RESERVE_S_PER_NODE * len(nodes)


def objective_scale(cp: Compiled) -> int:
    """1 unless a lateness price has a fraction; then 100 so that integer costs keep it."""
    coefs = np.concatenate([cp.r.late_coef, cp.r.early_coef])
    return 1 if np.all(coefs == np.round(coefs)) else 100


def max_soft_cost(cp: Compiled) -> int:
    """The most a served visit can add to the objective beyond travel (seconds equivalent)."""
    if not cp.n_visits:
        return 0
    r = cp.r
    late = r.late_coef * np.maximum(cp.v_we - np.maximum(r.prom_hi, 0), 0) * (r.prom_hi >= 0)
    early = r.early_coef * np.maximum(r.prom_lo - cp.v_ws, 0) * (r.prom_hi >= 0)
    waiting = math.ceil(cp.wait_cost_per_min * DAY_S)  # a visit may leave its carer a day's wait
    return int(np.max(late + early + 2 * r.cont_cost.max(axis=1, initial=0))) + waiting + 1


INT64_MAX = 2**63 - 1


def biggest_arc(cp: Compiled) -> int:
    """The longest leg that can be driven (legs with no route are left out): at most a day."""
    drivable = [m[m < UNREACHABLE_S] for m in cp.dur_by_mode]
    return max((int(m.max()) for m in drivable if m.size), default=0)


@dataclass(frozen=True)
class Penalties:
    """What leaving out one visit copy costs, by priority, and the bound that keeps it in int64.

    ``unit`` exceeds anything serving one copy can cost (the detour, at most four legs, plus
    its soft costs), so a low visit is served whenever it fits. A normal copy costs more than
    every low copy together plus a unit, a critical one more than every normal and low copy
    together plus a unit: ``normal = unit (L+1)`` and ``critical = unit (N+1)(L+1)`` for L low
    and N normal copies. Dropping everything then costs less than ``unit (C+1)(N+1)(L+1)``, and
    the objective of any plan less than that plus its travel and soft costs: ``bound``, which
    the unit is chosen to keep within int64. When the day is too big for the full unit
    (``docs/contract.md``, Travel: 5,000 double-handed visits with 24 h legs fit unless soft
    costs are extreme), the unit is cut to fit: no overflow, at the price of a thinner margin
    between priorities.
    """

    unit: int
    by_rank: dict[int, int]
    bound: int  # the largest objective any plan of the day can have
    wanted: int  # the unit before any cut

    @property
    def strict(self) -> bool:
        """True when the unit did not have to be cut: priorities are strictly lexicographic."""
        return self.unit == self.wanted


def penalty_levels(cp: Compiled) -> Penalties:
    """The penalties of ``cp`` (see ``Penalties``), computed in Python integers."""
    scale, arc = objective_scale(cp), biggest_arc(cp)
    soft = max_soft_cost(cp)
    copies = {rank: int(cp.v_req[cp.v_prio == rank].sum()) for rank in (0, 1, 2)}
    levels = (copies[0] + 1) * (copies[1] + 1) * (copies[2] + 1)
    n_copies = sum(copies.values())
    # travel over every leg a plan can drive, and every copy's soft cost, on top of the penalties
    rest = (n_copies + 2 * cp.n_carers) * arc * scale + n_copies * soft * scale
    wanted = (4 * arc + 10_000 + soft) * scale
    unit = max(1, min(wanted, (INT64_MAX - rest) // levels))
    low, normal = unit, unit * (copies[2] + 1)
    critical = unit * (copies[1] + 1) * (copies[2] + 1)
    return Penalties(unit, {2: low, 1: normal, 0: critical}, unit * levels + rest, wanted)


def penalties(cp: Compiled) -> list[int]:
    """Drop costs by priority: low > any travel saving, normal > all lows, critical > all normals.

    Soft costs (continuity, lateness) are added to the lowest level, so serving a visit with
    a stranger, or late, is always cheaper than not serving it (see ``Penalties``)."""
    by_rank = penalty_levels(cp).by_rank
    return [by_rank[int(r)] for r in cp.v_prio]


MAX_SEARCH_S = 10**6  # OR-Tools' limits are whole milliseconds in an int64: no infinity


class RoutingModel:
    """The OR-Tools model of one Problem for one round of search."""

    def __init__(self, cp: Compiled, nodes: Nodes, until: Deadline | None = None) -> None:
        """Build the model; past ``until`` (checked between steps) raise ``OutOfTime``."""
        self.cp, self.nodes, self.until = cp, nodes, until
        self.limit: pywrapcp.SearchLimit | None = None
        self.poll: Callable[[], bool] | None = None
        n, k = len(nodes), cp.n_carers
        self.n_nodes = n + 2 * k
        starts = [n + c for c in range(k)]
        ends = [n + k + c for c in range(k)]
        self.manager = pywrapcp.RoutingIndexManager(self.n_nodes, k, starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        visit_of = nodes.visit
        self.place = np.concatenate([cp.v_place[visit_of], cp.c_start, cp.c_end]).astype(np.int64)
        self.service = np.concatenate([cp.v_dur[visit_of], np.zeros(2 * k, dtype=np.int64)])
        for step in (
            self._dimensions,
            self._eligibility,
            self._double_ups,
            self._breaks_and_work,
            self._continuity,
            self._promised,
            self._links,
            self._carer_cap,
        ):
            self._in_time()
            step()

    def _in_time(self) -> None:
        if self.until is not None and self.until.expired():
            raise OutOfTime("building OR-Tools' model")

    # ------------------------------------------------------------------ building
    def _dimensions(self) -> None:
        cp, routing = self.cp, self.routing
        cost_cb, time_cb = [], []
        self.scale = objective_scale(cp)
        k = cp.n_carers
        for travel in cp.dur_by_mode:
            self._in_time()
            arc = travel[np.ix_(self.place, self.place)]
            arc[len(self.nodes) + np.arange(k), len(self.nodes) + k + np.arange(k)] = 0  # an empty run
            cost_cb.append(routing.RegisterTransitMatrix((arc * self.scale).tolist()))
            time_cb.append(routing.RegisterTransitMatrix((arc + self.service[:, None]).tolist()))
        for c in range(cp.n_carers):
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[int(cp.c_mode[c])], c)
        horizon = int(max(cp.c_shift_e.max(), cp.v_we.max() if cp.n_visits else 0)) + 1
        self.horizon = horizon
        routing.AddDimensionWithVehicleTransitAndCapacity(
            [time_cb[int(m)] for m in cp.c_mode], horizon, [horizon] * cp.n_carers, False, "time"
        )
        self.time = routing.GetDimensionOrDie("time")
        if cp.wait_cost_per_min:  # paid time: waiting is the time dimension's slack
            self.time.SetSlackCostCoefficientForAllVehicles(round(cp.wait_cost_per_min * self.scale))
        for node in range(len(self.nodes)):
            v = int(self.nodes.visit[node])
            self.time.CumulVar(self.manager.NodeToIndex(node)).SetRange(int(cp.v_ws[v]), int(cp.v_we[v]))
        for c in range(cp.n_carers):
            self.time.CumulVar(routing.Start(c)).SetRange(int(cp.c_shift_s[c]), int(cp.c_shift_e[c]))
            self.time.CumulVar(routing.End(c)).SetRange(int(cp.c_shift_s[c]), int(cp.c_shift_e[c]))
            self.routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(routing.Start(c)))
            self.routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(routing.End(c)))
        self._unary("visits", np.r_[np.ones(len(self.nodes)), np.zeros(2 * cp.n_carers)], cp.c_max_visits)
        self._unary("load", np.r_[cp.v_demand[self.nodes.visit], np.zeros(2 * cp.n_carers)], cp.c_capacity)

    def _unary(self, name: str, per_node: np.ndarray, caps: np.ndarray) -> None:
        if (caps >= UNLIMITED).all() or not per_node.any():
            return
        cb = self.routing.RegisterUnaryTransitVector([int(x) for x in per_node])
        capacities = [int(min(c, 10**9)) for c in caps]
        self.routing.AddDimensionWithVehicleCapacity(cb, 0, capacities, True, name)

    def _eligibility(self) -> None:
        cp, pen = self.cp, penalties(self.cp)
        for v, copies in enumerate(self.nodes.of_visit):
            allowed = cp.allowed(v)
            pin = int(cp.pinned[v])
            for i, node in enumerate(copies):
                index = self.manager.NodeToIndex(node)
                mine = [pin] if (pin >= 0 and i == 0 and pin in allowed) else allowed
                if pin >= 0 and i == 0 and pin not in allowed:
                    mine = []
                if len(mine) < cp.n_carers:
                    self.routing.VehicleVar(index).SetValues([-1, *mine])
                self.routing.AddDisjunction([index], pen[v])

    def _double_ups(self) -> None:
        solver, routing = self.routing.solver(), self.routing
        for copies in self.nodes.of_visit:
            if len(copies) != 2:
                continue
            a, b = (self.manager.NodeToIndex(n) for n in copies)
            solver.Add(routing.ActiveVar(a) == routing.ActiveVar(b))
            solver.Add(self.time.CumulVar(a) == self.time.CumulVar(b))
            different = solver.IsDifferentVar(routing.VehicleVar(a), routing.VehicleVar(b))
            solver.Add(different >= routing.ActiveVar(a))

    def _breaks_and_work(self) -> None:
        cp, solver, routing = self.cp, self.routing.solver(), self.routing
        self.break_vars: list[list[pywrapcp.IntervalVar]] = []
        visit_transit = [int(self.service[self.manager.IndexToNode(i)]) for i in range(routing.Size())]
        for c in range(cp.n_carers):
            intervals = [
                solver.FixedDurationIntervalVar(ws, we, d, False, f"break_{c}_{i}")
                for i, (ws, we, d) in enumerate(cp.c_breaks[c])
            ]
            self.break_vars.append(intervals)
            if intervals:
                self.time.SetBreakIntervalsOfVehicle(intervals, c, visit_transit)
                for iv in intervals:
                    routing.AddIntervalToAssignment(iv)
            limit = int(cp.c_max_work[c])
            if limit >= UNLIMITED:
                continue
            if not intervals:
                self.time.SetSpanUpperBoundForVehicle(limit, c)
                continue
            start, end = self.time.CumulVar(routing.Start(c)), self.time.CumulVar(routing.End(c))
            inside = [
                (iv.StartExpr() >= start).Var() * (iv.EndExpr() <= end).Var() * iv.DurationMin()
                for iv in intervals
            ]
            solver.Add(end - start - solver.Sum(inside) <= limit)

    def _continuity(self) -> None:
        """Cost of a visit served by an unfamiliar carer: per-carer unary transits summed by a
        dimension whose span is priced at 1, so the search never calls back into Python."""
        cost = self.cp.r.cont_cost
        if not cost.any():
            return
        pad = np.zeros(2 * self.cp.n_carers, dtype=np.int64)
        vectors: dict[tuple[int, ...], int] = {}
        callbacks = []
        for c in range(self.cp.n_carers):
            vec = tuple(int(x) * self.scale for x in np.r_[cost[self.nodes.visit, c], pad])
            if vec not in vectors:
                vectors[vec] = self.routing.RegisterUnaryTransitVector(list(vec))
            callbacks.append(vectors[vec])
        total = int(cost.max(axis=1).sum()) * 2 * self.scale + 1
        self.routing.AddDimensionWithVehicleTransitAndCapacity(
            callbacks, 0, [total] * self.cp.n_carers, True, "continuity"
        )
        self.routing.GetDimensionOrDie("continuity").SetSpanCostCoefficientForAllVehicles(1)

    def _promised(self) -> None:
        """Soft bounds around each promised time, on the first copy only (both start together)."""
        r = self.cp.r
        for v in np.flatnonzero(r.prom_hi >= 0):
            index = self.manager.NodeToIndex(self.nodes.of_visit[int(v)][0])
            late = round(float(r.late_coef[v]) * self.scale)
            early = round(float(r.early_coef[v]) * self.scale)
            if late:
                self.time.SetCumulVarSoftUpperBound(index, int(r.prom_hi[v]), late)
            if early and r.prom_lo[v] > 0:
                self.time.SetCumulVarSoftLowerBound(index, int(r.prom_lo[v]), early)

    def _links(self) -> None:
        """`after` gaps, hard only when both visits are served (big-M on the two active vars)."""
        solver, routing = self.routing.solver(), self.routing
        big = self.horizon + 1
        for link in self.cp.r.links:
            a = self.manager.NodeToIndex(self.nodes.of_visit[link.later][0])
            b = self.manager.NodeToIndex(self.nodes.of_visit[link.earlier][0])
            off = (2 - routing.ActiveVar(a) - routing.ActiveVar(b)) * (big + link.min_s)
            gap = self.time.CumulVar(a) - self.time.CumulVar(b)
            solver.Add(gap + off >= link.min_s)
            if link.max_s < UNLIMITED:
                solver.Add(gap - (2 - routing.ActiveVar(a) - routing.ActiveVar(b)) * big <= link.max_s)

    def _carer_cap(self) -> None:
        """At most `max_carers_per_client` distinct carers per client (both of a double-up)."""
        cap, solver, routing = self.cp.r.cap, self.routing.solver(), self.routing
        if cap >= UNLIMITED:
            return
        for nodes in _client_nodes(self.cp, self.nodes).values():
            if len(nodes) <= cap:
                continue
            used = []
            for c in range(self.cp.n_carers):
                mine = [n for n in nodes if self.cp.eligible[self.nodes.visit[n], c]]
                if mine:
                    same = [
                        solver.IsEqualCstVar(routing.VehicleVar(self.manager.NodeToIndex(n)), c) for n in mine
                    ]
                    used.append(solver.Max(same).Var())
            if len(used) > cap:
                solver.Add(solver.Sum(used) <= cap)

    # ------------------------------------------------------------------ searching
    def parameters(
        self, limits: Limits, seconds: float, first: str
    ) -> pywrapcp.DefaultRoutingSearchParameters:
        """Search parameters for at most ``seconds`` (never past the deadline)."""
        seconds = min(seconds, limits.deadline.remaining(), MAX_SEARCH_S)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        apply_strategy(params, limits.strategy)
        params.time_limit.FromMilliseconds(max(int(seconds * 1000), 100))
        # The same limit bounds restoring the first plan; with breaks on 1,000 visits that
        # takes seconds, and at the 0.1 s default OR-Tools gives up on the plan (seen on 9.15).
        # With a solution limit it is all the time left: a share of the clock would restore
        # the plan on a fast machine and give up on a slow one.
        lns = seconds if limits.deadline.deterministic else min(5.0, max(0.1, seconds / 4))
        params.lns_time_limit.FromMilliseconds(max(int(1000 * lns), 100))
        if limits.solution_limit is not None:
            params.solution_limit = limits.solution_limit
        params.use_full_propagation = False
        return params

    def routes_of(self, plan: Plan) -> list[list[int]]:
        return [[self.manager.NodeToIndex(n) for n in plan.visit_nodes(c)] for c in range(self.cp.n_carers)]

    def plan_of(self, assignment: pywrapcp.Assignment) -> tuple[list[list[tuple[int, int]]], list[list[int]]]:
        """Each carer's (node, start) sequence and the chosen break starts, read from a solution."""
        runs, breaks = [], []
        for c in range(self.cp.n_carers):
            index, run = self.routing.Start(c), []
            index = assignment.Value(self.routing.NextVar(index))
            while not self.routing.IsEnd(index):
                run.append((self.manager.IndexToNode(index), assignment.Value(self.time.CumulVar(index))))
                index = assignment.Value(self.routing.NextVar(index))
            runs.append(run)
            breaks.append(self._break_starts(assignment, c))
        return runs, breaks

    def _break_starts(self, assignment: pywrapcp.Assignment, c: int) -> list[int]:
        out = []
        for iv in self.break_vars[c]:
            out.append(int(assignment.StartValue(iv)))
        return out


def _client_nodes(cp: Compiled, nodes: Nodes) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for node, v in enumerate(nodes.visit):
        out.setdefault(int(cp.r.v_client[v]), []).append(node)
    return out


def solve(
    problem: Problem,
    *,
    first_plan: FirstPlan | None = None,
    stop: Callable[[], bool] | None = None,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    progress: Progress | None = None,
    strategy: str | None = None,
    warm_start: str | None = None,
    initial_routes: list[list[int]] | None = None,
    deadline: Deadline | None = None,
    attempts: int | None = None,
) -> Solution:
    """Plan ``problem``; arguments given here beat the problem's own options.

    ``first_plan`` is searched from when any of it can be timed (see the module docstring);
    ``strategy`` names a local-search strategy of ``solver/engine/strategies.py`` (default: guided
    local search); the portfolio (``solver/engine/portfolio.py``) runs two side by side.
    ``initial_routes`` (visit indices per carer, used only without double-ups) replace parallel
    cheapest insertion as the first plan when OR-Tools accepts them; without them, a day PyVRP
    can express starts from PyVRP's plan (``warm_start``, default the problem's option).
    ``stop``, if given, is polled in every phase; once it returns True the search ends and the
    best plan found so far comes back. ``deadline`` (``solver/engine/deadline.py``), if given,
    replaces the time limit, the solution limit and ``stop`` (tests inject a clock this way).
    ``attempts`` caps the seeded insertion orders the construction tries (default: 8 with a
    solution limit, else as many as its share of the time allows): a caller that plans many days
    by solution limit, such as the zone study, gives its time to the search instead.

    Every phase ends by the deadline: what is left unplanned then is unassigned with a reason,
    and ``solver.notes`` says which phase the time limit cut short."""
    began = time.monotonic()
    opts = problem.options
    limit = float(time_limit_s if time_limit_s is not None else opts.time_limit_s)
    if deadline is None:
        deadline = Deadline.after(
            limit,
            solution_limit=solution_limit if solution_limit is not None else opts.solution_limit,
            stop=stop,
        )
    apply_strategy(pywrapcp.DefaultRoutingSearchParameters(), strategy)  # a wrong name fails now
    cp = compile_problem(problem)
    nodes = Nodes.of(cp)
    limits = Limits(
        deadline=deadline.less(reserve_s(nodes)),
        seed=seed if seed is not None else opts.seed,
        time_limit_s=limit,
        strategy=strategy,
        initial_routes=initial_routes,
        attempts=attempts,
        began=began,
    )
    seeded = seed_plan(cp, nodes, first_plan) if first_plan is not None and len(nodes) else None
    if first_plan is not None and seeded is not None:
        out = _search_from(cp, nodes, limits, progress, seeded, first_plan.label)
    else:
        source = warm_start if warm_start is not None else opts.warm_start
        warm_note = _warm_routes(cp, limits, source) if initial_routes is None else None
        out = _search(cp, nodes, limits, progress)
        if warm_note:
            out.notes.insert(0, warm_note)
        if first_plan is not None and len(nodes):
            out.notes.insert(0, f"no visit of the {first_plan.label} plan could be kept; constructed a plan")
    return _finish(problem, cp, nodes, limits, deadline, began, out)


def _finish(
    problem: Problem,
    cp: Compiled,
    nodes: Nodes,
    limits: Limits,
    deadline: Deadline,
    began: float,
    out: Outcome,
) -> Solution:
    """The best plan as a Solution, checked; the fallback plan (timed by the construction)
    if the best one's breaks cannot be re-timed or the checker finds a fault in it."""
    notes = out.notes
    if limits.deadline.expired() and not _timed_out(notes):
        # the search's own end (the solve's less the room kept for extraction) has passed
        notes.append("time limit: reached before the search ended on its own")
    try:
        solution = _solution(cp, nodes, limits, began, out.best, notes, out.first, deadline)
    except BreakPlacementError as exc:  # the engine's breaks could not be re-timed: keep the
        notes.append(f"fell back to the {out.fallback_name} plan: {exc}")  # plan timed by us
        solution = _solution(
            cp, nodes, limits, began, out.fallback, notes, out.fallback_first, deadline, False
        )
        return _marked(solution)
    if out.best is not out.fallback and (faults := check(checkable(problem), solution)):
        notes.append(f"fell back to the {out.fallback_name} plan: the checker found {faults[0]}")
        solution = _solution(
            cp, nodes, limits, began, out.fallback, notes, out.fallback_first, deadline, False
        )
    return _marked(solution)


def _timed_out(notes: list[str]) -> bool:
    return any(n.startswith("time limit") for n in notes)


def _marked(solution: Solution) -> Solution:
    """The solution with a ``time limit:`` note if the diagnosis itself ran out of time (the
    note is how a caller tells that a solution limit's plan may not repeat)."""
    notes = solution.solver.notes
    if _timed_out(notes) or not any((u.code, u.reason) == TIMED_OUT for u in solution.unassigned):
        return solution
    info = solution.solver.model_copy(
        update={"notes": [*notes, "time limit: reached while explaining visits left out"]}
    )
    return solution.model_copy(update={"solver": info})


def _warm_routes(cp: Compiled, limits: Limits, source: str) -> str | None:
    """Set ``limits.initial_routes`` to ``source``'s plan where the day allows; say what happened."""
    began, left = time.monotonic(), limits.deadline.remaining()
    rounds = Rounds()
    routes = warm_routes(
        cp,
        source,
        penalties(cp),
        time_limit_s=limits.time_limit_s,
        seed=limits.seed,
        solution_limit=limits.solution_limit,
        stop=limits.stop,
        until=limits.deadline,
        rounds=rounds,
    )
    if routes is None:
        return None
    limits.initial_routes = routes
    limits.final_routes = source == "pyvrp" and pyvrp_alone(cp)
    served, took = sum(len(run) for run in routes), time.monotonic() - began
    note = f"warm start: {source} planned {served} of {cp.n_visits} visits in {took:.2f} s"
    if rounds.ran > 1:
        last = limits.seed + rounds.ran - 1
        note += f", in {rounds.ran} rounds (seeds {limits.seed}-{last}, kept: seed {rounds.kept_seed})"
    if limits.deadline.deterministic and limits.deadline.remaining() < (1 - RUN_TO_DEADLINE) * left:
        note = f"time limit: reached before {source}'s iterations ended; " + note
    return note


def _solution(
    cp: Compiled,
    nodes: Nodes,
    limits: Limits,
    began: float,
    best: Best,
    notes: list[str],
    first: str,
    deadline: Deadline,
    with_objective: bool = True,
) -> Solution:
    return build_solution(
        cp,
        nodes,
        best.runs,
        best.breaks,
        engine="ortools",
        wall_s=time.monotonic() - began,
        seed=limits.seed,
        objective=best.objective if with_objective else None,
        time_limit_s=limits.time_limit_s,
        notes=notes,
        first_solution=first,
        until=deadline,
    )


@dataclass
class Best:
    """The best plan so far: runs, break starts, its score and the solver's objective."""

    runs: Runs
    breaks: list[list[int]]
    score: tuple[int, ...]
    objective: int | None = None

    def offer(self, other: Best) -> Best:
        return other if other.score < self.score else self


@dataclass
class Outcome:
    """What a search found, the plan to fall back on if its breaks cannot be re-timed, the
    notes so far, and the names of both starts (``SolverInfo.first_solution``)."""

    best: Best
    fallback: Best
    notes: list[str]
    first: str
    fallback_name: str = "inserted"
    fallback_first: str = "PAIR_INSERTION"


def _score(cp: Compiled, nodes: Nodes, runs: Runs, breaks: list[list[int]]) -> tuple[int, ...]:
    """The construction's lexicographic score, for solved runs (with paid waiting, under the
    paid-time objective)."""
    served = {int(nodes.visit[n]) for run in runs for n, _ in run}
    unplaced = [v for v in range(cp.n_visits) if v not in served]
    travel = sum(
        route_travel(cp, c, [int(cp.v_place[nodes.visit[n]]) for n, _ in run]) for c, run in enumerate(runs)
    )
    waiting = paid_wait_cost(cp, nodes, runs, breaks) if cp.wait_cost_per_min else 0
    return score(cp, unplaced, travel + waiting + runs_soft_cost(cp, nodes, runs))


def paid_wait_cost(cp: Compiled, nodes: Nodes, runs: Runs, breaks: list[list[int]]) -> int:
    """Travel-second equivalents of the paid waiting between visits of timed runs: the part of
    each gap that is neither driving nor a break, unless the gap is long enough to be unpaid."""
    total = 0.0
    for c, run in enumerate(runs):
        if len(run) < 2:
            continue
        travel = cp.dur_by_mode[int(cp.c_mode[c])]
        v = nodes.visit[np.asarray([n for n, _ in run])]
        starts = np.asarray([t for _, t in run], dtype=np.int64)
        ends = starts[:-1] + cp.v_dur[v[:-1]]
        gaps = starts[1:] - ends
        wait = gaps - travel[cp.v_place[v[:-1]], cp.v_place[v[1:]]]
        for k, bs in enumerate(breaks[c] if c < len(breaks) else []):
            be = bs + cp.c_breaks[c][k][2]
            wait -= np.where((ends <= bs) & (be <= starts[1:]), be - bs, 0)
        paid = gaps < cp.unpaid_gap_min * 60
        total += float(np.maximum(wait, 0)[paid].sum())
    return round(total * cp.wait_cost_per_min)


def _from_plan(cp: Compiled, nodes: Nodes, plan: Plan) -> Best:
    runs, breaks = plan.timed_runs()
    return Best(runs, breaks, _score(cp, nodes, runs, breaks))


def _model_fits(cp: Compiled, nodes: Nodes, limits: Limits) -> str | None:
    """None when OR-Tools' model can be built and searched, else why not (for the notes).

    With a solution limit the answer must not depend on the clock (the same seed gives the
    same plan at any time limit), so it depends on the predicted cost alone."""
    cost, left = model_cost_s(cp, nodes), limits.deadline.remaining()
    instead = "searched by carerun's own ruin and recreate instead"
    if limits.deadline.deterministic:
        if cost <= MAX_MODEL_S:
            return None
        return (
            f"OR-Tools' model of {len(nodes)} visit copies would take about {cost:.0f} s to build and load; "
            + instead
        )
    if cost <= MODEL_SHARE * left:
        return None
    if left < MIN_ROUND_S:
        return f"time limit: reached before OR-Tools' search; {instead}"
    return (
        f"time limit: OR-Tools' model of {len(nodes)} visit copies would take about {cost:.0f} s "
        f"to build and load, of the {left:.0f} s left; {instead}"
    )


def _search(cp: Compiled, nodes: Nodes, limits: Limits, progress: Progress | None) -> Outcome:
    """Construct, then alternate local search and re-insertion until the time is spent.

    Each round builds a fresh OR-Tools model: a model that has been searched once rejects
    routes read into it again (seen with 9.15), while a fresh one takes them. A day whose model
    would not fit in the time left (or that OR-Tools could not load in time) is searched by
    carerun's own ruin and recreate instead."""
    if limits.final_routes and (kept := _final_plan(cp, nodes, limits)) is not None:
        return kept
    dl = limits.deadline
    deterministic = dl.deterministic
    # OR-Tools' filters ignore the ties of double-ups and gaps: our own search first, and alone
    # where breaks make every OR-Tools neighbour expensive (docs/engine.md, "carerun's own search")
    lns = len(nodes) >= LNS_MIN_NODES and full_rules(cp)
    alone = lns and any(cp.c_breaks)
    skip = _model_fits(cp, nodes, limits) if len(nodes) and not alone else None
    part, most = (LNS_CONSTRUCTION_SHARE, LNS_CONSTRUCTION_S) if lns else (0.1, 5.0)
    budget = math.inf if deterministic else min(part * limits.time_limit_s, most)
    # with a warm start the construction is only a fallback: one attempt is enough
    attempts = limits.attempts or (SEEDED_ATTEMPTS if deterministic else 64)
    attempts = 1 if limits.initial_routes is not None else attempts
    plan, unplaced = construct(cp, nodes, seed=limits.seed, budget_s=budget, attempts=attempts, until=dl)
    best = fallback = _from_plan(cp, nodes, plan)
    notes: list[str] = [*cp.travel.notes, skip] if skip else list(cp.travel.notes)
    warm = _warm_plan(cp, nodes, limits.initial_routes)
    if warm is not None and warm.score < best.score:  # the peer's plan, timed by us, in hand
        best = fallback = warm
    out = Outcome(best, fallback, notes, "none" if not len(nodes) else "PAIR_INSERTION")
    if best is warm:
        out.first = out.fallback_first = "WARM_START"
        out.fallback_name = "warm-start"
    if lns and best is not warm:
        notes.append(LNS_NOTE)
        if unplaced:  # coverage comes first: moving visits aside for those out, as on big days
            moving = dl.share(REPAIR_SHARE)
            unplaced = repair(cp, nodes, plan, unplaced, seed=limits.seed, deadline=moving, hard=dl)
            best = best.offer(_from_plan(cp, nodes, plan))
        share = 1.0 if alone or skip else LNS_SHARE
        out.best = best = best.offer(_improved(cp, nodes, limits, plan, unplaced, notes, share))
        if progress:
            progress(time.monotonic() - limits.began)
        if alone or skip:
            return out
        unplaced = left_out(nodes, plan)
    if skip:
        if unplaced:  # moving visits aside for the ones still out, given real time this once
            unplaced = repair(cp, nodes, plan, unplaced, seed=limits.seed, deadline=dl.share(0.6), hard=dl)
        best = best.offer(_improved(cp, nodes, limits, plan, unplaced))
        out.best = best
    if not len(nodes) or skip:
        return out
    # pairs, gaps and the carer cap defeat OR-Tools' own first-solution heuristics
    has_pairs = bool((cp.v_req == 2).any()) or bool(cp.r.links) or cp.r.cap < UNLIMITED
    first, ran = "PAIR_INSERTION", False
    for round_no in range(1, 4):
        remaining = dl.remaining()
        if (round_no > 1 and (remaining < MIN_ROUND_S or deterministic)) or dl.expired():
            break
        last = not (has_pairs or unplaced) or round_no == 3 or deterministic
        share = max(remaining * (1.0 if last else FIRST_ROUND_SHARE), 0.1)
        try:
            model = RoutingModel(cp, nodes, dl)
        except OutOfTime as exc:
            notes.append(f"time limit: reached while {exc}; kept the plan found before")
            break
        params = model.parameters(
            limits, share, "PARALLEL_CHEAPEST_INSERTION" if not has_pairs else "AUTOMATIC"
        )
        model.routing.CloseModelWithParameters(params)
        _stoppable(model, dl)
        assignment = None
        if round_no == 1 and not has_pairs:
            assignment = _warm_start(model, limits, params)
            if assignment is not None:
                first = "WARM_START"
            elif not dl.expired():
                assignment = model.routing.SolveWithParameters(params)
                first = "PARALLEL_CHEAPEST_INSERTION" if assignment is not None else first
        if assignment is None and not dl.expired():
            left = dl.remaining()
            if left < share - 0.5:  # parallel cheapest insertion spent time and found nothing
                params = model.parameters(limits, max(left, 0.1), "AUTOMATIC")
            assignment = _search_routes(model, model.routes_of(plan), params)
        if assignment is None:
            notes.append(
                f"round {round_no}: OR-Tools rejected the inserted plan or found none in time; kept it"
            )
            break
        runs, breaks = model.plan_of(assignment)
        ran = True
        best = best.offer(Best(runs, breaks, _score(cp, nodes, runs, breaks), assignment.ObjectiveValue()))
        if progress:
            progress(time.monotonic() - limits.began)
        next_plan, unplaced = _reinsert(cp, nodes, runs, limits, round_no)
        if next_plan is not None:
            best = best.offer(_from_plan(cp, nodes, next_plan))
        if last:
            break
        # runs our timing cannot express: search on from them as they are
        plan = next_plan or Plan(runs=[[node for node, _ in run] for run in runs])
    if not ran and dl.remaining() > MIN_ROUND_S:
        # OR-Tools gave nothing: the time left goes to carerun's own search
        best = best.offer(_improved(cp, nodes, limits, plan, unplaced))
        notes.append("searched by carerun's own ruin and recreate")
    out.best = best
    if ran:  # the search's own start, as before this plan was kept whatever it started from
        out.first = first
    return out


def _improved(
    cp: Compiled,
    nodes: Nodes,
    limits: Limits,
    plan: Plan,
    unplaced: list[int],
    notes: list[str] | None = None,
    share: float = 1.0,
) -> Best:
    """``plan`` after ruin and recreate until the deadline, or for a number of rounds set by the
    solution limit (so that the same seed gives the same plan), in ``share`` of the time left;
    ``notes`` hears how it went."""
    dl = limits.deadline.share(share)
    rounds = dl.iteration_limit
    if rounds is None and dl.solution_limit is not None:
        rounds = RUINS_PER_SOLUTION * dl.solution_limit
    stop = MaxIterations(rounds) if rounds is not None else None
    began = time.monotonic()
    done = improve_plan(cp, nodes, plan, unplaced, seed=limits.seed, until=dl, stop=stop)
    if notes is not None:
        notes.append(search_note(done, began - limits.began, time.monotonic() - began))
    return _from_plan(cp, nodes, plan)


def _final_plan(cp: Compiled, nodes: Nodes, limits: Limits) -> Outcome | None:
    """PyVRP's plan as the solve's: it searched under the engine's own objective until the
    finishing share of the time, and OR-Tools after it improved no such plan
    (``solver.engine.warmstart.pyvrp_alone``). Visits it left out are repaired in, moving
    others aside; None if its routes do not time (the construction and OR-Tools then go on)."""
    plan = _warm_timed(cp, nodes, limits.initial_routes)
    if plan is None:
        return None
    note = "PyVRP's plan kept as the solve's: it plans under the day's own objective"
    notes = [*cp.travel.notes, note]
    served = {v for run in plan.runs for v in run}
    if missing := [v for v in range(cp.n_visits) if v not in served]:
        dl = limits.deadline
        left = repair(cp, nodes, plan, missing, seed=limits.seed, deadline=dl, hard=dl, clear=True)
        notes.append(f"repaired in {len(missing) - len(left)} of the {len(missing)} visits PyVRP left out")
    kept = _from_plan(cp, nodes, plan)
    return Outcome(kept, kept, notes, "WARM_START", "warm-start", "WARM_START")


def _warm_plan(cp: Compiled, nodes: Nodes, routes: list[list[int]] | None) -> Best | None:
    """A peer's routes (visit indices per carer, days without double-ups or breaks) timed by
    the construction, so that they are kept even when OR-Tools has no time to take them."""
    plan = _warm_timed(cp, nodes, routes)
    return None if plan is None else _from_plan(cp, nodes, plan)


def _warm_timed(cp: Compiled, nodes: Nodes, routes: list[list[int]] | None) -> Plan | None:
    """``routes`` (visit indices per carer) as a plan timed by the construction; None if they
    do not fit the day or do not time."""
    if routes is None or len(routes) != cp.n_carers or len(nodes) != cp.n_visits:
        return None
    builder = Builder(cp, nodes)
    plan = Plan(runs=[list(run) for run in routes])
    plan.schedules = [builder.schedule(c, run, {}) for c, run in enumerate(plan.runs)]
    if any(s is None for s in plan.schedules):
        return None
    return plan


def _search_routes(
    model: RoutingModel, routes: list[list[int]], params: pywrapcp.DefaultRoutingSearchParameters
) -> pywrapcp.Assignment | None:
    """Search from ``routes`` (OR-Tools indices per carer); None if OR-Tools cannot take them.

    The routes are set with ``RoutesToAssignment`` and timed inside the search, which the
    time limit bounds; ``ReadAssignmentFromRoutes`` times them first with no bound at all (more
    than two minutes on a 2,000-visit day with breaks)."""
    initial = model.routing.solver().Assignment()
    if not model.routing.RoutesToAssignment(routes, True, True, initial):
        return None
    return model.routing.SolveFromAssignmentWithParameters(initial, params)


def _search_from(
    cp: Compiled,
    nodes: Nodes,
    limits: Limits,
    progress: Progress | None,
    plan: Plan,
    label: str,
) -> Outcome:
    """One round of search from a caller's timed plan, once what it lacks has been inserted.

    The routes are set with ``RoutesToAssignment``, which leaves their timing to the search;
    ``ReadAssignmentFromRoutes`` would first solve for every time (seconds on a zone)."""
    dl = limits.deadline
    served = {int(nodes.visit[e]) for elems in plan.runs for e in elems if e >= 0}
    missing = [v for v in range(cp.n_visits) if v not in served]
    left = repair(cp, nodes, plan, missing, seed=limits.seed, deadline=dl.share(0.3), hard=dl)
    best = fallback = _from_plan(cp, nodes, plan)
    out = Outcome(best, fallback, [f"search started from the {label} plan"], label.upper())
    out.fallback_name, out.fallback_first = f"repaired {label}", out.first
    skip = _model_fits(cp, nodes, limits)
    if skip or dl.expired():
        out.notes.append(skip or "time limit: reached before OR-Tools' search; kept the plan as repaired")
        if skip:
            out.best = best.offer(_improved(cp, nodes, limits, plan, left))
        return out
    try:
        model = RoutingModel(cp, nodes, dl)
    except OutOfTime as exc:
        out.notes.append(f"time limit: reached while {exc}; kept the {label} plan as repaired")
        return out
    params = model.parameters(limits, dl.remaining(), "AUTOMATIC")
    model.routing.CloseModelWithParameters(params)
    _stoppable(model, dl)
    initial = model.routing.solver().Assignment()
    if not model.routing.RoutesToAssignment(model.routes_of(plan), True, True, initial):
        out.notes.append(f"OR-Tools rejected the {label} plan; kept it as repaired")
        return out
    assignment = model.routing.SolveFromAssignmentWithParameters(
        initial, model.parameters(limits, dl.remaining(), "AUTOMATIC")
    )
    if assignment is None:
        out.notes.append(f"OR-Tools found no plan from the {label} one in time; kept it as repaired")
        return out
    runs, breaks = model.plan_of(assignment)
    out.best = best.offer(Best(runs, breaks, _score(cp, nodes, runs, breaks), assignment.ObjectiveValue()))
    if progress:
        progress(time.monotonic() - limits.began)
    again, _ = _reinsert(cp, nodes, runs, limits, 1)
    if again is not None:
        out.best = out.best.offer(_from_plan(cp, nodes, again))
    return out


def _warm_start(
    model: RoutingModel, limits: Limits, params: pywrapcp.DefaultRoutingSearchParameters
) -> pywrapcp.Assignment | None:
    """Search from the caller's routes (``solve(initial_routes=...)``) if OR-Tools takes them."""
    if limits.initial_routes is None or len(limits.initial_routes) != model.cp.n_carers:
        return None
    given = [v for run in limits.initial_routes for v in run]
    if len(set(given)) != len(given) or not all(0 <= v < len(model.nodes) for v in given):
        return None
    # without double-ups each visit is one node, numbered as the visit
    routes = [[model.manager.NodeToIndex(v) for v in run] for run in limits.initial_routes]
    return _search_routes(model, routes, params)


def _reinsert(
    cp: Compiled, nodes: Nodes, runs: Runs, limits: Limits, round_no: int
) -> tuple[Plan | None, list[int]]:
    """Visits still out, inserted where local search has made room (it cannot add a pair itself)."""
    served = {int(nodes.visit[n]) for run in runs for n, _ in run}
    missing = [v for v in range(cp.n_visits) if v not in served]
    plan = plan_from_runs(cp, nodes, runs)
    if plan is None or not missing:
        return plan, missing
    dl = limits.deadline
    return plan, repair(cp, nodes, plan, missing, seed=limits.seed + round_no, deadline=dl, hard=dl)


def construction_plan(problem: Problem, seed: int, attempts: int) -> Solution:
    """The pair-aware construction alone (seeded, repaired, no search) as a contract Solution:
    the simulator's plan for providers too big to search, and the benchmarks' baseline."""
    started = time.monotonic()
    cp = compile_problem(problem)
    nodes = Nodes.of(cp)
    plan, _ = construct(cp, nodes, seed=seed, budget_s=math.inf, attempts=attempts)
    runs, breaks = plan.timed_runs()
    return build_solution(
        cp,
        nodes,
        runs,
        breaks,
        engine="construction",
        wall_s=time.monotonic() - started,
        seed=seed,
        objective=None,
        time_limit_s=0.0,
        notes=[f"best of {attempts} seeded insertion passes with repair, no local search"],
        first_solution="PAIR_INSERTION",
    )
