"""``ortools-twostage``: home care in OR-Tools as a competent user would write it, as a peer.

The question it answers: how far does OR-Tools get on a full-rules day of home care when it is
modelled the plain way, without carerun's own construction and repair? A double-up is two copies
of the visit with equal start cumuls on the time dimension and different vehicles. Asking also
for equal active variables from the start makes cheapest insertion place almost no double-up (a
lone copy cannot be inserted), so the search runs in two stages:

1. parallel cheapest insertion and guided local search with the copies free to be served alone;
   copies whose partner was left out are then taken out of the routes;
2. guided local search on the full model (copies active together) from that plan, each double-up
   and each visit of an ``after`` gap it kept pinned at the start stage 1 gave it.

Rules expressed in OR-Tools: windows and shifts (cumul ranges), promised times (soft bounds on
the start cumuls, priced as the problem prices them and as carerun's objective does), skills,
gender and excluded carers (allowed values of each copy's vehicle variable), walkers' speed
(one transit callback per travel mode), breaks (break intervals on the time dimension),
maximum working time (an upper bound on the route span), maximum visits per carer (a count
dimension), ``after`` gaps between two visits' starts (constraints on their start cumuls, when
both are served) and drop penalties by priority (disjunctions). The plan is turned into a
contract Solution with the visit starts OR-Tools chose; only a plan that
``solver/analysis/check.py`` accepts is handed back.

Two things a user meets on the way, and what is done about them:

- "different vehicles" written as a reified ``IsDifferentVar`` makes every insertion OR-Tools
  tries pay for its propagation (stage 1 took 4x as long); ``AllDifferentExcept`` on the two
  vehicle variables, -1 (not served) excepted, says the same and propagates cheaply.
- Where carers have breaks, OR-Tools sets a plan's visit times route by route (one small
  scheduling problem per carer) when it restores a plan it is handed, blind to a start tied to
  another carer's route (a double-up's partner, the other visit of an ``after`` gap); so such a
  plan may not be restorable as it stands (stage 2 ended at once with ``ROUTING_FAIL``). Pinning
  those start cumuls to the starts stage 1 chose makes the plan restorable; stage 2 can still
  move, drop and add visits, and reassign a double-up's copies, but not move a pinned visit in
  time. If stage 2 still finds nothing, stage 1's plan without its lone copies is handed back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.analysis.check import check
from solver.engine.compiled import UNLIMITED, Compiled, compile_problem
from solver.engine.construct import Nodes
from solver.engine.deadline import Deadline
from solver.engine.extract import BreakPlacementError, build_solution
from solver.model.problem import Problem, Solution

# Of the limit left after building the models; stage 2 gets the rest. Stage 1 places every
# double-up the plan will have, so it gets the larger share.
STAGE1_SHARE = 0.75
PRIORITY_WEIGHT = {0: 100, 1: 10, 2: 1}  # critical, normal, low: drop penalty multipliers
Sequence = list[tuple[int, int]]  # (node, start second)


@dataclass
class TwoStageRun:
    """The peer's plan as a contract Solution (None with ``error`` if it could not be built)."""

    solution: Solution | None
    wall_s: float
    stages: dict[str, float] = field(default_factory=dict)
    error: str = ""
    notes: list[str] = field(default_factory=list)  # what each stage ended with
    plan_from: str = ""  # "stage 2" or "stage 1 without lone copies"


class Model:
    """One OR-Tools routing model of a compiled day; ``paired`` adds equal active variables;
    ``promises`` prices promised times (without it the model plans for travel alone)."""

    def __init__(self, cp: Compiled, nodes: Nodes, paired: bool, promises: bool = True) -> None:
        self.cp, self.nodes = cp, nodes
        n, k = len(nodes), cp.n_carers
        self.manager = pywrapcp.RoutingIndexManager(
            n + 2 * k, k, list(range(n, n + k)), list(range(n + k, n + 2 * k))
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        visit = nodes.visit
        self.place = np.concatenate([cp.v_place[visit], cp.c_start, cp.c_end]).astype(np.int64)
        self.service = np.concatenate([cp.v_dur[visit], np.zeros(2 * k, dtype=np.int64)])
        self._time()
        if promises:
            self._promises()
        self._who()
        self._breaks()
        self._caps()
        self._double_ups(paired)
        self._gaps()

    def _time(self) -> None:
        """Travel of the carer's mode as arc cost; travel plus service as the time transit."""
        cp, routing = self.cp, self.routing
        transits = []
        for m, travel in enumerate(cp.dur_by_mode):
            arc = travel[np.ix_(self.place, self.place)]
            cost = routing.RegisterTransitMatrix(arc.tolist())
            transits.append(routing.RegisterTransitMatrix((arc + self.service[:, None]).tolist()))
            for carer in np.flatnonzero(cp.c_mode == m):
                routing.SetArcCostEvaluatorOfVehicle(cost, int(carer))
        horizon = int(max(cp.c_shift_e.max(), cp.v_we.max(initial=0))) + 1
        routing.AddDimensionWithVehicleTransitAndCapacity(
            [transits[int(m)] for m in cp.c_mode], horizon, [horizon] * cp.n_carers, False, "time"
        )
        self.time = routing.GetDimensionOrDie("time")
        for node, v in enumerate(self.nodes.visit):
            self.time.CumulVar(self.manager.NodeToIndex(node)).SetRange(int(cp.v_ws[v]), int(cp.v_we[v]))
        for c in range(cp.n_carers):
            for index in (routing.Start(c), routing.End(c)):
                self.time.CumulVar(index).SetRange(int(cp.c_shift_s[c]), int(cp.c_shift_e[c]))
            if cp.c_max_work[c] < UNLIMITED:
                self.time.SetSpanUpperBoundForVehicle(int(cp.c_max_work[c]), c)

    def _promises(self) -> None:
        """Promised times as the problem prices them (docs/rules.md, "Soft rules"): a soft upper
        bound on the start cumul past the promise's tolerance, a soft lower bound before it, on
        one copy of each visit (a double-up's copies start together). OR-Tools takes whole
        costs per second, so each price is rounded to a whole number, and one under a half is
        dropped (the generated days price 1 minute per minute late, which is exact)."""
        r = self.cp.r
        for v, copies in enumerate(self.nodes.of_visit):
            if r.prom_hi[v] < 0:
                continue
            index = self.manager.NodeToIndex(copies[0])
            late, early = round(float(r.late_coef[v])), round(float(r.early_coef[v]))
            if late > 0:
                self.time.SetCumulVarSoftUpperBound(index, int(r.prom_hi[v]), late)
            if early > 0:
                self.time.SetCumulVarSoftLowerBound(index, int(r.prom_lo[v]), early)

    def _who(self) -> None:
        """Skills, gender and exclusions as each copy's allowed vehicles; a drop penalty per copy."""
        cp, routing = self.cp, self.routing
        base = 4 * max(int(m.max()) for m in cp.dur_by_mode) + 10_000
        for node, v in enumerate(self.nodes.visit):
            index = self.manager.NodeToIndex(node)
            routing.VehicleVar(index).SetValues([-1, *cp.allowed(int(v))])
            routing.AddDisjunction([index], base * PRIORITY_WEIGHT[int(cp.v_prio[v])])

    def _breaks(self) -> None:
        """Each break an interval inside its window, never over a visit's service."""
        cp, solver = self.cp, self.routing.solver()
        node_service = [int(self.service[self.manager.IndexToNode(i)]) for i in range(self.routing.Size())]
        self.break_vars: list[list[pywrapcp.IntervalVar]] = []
        for c in range(cp.n_carers):
            intervals = [
                solver.FixedDurationIntervalVar(ws, we, d, False, f"break {c}.{i}")
                for i, (ws, we, d) in enumerate(cp.c_breaks[c])
            ]
            if intervals:
                self.time.SetBreakIntervalsOfVehicle(intervals, c, node_service)
                for interval in intervals:
                    self.routing.AddIntervalToAssignment(interval)
            self.break_vars.append(intervals)

    def _caps(self) -> None:
        cp = self.cp
        if (cp.c_max_visits < UNLIMITED).any():
            one = self.routing.RegisterUnaryTransitVector([1] * len(self.nodes) + [0] * (2 * cp.n_carers))
            caps = [int(min(x, len(self.nodes))) for x in cp.c_max_visits]
            self.routing.AddDimensionWithVehicleCapacity(one, 0, caps, True, "visits")

    def _double_ups(self, paired: bool) -> None:
        """Copies start together on different carers; ``paired``: both served or neither."""
        solver, routing = self.routing.solver(), self.routing
        for copies in self.nodes.of_visit:
            if len(copies) != 2:
                continue
            a, b = (self.manager.NodeToIndex(n) for n in copies)
            solver.Add(self.time.CumulVar(a) == self.time.CumulVar(b))
            # a copy not served has vehicle -1: two unserved copies are not "the same carer"
            solver.Add(solver.AllDifferentExcept([routing.VehicleVar(a), routing.VehicleVar(b)], -1))
            if paired:
                solver.Add(routing.ActiveVar(a) == routing.ActiveVar(b))

    def _gaps(self) -> None:
        """Each ``after`` gap between two visits' starts (their first copies), when both are served."""
        solver, routing = self.routing.solver(), self.routing
        for link in self.cp.rules.links:
            later, earlier = (
                self.manager.NodeToIndex(self.nodes.of_visit[v][0]) for v in (link.later, link.earlier)
            )
            both = solver.Min(routing.ActiveVar(later), routing.ActiveVar(earlier))
            gap = self.time.CumulVar(later) - self.time.CumulVar(earlier)
            solver.Add(solver.IsGreaterOrEqualCstVar(gap, int(link.min_s)) >= both)
            if link.max_s < UNLIMITED:
                solver.Add(solver.IsLessOrEqualCstVar(gap, int(link.max_s)) >= both)

    def pin(self, runs: list[Sequence], kept: set[int]) -> int:
        """Fix the start of every node in ``kept`` that a constraint ties to another carer's route
        (the copies of a double-up, the visits of an ``after`` gap) to its start in ``runs``, so
        that OR-Tools can restore a plan holding them (see the module docstring). Call before
        the model is closed; returns the number of nodes pinned."""
        start = {n: t for run in runs for n, t in run}
        tied = {n for copies in self.nodes.of_visit if len(copies) == 2 for n in copies}
        for link in self.cp.rules.links:
            tied.update(n for v in (link.later, link.earlier) for n in self.nodes.of_visit[v])
        pinned = sorted(tied & kept)
        for n in pinned:
            self.time.CumulVar(self.manager.NodeToIndex(n)).SetValue(int(start[n]))
        return len(pinned)

    def parameters(self, seconds: float, first: bool, iterations: int | None) -> object:
        params = pywrapcp.DefaultRoutingSearchParameters()
        if first:
            params.first_solution_strategy = (
                routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
            )
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        params.time_limit.FromMilliseconds(max(int(seconds * 1000), 1))
        if iterations is not None:
            params.solution_limit = iterations
        return params

    def routes(self, assignment: pywrapcp.Assignment) -> list[list[int]]:
        """Copy nodes per carer, in order."""
        out = []
        for c in range(self.cp.n_carers):
            route, index = [], assignment.Value(self.routing.NextVar(self.routing.Start(c)))
            while not self.routing.IsEnd(index):
                route.append(self.manager.IndexToNode(index))
                index = assignment.Value(self.routing.NextVar(index))
            out.append(route)
        return out

    def timed(self, assignment: pywrapcp.Assignment) -> tuple[list[Sequence], list[list[int]]]:
        """Each carer's (node, start) in order and its break starts, as OR-Tools set them."""
        runs = [
            [(n, assignment.Min(self.time.CumulVar(self.manager.NodeToIndex(n)))) for n in route]
            for route in self.routes(assignment)
        ]
        breaks = [[assignment.StartValue(iv) for iv in ivs] for ivs in self.break_vars]
        return runs, breaks


def without_lone_copies(nodes: Nodes, routes: list[list[int]]) -> list[list[int]]:
    """Take out every copy of a double-up whose partner is not served."""
    served = {n for route in routes for n in route}
    lone = {n for copies in nodes.of_visit if len(copies) == 2 for n in copies if not set(copies) <= served}
    return [[n for n in route if n not in lone] for route in routes]


def run_ortools_twostage(
    problem: Problem,
    time_limit_s: float,
    seed: int = 0,
    iterations: int | None = None,
    *,
    promises: bool = True,
) -> TwoStageRun:
    """Both stages within ``time_limit_s`` (models built first, their time counted in); the plan
    of stage 2, else stage 1's without its lone copies, whichever the checker accepts first.
    ``promises=False`` leaves promised times unpriced (``ortools-twostage-travel``): a plan for
    travel alone, however late, which is not the objective the day sets."""
    del seed  # OR-Tools' routing search is deterministic
    started = time.monotonic()
    cp = compile_problem(problem)
    nodes = Nodes.of(cp)
    free = Model(cp, nodes, paired=False, promises=promises)
    paired = Model(cp, nodes, paired=True, promises=promises)
    stages = {"build_s": time.monotonic() - started}
    left = max(time_limit_s - stages["build_s"], 0.2)
    first = free.routing.SolveWithParameters(free.parameters(STAGE1_SHARE * left, True, iterations))
    stages["stage1_s"] = time.monotonic() - started - stages["build_s"]
    said = [f"stage 1: {_status(free)}"]
    if first is None:
        return TwoStageRun(None, time.monotonic() - started, stages, "stage 1 found no plan", said)
    runs, hints = free.timed(first)
    routes = without_lone_copies(nodes, free.routes(first))
    kept = {n for route in routes for n in route}
    said.append(
        f"stage 1: {sum(map(len, runs))} of {len(nodes)} copies placed, {len(kept)} kept without lone copies"
    )
    left = time_limit_s - (time.monotonic() - started)
    second = stage_two(paired, runs, routes, left, iterations, said)
    stages["stage2_s"] = time.monotonic() - started - stages["build_s"] - stages["stage1_s"]
    wall = time.monotonic() - started
    alone = [[(n, t) for n, t in run if n in kept] for run in runs]
    plans: list[tuple[str, list[Sequence], list[list[int]], int | None]] = []
    if second is not None:
        plans.append(("stage 2", *paired.timed(second), int(second.ObjectiveValue())))
    plans.append(("stage 1 without lone copies", alone, hints, None))
    error = "no visit placed within the limit"
    for source, plan, breaks, objective in plans:
        if not any(plan):
            continue  # an empty plan is no plan
        solution, error = _accepted(problem, cp, nodes, plan, breaks, source, wall, objective, time_limit_s)
        if solution is not None:
            return TwoStageRun(solution, wall, stages, notes=said, plan_from=source)
        said.append(error)
    return TwoStageRun(None, wall, stages, error, said)


def stage_two(
    paired: Model,
    runs: list[Sequence],
    routes: list[list[int]],
    seconds: float,
    iterations: int | None,
    said: list[str],
) -> pywrapcp.Assignment | None:
    """Guided local search on the full model from stage 1's ``routes`` (lone copies out), the
    copies tied across routes pinned at their stage-1 starts from ``runs``; None if no plan."""
    pinned = paired.pin(runs, {n for route in routes for n in route})
    params = paired.parameters(max(seconds, 0.1), False, iterations)
    paired.routing.CloseModelWithParameters(params)
    start = paired.routing.ReadAssignmentFromRoutes(routes, True)
    if start is None:
        said.append("stage 2: stage 1's routes could not be read into the full model")
        return None
    second = paired.routing.SolveFromAssignmentWithParameters(start, params)
    said.append(f"stage 2: {_status(paired)} ({pinned} copies pinned at their stage-1 start)")
    return second


def _accepted(
    problem: Problem,
    cp: Compiled,
    nodes: Nodes,
    runs: list[Sequence],
    breaks: list[list[int]],
    source: str,
    wall: float,
    objective: int | None,
    time_limit_s: float,
) -> tuple[Solution | None, str]:
    """The contract Solution of a plan if the checker accepts it, else None and why not."""
    try:
        solution = build_solution(
            cp,
            nodes,
            runs,
            breaks,
            engine="ortools-twostage",
            wall_s=wall,
            seed=0,
            objective=objective,
            time_limit_s=time_limit_s,
            notes=[f"plan of {source}"],
            first_solution="PARALLEL_CHEAPEST_INSERTION",
            enforce=False,
            until=Deadline.after(10.0),
        )
    except BreakPlacementError as exc:
        return None, f"{source}: plan not convertible: {exc}"
    violations = check(problem, solution)
    if violations:
        return None, f"{source}: the checker rejects it ({len(violations)}): {violations[0]}"
    return solution, ""


def _status(model: Model) -> str:
    """OR-Tools' status name of the model's last search (e.g. ROUTING_SUCCESS, ROUTING_FAIL_TIMEOUT)."""
    return str(routing_enums_pb2.RoutingSearchStatus.Value.Name(model.routing.status()))
