"""Another solver's plan as OR-Tools' first solution, for days that solver can express.

OR-Tools' parallel cheapest insertion starts several percent above the best known on the
classic time-window sets, and guided local search needs many seconds to close the gap; PyVRP's
iterated local search (``solver/engine/hgs.py``) and VROOM get much closer in the same time. So on a
day they can express the engine (``solver.engine.search.solve``, option ``warm_start``) gives a share
of its limit to one of them and reads the routes in through OR-Tools' routes-to-assignment;
guided local search then goes on under the full model and never returns a worse plan.

Where PyVRP plans under the engine's own objective (``pyvrp_alone``) its plan is final: it
has the whole limit, and OR-Tools does not search after it.

Neither peer synchronises two carers on one visit, so days with double-ups (and days with
breaks, skills, exclusions, pins, caps, gaps, promised times or continuity costs, which these
adapters do not translate) get no warm start and keep OR-Tools' own construction. PyVRP is a
core dependency; pyvroom is optional (the ``bench`` extra) and without it ``vroom`` is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np

from solver.engine.compiled import UNLIMITED, Compiled
from solver.engine.deadline import Deadline
from solver.engine.hgs import Rounds, pyvrp_routes

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


SHARE = {"pyvrp": 0.7, "vroom": 0.5}  # of the time limit the warm start may take; GLS gets the rest
ITERATIONS_PER_SOLUTION = 50  # PyVRP iterations per engine solution, when runs must be reproducible
RUN_TO_DEADLINE = 0.9  # of the time left PyVRP may take when iterations end it (OR-Tools gets the rest)
# Kept from PyVRP's time, when its plan is final, to repair in visits it left out: this share
# of the time left, at most FINISH_S seconds (inserting a few visits takes milliseconds).
FINISH_SHARE, FINISH_S = 0.03, 0.5


def pyvrp_alone(cp: Compiled) -> bool:
    """True when PyVRP's plan is final: it plans the day under the engine's own objective
    (expressible, and no paid waiting, which PyVRP does not price).

    There OR-Tools' guided local search after PyVRP bought nothing PyVRP's own extra time does
    not: on the 56 Solomon days at 10 s it changed no plan, and on 12 Gehring-Homberger
    200-customer days at 30 s it shortened one (by 0.09%) where PyVRP given the whole limit
    shortened two (by 0.04 and 0.10%); on 400 customers it ran seconds past the limit
    (docs/engine.md, "A first plan from PyVRP"). So PyVRP has all the time but a moment
    (``FINISH_S``), in which carerun's repair inserts any visit it left out where one fits,
    and nothing searches after it. (On the relaxed 1,000-visit day PyVRP leaves one out at
    30 s, a 60-minute visit to start by 07:30 that no run has room for; clearing one carer's
    early stretch places it.)"""
    return expressible(cp) and not cp.wait_cost_per_min


def warm_routes(
    cp: Compiled,
    source: str,
    prizes: list[int],
    *,
    time_limit_s: float,
    seed: int,
    solution_limit: int | None,
    stop: Callable[[], bool] | None = None,
    until: Deadline | None = None,
    rounds: Rounds | None = None,
) -> list[list[int]] | None:
    """``source``'s plan of the day as visit indices per carer, or None where it does not apply.

    With a solution limit (reproducible runs) PyVRP stops by iteration count and VROOM explores
    at level 0, so the routes do not depend on the machine's speed; the time limit still ends
    them (``until``, the solve's deadline: then the routes are what PyVRP had by then)."""
    if source == "none" or cp.n_visits == 0 or not expressible(cp):
        return None
    left = until.remaining() if until is not None else time_limit_s
    seconds = SHARE.get(source, 0.0) * min(time_limit_s, left)
    if source == "pyvrp":
        iterations = None if solution_limit is None else ITERATIONS_PER_SOLUTION * solution_limit
        if pyvrp_alone(cp):  # nothing searches after it: all the time but the finish
            seconds = left - min(FINISH_SHARE * left, FINISH_S)
        elif iterations is not None:  # the count ends it; the clock only as the deadline's backstop
            seconds = RUN_TO_DEADLINE * left
        return pyvrp_routes(
            cp, prizes, seconds=seconds, seed=seed, iterations=iterations,
            stop=stop, until=until, rounds=rounds,
        )  # fmt: skip
    if source == "vroom":
        return vroom_routes(cp, seconds, level=5 if solution_limit is None else 0)
    raise ValueError(f"warm_start: unknown source {source!r}")
