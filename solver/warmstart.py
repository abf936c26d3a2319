"""A VROOM plan as OR-Tools' first solution, for days VROOM can express.

VROOM's construction and local search reach a plan within a percent or two of the best known on
the classic sets in about a second, where OR-Tools' parallel cheapest insertion starts several
percent off and guided local search needs many seconds to close the gap. Handing VROOM's routes
to the engine (``solve(initial_routes=...)``, read through OR-Tools' routes-to-assignment)
gives guided local search the better start, when it is better: a VROOM plan cut short by
its timeout on a big day can start worse than OR-Tools' own parallel cheapest insertion, and
is then not used (both are compared on the engine's objective). VROOM cannot synchronise two
carers on one visit, so days with double-ups (and days with breaks, skills, exclusions, pins
or caps, which this adapter does not translate) get no warm start. pyvroom is optional (the
``bench`` extra); without it there is no warm start either.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import numpy as np

from solver.compiled import UNLIMITED, Compiled, compile_problem
from solver.construct import Nodes, route_travel
from solver.engine import Limits, RoutingModel, penalties, solve
from solver.model import Problem, Solution

PRIORITY = {0: 100, 1: 10, 2: 0}  # critical, normal, low -> VROOM job priority


def expressible(cp: Compiled) -> bool:
    """True when VROOM can plan this day with nothing left out (no soft costs either: VROOM
    would not see continuity or promised times, and would break gaps between visits)."""
    r = cp.r
    soft_or_linked = bool(r.links) or bool((r.prom_hi >= 0).any()) or bool(r.cont_cost.any())
    return bool(
        not soft_or_linked
        and r.cap >= UNLIMITED
        and (cp.v_req == 1).all()
        and not any(cp.c_breaks)
        and cp.eligible.all()
        and (cp.pinned < 0).all()
        and (cp.c_max_work >= UNLIMITED).all()
        and (cp.c_max_visits >= UNLIMITED).all()
    )


def vroom_input(cp: Compiled) -> Any:
    """A ``vroom.Input`` of the compiled day (travel time as cost; raises ImportError without pyvroom)."""
    import vroom

    problem = vroom.Input()
    for m, name in enumerate(cp.modes):
        problem.set_durations_matrix(profile=name, matrix_input=cp.dur_by_mode[m].astype(np.uint32))
    has_load = bool(cp.v_demand.any())
    for c in range(cp.n_carers):
        cap = int(cp.c_capacity[c])
        problem.add_vehicle(
            vroom.Vehicle(
                id=c,
                start=int(cp.c_start[c]),
                end=int(cp.c_end[c]),
                profile=cp.modes[int(cp.c_mode[c])],
                capacity=[min(cap, 10**9)] if has_load else (),
                time_window=vroom.TimeWindow(int(cp.c_shift_s[c]), int(cp.c_shift_e[c])),
            )
        )
    for v in range(cp.n_visits):
        problem.add_job(
            vroom.Job(
                id=v,
                location=int(cp.v_place[v]),
                default_service=int(cp.v_dur[v]),
                delivery=vroom.Amount([int(cp.v_demand[v])]) if has_load else vroom.Amount([]),
                time_windows=[vroom.TimeWindow(int(cp.v_ws[v]), int(cp.v_we[v]))],
                priority=PRIORITY[int(cp.v_prio[v])],
            )
        )
    return problem


def vroom_routes(cp: Compiled, seconds: float, level: int = 5) -> list[list[int]] | None:
    """VROOM's routes as visit indices per carer, or None (not installed, or not expressible)."""
    if not expressible(cp) or cp.n_visits == 0:
        return None
    try:
        problem = vroom_input(cp)
    except ImportError:
        return None
    solution = problem.solve(
        exploration_level=level, nb_threads=1, timeout=timedelta(seconds=max(seconds, 0.1))
    )
    routes: list[list[int]] = [[] for _ in range(cp.n_carers)]
    for route in solution.to_dict()["routes"]:
        routes[int(route["vehicle"])] = [int(s["id"]) for s in route["steps"] if s["type"] == "job"]
    return routes


def _objective(cp: Compiled, routes: list[list[int]]) -> int:
    """The engine's objective of ``routes``: travel plus the drop cost of every visit left out."""
    served = {v for run in routes for v in run}
    drop = penalties(cp)
    travel = sum(route_travel(cp, c, [int(cp.v_place[v]) for v in run]) for c, run in enumerate(routes))
    return travel + sum(drop[v] for v in range(cp.n_visits) if v not in served)


def _first_plan_objective(cp: Compiled) -> int | None:
    """The objective of OR-Tools' parallel cheapest insertion alone, the engine's usual start."""
    model = RoutingModel(cp, Nodes.of(cp))
    limits = Limits(time_limit_s=FIRST_PLAN_S, seed=0, solution_limit=1)
    params = model.parameters(limits, FIRST_PLAN_S, "PARALLEL_CHEAPEST_INSERTION")
    model.routing.CloseModelWithParameters(params)
    assignment = model.routing.SolveWithParameters(params)
    return None if assignment is None else int(assignment.ObjectiveValue())


FIRST_PLAN_S = 30.0
WARM_SHARE = 0.5  # of the limit VROOM may take (it often stops sooner); GLS gets the rest


def solve_warm(
    problem: Problem,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    strategy: str | None = None,
) -> Solution:
    """The engine, started from VROOM's plan when VROOM can express the day (same wall limit)."""
    started = time.monotonic()
    limit = float(time_limit_s if time_limit_s is not None else problem.options.time_limit_s)
    cp = compile_problem(problem)
    routes = vroom_routes(cp, WARM_SHARE * limit, level=5 if solution_limit is None else 0)
    if routes is not None and _objective(cp, routes) > (_first_plan_objective(cp) or 0):
        routes = None  # VROOM stopped early (its timeout) with a worse start than OR-Tools' own
    left = max(limit - (time.monotonic() - started), 0.1)
    return solve(
        problem,
        time_limit_s=left,
        seed=seed,
        solution_limit=solution_limit,
        strategy=strategy,
        initial_routes=routes,
    )
