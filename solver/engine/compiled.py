"""A validated Problem flattened into integer numpy arrays for the engines.

Engines, the construction heuristic and the diagnosis all need the same facts (seconds, place
indices, who may do what); computing them once here keeps every one of them in agreement.
The checker deliberately does *not* use this module, so that a bug here cannot hide itself.

A leg with no route (``null`` in a matrix, or longer than a day) is ``UNREACHABLE_S`` in the
matrices here, which no time rule of any engine can fit; and a carer who cannot drive from their
start to a visit, or from it back to their end, is not eligible for it at all. A matrix of a
road router already holds the best route between two places, so a null leg means that there is
no route, through any other place either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from solver.model.problem import MAX_DURATION_S, Carer, Problem, Visit
from solver.travel import UNREACHABLE_S, TravelMatrices, build_travel

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
PRIORITY_RANK = {"critical": 0, "normal": 1, "low": 2}
UNLIMITED = 10**9


@dataclass
class Compiled:
    problem: Problem
    travel: TravelMatrices
    modes: list[str]
    # per visit
    v_place: IntArray
    v_ws: IntArray
    v_we: IntArray
    v_dur: IntArray
    v_req: IntArray
    v_prio: IntArray
    v_demand: IntArray
    # per carer
    c_start: IntArray
    c_end: IntArray
    c_shift_s: IntArray
    c_shift_e: IntArray
    c_mode: IntArray
    c_max_visits: IntArray
    c_max_work: IntArray
    c_capacity: IntArray
    c_breaks: list[list[tuple[int, int, int]]]  # (window start, window end, duration), as given
    # eligible[v, c]: carer c may do visit v (skills, exclusion, gender; pin handled apart) and
    # can drive from their start to it and from it back to their end (``reachable``)
    eligible: BoolArray
    pinned: IntArray  # carer index or -1
    dur_by_mode: list[IntArray] = field(default_factory=list)
    dist_by_mode: list[IntArray] = field(default_factory=list)
    rules: Rules | None = None
    reachable: BoolArray | None = None  # [visit, carer]: start -> visit -> end has a route
    # Paid waiting between visits, priced in the search's objective (solver/engine/lns/cost.py):
    # objective seconds per minute of waiting, 0 for none; an idle gap of at least
    # ``unpaid_gap_min`` minutes is unpaid and costs nothing (UNLIMITED: every gap is paid).
    wait_cost_per_min: float = 0.0
    unpaid_gap_min: int = UNLIMITED

    @property
    def r(self) -> Rules:
        assert self.rules is not None
        return self.rules

    @property
    def n_visits(self) -> int:
        return len(self.v_place)

    @property
    def n_carers(self) -> int:
        return len(self.c_start)

    def allowed(self, v: int) -> list[int]:
        """Carers that may do visit ``v`` at all (its pinned carer counts only if eligible)."""
        return [int(c) for c in np.flatnonzero(self.eligible[v])]


@dataclass(frozen=True)
class Link:
    """HARD when both are served: start(later) - start(earlier) in [min_s, max_s]."""

    later: int
    earlier: int
    min_s: int
    max_s: int  # UNLIMITED when open


@dataclass
class Rules:
    """The day's care rules as arrays: continuity costs, promised times, gaps and the carer cap."""

    v_client: IntArray  # client index per visit
    familiar: BoolArray  # [visit, carer]: a preferred or regular carer
    has_familiar: BoolArray  # per visit: continuity applies
    cont_cost: IntArray  # [visit, carer] objective seconds for an unfamiliar carer
    prom_lo: IntArray  # starts before cost early_coef per second (-1: no promise)
    prom_hi: IntArray  # starts after cost late_coef per second
    early_coef: NDArray[np.float64]
    late_coef: NDArray[np.float64]
    links: list[Link]
    cap: int  # max distinct carers per client (UNLIMITED if none)

    @property
    def linked(self) -> set[int]:
        """Visits in some `after` link: their starts are held fixed during construction."""
        return {v for link in self.links for v in (link.later, link.earlier)}

    def late_cost(self, v: int, start: int) -> float:
        """Objective seconds for starting visit ``v`` at ``start`` against its promised time."""
        if self.prom_hi[v] < 0:
            return 0.0
        late = float(self.late_coef[v]) * max(0, start - int(self.prom_hi[v]))
        return late + float(self.early_coef[v]) * max(0, int(self.prom_lo[v]) - start)


def compile_rules(problem: Problem) -> Rules:
    from solver.analysis.continuity import familiar_carers

    visits, carers = problem.visits, problem.carers
    n, k = len(visits), len(carers)
    clients = {cl: i for i, cl in enumerate(dict.fromkeys(v.client for v in visits))}
    fam = familiar_carers(problem)
    carer_index = {c.id: i for i, c in enumerate(carers)}
    familiar = np.zeros((n, k), dtype=bool)
    for i, v in enumerate(visits):  # by index, not a test per pair: 3 million pairs on a big day
        familiar[i, [carer_index[c] for c in fam[v.id] if c in carer_index]] = True
    has = np.asarray(familiar.any(axis=1), dtype=bool)
    unit = round(problem.continuity.cost_min * 60)
    cont = np.where(has[:, None] & ~familiar, unit, 0).astype(np.int64)
    index = {v.id: i for i, v in enumerate(visits)}
    links = [
        Link(i, index[a.visit_id], a.min_gap_s, a.max_gap_s if a.max_gap_s is not None else UNLIMITED)
        for i, v in enumerate(visits)
        for a in v.after
    ]
    cap = problem.continuity.max_carers_per_client
    return Rules(
        v_client=np.asarray([clients[v.client] for v in visits], dtype=np.int64),
        familiar=familiar,
        has_familiar=has,
        cont_cost=cont,
        prom_lo=np.asarray([v.promised.earliest_s if v.promised else -1 for v in visits], dtype=np.int64),
        prom_hi=np.asarray([v.promised.latest_s if v.promised else -1 for v in visits], dtype=np.int64),
        early_coef=np.asarray([v.promised.early_cost_per_min if v.promised else 0.0 for v in visits]),
        late_coef=np.asarray([v.promised.late_cost_per_min if v.promised else 0.0 for v in visits]),
        links=links,
        cap=cap if cap is not None else UNLIMITED,
    )


def eligibility(visits: list[Visit], carers: list[Carer]) -> NDArray[np.bool_]:
    """Who may take each visit (skills held, not excluded, the gender asked for), one row per
    visit: skills once per distinct set, gender and exclusions by index (a test per (visit,
    carer) pair took seconds at 5,000 visits)."""
    held = [set(c.skills) for c in carers]
    by_skills: dict[frozenset[str], NDArray[np.bool_]] = {}
    by_gender: dict[str, NDArray[np.bool_]] = {}
    index = {c.id: i for i, c in enumerate(carers)}
    out = np.zeros((len(visits), len(carers)), dtype=bool)
    for i, v in enumerate(visits):
        skills = frozenset(v.skills)
        if skills not in by_skills:
            by_skills[skills] = np.array([skills <= h for h in held], dtype=bool)
        row = by_skills[skills].copy()
        if v.carer_gender is not None:
            if v.carer_gender not in by_gender:
                by_gender[v.carer_gender] = np.array([c.gender == v.carer_gender for c in carers], dtype=bool)
            row &= by_gender[v.carer_gender]
        row[[index[c] for c in v.excluded_carers if c in index]] = False
        out[i] = row
    return out


def compile_problem(problem: Problem, travel: TravelMatrices | None = None) -> Compiled:
    travel = travel or build_travel(problem)
    modes = sorted(travel.durations_s)
    mode_index = {m: i for i, m in enumerate(modes)}
    carer_index = {c.id: i for i, c in enumerate(problem.carers)}
    visits, carers = problem.visits, problem.carers

    def arr(values: list[int]) -> IntArray:
        return np.asarray(values, dtype=np.int64).reshape(len(values))

    permits = eligibility(list(visits), list(carers))
    dur_by_mode = [drivable(travel.durations_s[m]) for m in modes]
    v_place = arr([travel.index(v.location) for v in visits])
    c_start, c_end = (
        arr([travel.index(c.start) for c in carers]),
        arr([travel.index(c.end_location) for c in carers]),
    )
    c_mode = arr([mode_index[c.travel_mode] for c in carers])
    reachable = reachable_visits(dur_by_mode, v_place, c_start, c_end, c_mode)
    return Compiled(
        problem=problem,
        travel=travel,
        modes=modes,
        v_place=v_place,
        v_ws=arr([v.window.start for v in visits]),
        v_we=arr([v.window.end for v in visits]),
        v_dur=arr([v.duration_s for v in visits]),
        v_req=arr([v.carers_required for v in visits]),
        v_prio=arr([PRIORITY_RANK[v.priority] for v in visits]),
        v_demand=arr([v.demand for v in visits]),
        c_start=c_start,
        c_end=c_end,
        c_shift_s=arr([c.shift.start for c in carers]),
        c_shift_e=arr([c.shift.end for c in carers]),
        c_mode=c_mode,
        c_max_visits=arr([c.max_visits if c.max_visits is not None else UNLIMITED for c in carers]),
        c_max_work=arr(
            [round(c.max_working_min * 60) if c.max_working_min is not None else UNLIMITED for c in carers]
        ),
        c_capacity=arr([c.capacity if c.capacity is not None else UNLIMITED for c in carers]),
        c_breaks=[[(b.window.start, b.window.end, b.duration_s) for b in c.breaks] for c in carers],
        eligible=permits & reachable,
        pinned=arr([carer_index[v.pinned_carer] if v.pinned_carer else -1 for v in visits]),
        dur_by_mode=dur_by_mode,
        dist_by_mode=[travel.distances_m[m] for m in modes],
        rules=compile_rules(problem),
        reachable=reachable,
    )


def drivable(seconds: IntArray) -> IntArray:
    """``seconds`` with every leg longer than a day (a null leg, or a long walk) set to
    ``UNREACHABLE_S``, so that the engines never see a leg between a day and the sentinel."""
    return np.where(seconds > MAX_DURATION_S, UNREACHABLE_S, seconds).astype(np.int64)


def reachable_visits(
    dur_by_mode: list[IntArray], v_place: IntArray, c_start: IntArray, c_end: IntArray, c_mode: IntArray
) -> BoolArray:
    """[visit, carer]: the carer can drive from their start to the visit and from it home."""
    out = np.ones((len(v_place), len(c_start)), dtype=bool)
    for c in range(len(c_start)):
        travel = dur_by_mode[int(c_mode[c])]
        go = travel[c_start[c], v_place] < UNREACHABLE_S
        back = travel[v_place, c_end[c]] < UNREACHABLE_S
        out[:, c] = go & back
    return out
