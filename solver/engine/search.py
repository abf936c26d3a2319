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
- The pair-aware insertion of ``construct.py`` (OR-Tools' own heuristics cannot place a
  synchronised pair), or OR-Tools' parallel cheapest insertion when there is no double-up.

Model: one vehicle per carer with its own home and end; one node per visit copy (two for a
double-up, tied by equal start, different carers, both-or-neither); transits registered as
matrices and unary vectors so no Python runs per arc during search. Guided local search (or a
``strategy`` of ``strategies.py``) improves the first plan; between rounds, visits still out are
re-inserted where search made room.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.engine.compiled import UNLIMITED, Compiled, compile_problem
from solver.engine.construct import (
    Nodes,
    Plan,
    construct,
    plan_from_runs,
    repair,
    route_travel,
    runs_soft_cost,
    score,
)
from solver.engine.extract import BreakPlacementError, build_solution
from solver.engine.firstplan import FirstPlan, seed_plan
from solver.engine.strategies import apply as apply_strategy
from solver.engine.warmstart import warm_routes
from solver.model.problem import Problem, Solution
from solver.travel import UNREACHABLE_S

Progress = Callable[[float], None]
Runs = list[list[tuple[int, int]]]
FIRST_ROUND_SHARE = 0.6
MIN_ROUND_S = 0.5


@dataclass
class Limits:
    time_limit_s: float
    seed: int
    solution_limit: int | None
    strategy: str | None = None  # a name in solver/engine/strategies.py; None: guided local search
    initial_routes: list[list[int]] | None = None  # visit indices per carer, e.g. VROOM's plan
    stop: Callable[[], bool] | None = None


def _stoppable(routing: pywrapcp.RoutingModel, stop: Callable[[], bool] | None) -> None:
    """Let a caller end a search early (the HTTP API's DELETE); the best plan so far is kept."""
    if stop is not None:
        routing.AddAtSolutionCallback(lambda: stop() and routing.solver().FinishCurrentSearch())


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
    return int(np.max(late + early + 2 * r.cont_cost.max(axis=1, initial=0))) + 1


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


class RoutingModel:
    """The OR-Tools model of one Problem for one round of search."""

    def __init__(self, cp: Compiled, nodes: Nodes) -> None:
        self.cp, self.nodes = cp, nodes
        n, k = len(nodes), cp.n_carers
        self.n_nodes = n + 2 * k
        starts = [n + c for c in range(k)]
        ends = [n + k + c for c in range(k)]
        self.manager = pywrapcp.RoutingIndexManager(self.n_nodes, k, starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        visit_of = nodes.visit
        self.place = np.concatenate([cp.v_place[visit_of], cp.c_start, cp.c_end]).astype(np.int64)
        self.service = np.concatenate([cp.v_dur[visit_of], np.zeros(2 * k, dtype=np.int64)])
        self._dimensions()
        self._eligibility()
        self._double_ups()
        self._breaks_and_work()
        self._continuity()
        self._promised()
        self._links()
        self._carer_cap()

    # ------------------------------------------------------------------ building
    def _dimensions(self) -> None:
        cp, routing = self.cp, self.routing
        cost_cb, time_cb = [], []
        self.scale = objective_scale(cp)
        k = cp.n_carers
        for travel in cp.dur_by_mode:
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
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        apply_strategy(params, limits.strategy)
        params.time_limit.FromMilliseconds(max(int(seconds * 1000), 100))
        # The same limit bounds restoring the first plan; with breaks on 1,000 visits that
        # takes seconds, and at the 0.1 s default OR-Tools gives up on the plan (seen on 9.15).
        params.lns_time_limit.FromMilliseconds(int(1000 * min(5.0, max(0.1, seconds / 4))))
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
) -> Solution:
    """Plan ``problem``; arguments given here beat the problem's own options.

    ``first_plan`` is searched from when any of it can be timed (see the module docstring);
    ``strategy`` names a local-search strategy of ``solver/engine/strategies.py`` (default: guided
    local search); the portfolio (``solver/engine/portfolio.py``) runs two side by side.
    ``initial_routes`` (visit indices per carer, used only without double-ups) replace parallel
    cheapest insertion as the first plan when OR-Tools accepts them; without them, a day PyVRP
    can express starts from PyVRP's plan (``warm_start``, default the problem's option).
    ``stop``, if given, is polled between rounds and at each solution found; once it returns
    True the search ends and the best plan found so far comes back."""
    started = time.monotonic()
    opts = problem.options
    limits = Limits(
        time_limit_s=float(time_limit_s if time_limit_s is not None else opts.time_limit_s),
        seed=seed if seed is not None else opts.seed,
        solution_limit=solution_limit if solution_limit is not None else opts.solution_limit,
        strategy=strategy,
        initial_routes=initial_routes,
        stop=stop,
    )
    cp = compile_problem(problem)
    nodes = Nodes.of(cp)
    seeded = seed_plan(cp, nodes, first_plan) if first_plan is not None and len(nodes) else None
    if first_plan is not None and seeded is not None:
        out = _search_from(cp, nodes, limits, started, progress, seeded, first_plan.label)
    else:
        source = warm_start if warm_start is not None else opts.warm_start
        warm_note = _warm_routes(cp, limits, source) if initial_routes is None else None
        out = _search(cp, nodes, limits, started, progress)
        if warm_note:
            out.notes.insert(0, warm_note)
        if first_plan is not None and len(nodes):
            out.notes.insert(0, f"no visit of the {first_plan.label} plan could be kept; constructed a plan")
    best, fallback, notes = out.best, out.fallback, out.notes
    try:
        return _solution(cp, nodes, limits, started, best.runs, best.breaks, best.objective, notes, out.first)
    except BreakPlacementError as exc:  # the engine's breaks could not be re-timed: keep the
        notes.append(f"fell back to the {out.fallback_name} plan: {exc}")  # plan timed by us
        return _solution(
            cp, nodes, limits, started, fallback.runs, fallback.breaks, None, notes, out.fallback_first
        )


def _warm_routes(cp: Compiled, limits: Limits, source: str) -> str | None:
    """Set ``limits.initial_routes`` to ``source``'s plan where the day allows; say what happened."""
    began = time.monotonic()
    routes = warm_routes(
        cp,
        source,
        penalties(cp),
        time_limit_s=limits.time_limit_s,
        seed=limits.seed,
        solution_limit=limits.solution_limit,
        stop=limits.stop,
    )
    if routes is None:
        return None
    limits.initial_routes = routes
    served, took = sum(len(run) for run in routes), time.monotonic() - began
    return f"warm start: {source} planned {served} of {cp.n_visits} visits in {took:.2f} s"


def _solution(
    cp: Compiled,
    nodes: Nodes,
    limits: Limits,
    started: float,
    runs: Runs,
    breaks: list[list[int]],
    objective: int | None,
    notes: list[str],
    first: str,
) -> Solution:
    return build_solution(
        cp,
        nodes,
        runs,
        breaks,
        engine="ortools",
        wall_s=time.monotonic() - started,
        seed=limits.seed,
        objective=objective,
        time_limit_s=limits.time_limit_s,
        notes=notes,
        first_solution=first,
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


def _score(cp: Compiled, nodes: Nodes, runs: Runs) -> tuple[int, ...]:
    """The construction's lexicographic score, for solved runs."""
    served = {int(nodes.visit[n]) for run in runs for n, _ in run}
    unplaced = [v for v in range(cp.n_visits) if v not in served]
    travel = sum(
        route_travel(cp, c, [int(cp.v_place[nodes.visit[n]]) for n, _ in run]) for c, run in enumerate(runs)
    )
    return score(cp, unplaced, travel + runs_soft_cost(cp, nodes, runs))


def _from_plan(cp: Compiled, nodes: Nodes, plan: Plan) -> Best:
    runs, breaks = plan.timed_runs()
    return Best(runs, breaks, _score(cp, nodes, runs))


def _search(cp: Compiled, nodes: Nodes, limits: Limits, started: float, progress: Progress | None) -> Outcome:
    """Construct, then alternate local search and re-insertion until the time is spent.

    Each round builds a fresh OR-Tools model: a model that has been searched once rejects
    routes read into it again (seen with 9.15), while a fresh one takes them."""
    deterministic = limits.solution_limit is not None
    budget = float("inf") if deterministic else min(0.1 * limits.time_limit_s, 5.0)
    # with a warm start the construction is only a fallback: one attempt is enough
    attempts = 1 if limits.initial_routes is not None else 8 if deterministic else 64
    plan, unplaced = construct(cp, nodes, seed=limits.seed, budget_s=budget, attempts=attempts)
    best = fallback = _from_plan(cp, nodes, plan)
    notes: list[str] = list(cp.travel.notes)
    if not len(nodes):
        return Outcome(best, fallback, notes, "none")
    # pairs, gaps and the carer cap defeat OR-Tools' own first-solution heuristics
    has_pairs = bool((cp.v_req == 2).any()) or bool(cp.r.links) or cp.r.cap < UNLIMITED
    first = "PAIR_INSERTION"
    for round_no in range(1, 4):
        remaining = limits.time_limit_s - (time.monotonic() - started)
        if (round_no > 1 and (remaining < MIN_ROUND_S or deterministic)) or (limits.stop and limits.stop()):
            break
        last = not (has_pairs or unplaced) or round_no == 3 or deterministic
        share = max(remaining * (1.0 if last else FIRST_ROUND_SHARE), 0.1)
        model = RoutingModel(cp, nodes)
        params = model.parameters(
            limits, share, "PARALLEL_CHEAPEST_INSERTION" if not has_pairs else "AUTOMATIC"
        )
        model.routing.CloseModelWithParameters(params)
        _stoppable(model.routing, limits.stop)
        assignment = None
        if round_no == 1 and not has_pairs:
            assignment = _warm_start(model, limits, params)
            if assignment is not None:
                first = "WARM_START"
            else:
                assignment = model.routing.SolveWithParameters(params)
                first = "PARALLEL_CHEAPEST_INSERTION" if assignment is not None else first
        if assignment is None:
            initial = model.routing.ReadAssignmentFromRoutes(model.routes_of(plan), True)
            if initial is None:
                notes.append(f"round {round_no}: OR-Tools rejected the inserted plan; kept it as it is")
                break
            left = limits.time_limit_s - (time.monotonic() - started)
            if left < share - 0.5:  # parallel cheapest insertion spent time and found nothing
                params = model.parameters(limits, max(left, 0.1), "AUTOMATIC")
            assignment = model.routing.SolveFromAssignmentWithParameters(initial, params) or initial
        runs, breaks = model.plan_of(assignment)
        best = best.offer(Best(runs, breaks, _score(cp, nodes, runs), assignment.ObjectiveValue()))
        if progress:
            progress(time.monotonic() - started)
        next_plan, unplaced = _reinsert(cp, nodes, runs, limits, round_no, started)
        if next_plan is not None:
            best = best.offer(_from_plan(cp, nodes, next_plan))
        if last:
            break
        # runs our timing cannot express: search on from them as they are
        plan = next_plan or Plan(runs=[[node for node, _ in run] for run in runs])
    return Outcome(best, fallback, notes, first)


def _search_from(
    cp: Compiled,
    nodes: Nodes,
    limits: Limits,
    started: float,
    progress: Progress | None,
    plan: Plan,
    label: str,
) -> Outcome:
    """One round of search from a caller's timed plan, once what it lacks has been inserted.

    The routes are set with ``RoutesToAssignment``, which leaves their timing to the search;
    ``ReadAssignmentFromRoutes`` would first solve for every time (seconds on a zone)."""
    served = {int(nodes.visit[e]) for elems in plan.runs for e in elems if e >= 0}
    missing = [v for v in range(cp.n_visits) if v not in served]
    share = float("inf") if limits.solution_limit is not None else 0.3 * limits.time_limit_s
    repair(cp, nodes, plan, missing, seed=limits.seed, deadline=started + share)
    best = fallback = _from_plan(cp, nodes, plan)
    out = Outcome(best, fallback, [f"search started from the {label} plan"], label.upper())
    out.fallback_name, out.fallback_first = f"repaired {label}", out.first
    model = RoutingModel(cp, nodes)
    params = model.parameters(
        limits, max(limits.time_limit_s - (time.monotonic() - started), 0.1), "AUTOMATIC"
    )
    model.routing.CloseModelWithParameters(params)
    _stoppable(model.routing, limits.stop)
    initial = model.routing.solver().Assignment()
    if not model.routing.RoutesToAssignment(model.routes_of(plan), True, True, initial):
        out.notes.append(f"OR-Tools rejected the {label} plan; kept it as repaired")
        return out
    left = max(limits.time_limit_s - (time.monotonic() - started), 0.2)
    assignment = model.routing.SolveFromAssignmentWithParameters(
        initial, model.parameters(limits, left, "AUTOMATIC")
    )
    if assignment is None:
        out.notes.append(f"OR-Tools found no plan from the {label} one in time; kept it as repaired")
        return out
    runs, breaks = model.plan_of(assignment)
    out.best = best.offer(Best(runs, breaks, _score(cp, nodes, runs), assignment.ObjectiveValue()))
    if progress:
        progress(time.monotonic() - started)
    again, _ = _reinsert(cp, nodes, runs, limits, 1, started)
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
    initial = model.routing.ReadAssignmentFromRoutes(routes, True)
    if initial is None:
        return None
    return model.routing.SolveFromAssignmentWithParameters(initial, params) or initial


def _reinsert(
    cp: Compiled, nodes: Nodes, runs: Runs, limits: Limits, round_no: int, started: float
) -> tuple[Plan | None, list[int]]:
    """Visits still out, inserted where local search has made room (it cannot add a pair itself)."""
    served = {int(nodes.visit[n]) for run in runs for n, _ in run}
    missing = [v for v in range(cp.n_visits) if v not in served]
    plan = plan_from_runs(cp, nodes, runs)
    if plan is None or not missing:
        return plan, missing
    deadline = float("inf") if limits.solution_limit is not None else started + limits.time_limit_s
    return plan, repair(cp, nodes, plan, missing, seed=limits.seed + round_no, deadline=deadline)
