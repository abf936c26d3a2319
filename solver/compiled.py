"""A validated Problem flattened into integer numpy arrays for the engines.

Engines, the construction heuristic and the diagnosis all need the same facts (seconds, place
indices, who may do what); computing them once here keeps every one of them in agreement.
The checker deliberately does *not* use this module, so that a bug here cannot hide itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from solver.model import Carer, Problem, Visit
from solver.travel import TravelMatrices, build_travel

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
    # eligible[v, c]: carer c may do visit v (skills, exclusion, gender; pin handled apart)
    eligible: BoolArray
    pinned: IntArray  # carer index or -1
    dur_by_mode: list[IntArray] = field(default_factory=list)
    dist_by_mode: list[IntArray] = field(default_factory=list)

    @property
    def n_visits(self) -> int:
        return len(self.v_place)

    @property
    def n_carers(self) -> int:
        return len(self.c_start)

    def allowed(self, v: int) -> list[int]:
        """Carers that may do visit ``v`` at all (its pinned carer counts only if eligible)."""
        return [int(c) for c in np.flatnonzero(self.eligible[v])]


def _eligible(visit: Visit, carer: Carer) -> bool:
    if not set(visit.skills) <= set(carer.skills):
        return False
    if carer.id in visit.excluded_carers:
        return False
    return not (visit.carer_gender is not None and carer.gender != visit.carer_gender)


def compile_problem(problem: Problem, travel: TravelMatrices | None = None) -> Compiled:
    travel = travel or build_travel(problem)
    modes = sorted(travel.durations_s)
    mode_index = {m: i for i, m in enumerate(modes)}
    carer_index = {c.id: i for i, c in enumerate(problem.carers)}
    visits, carers = problem.visits, problem.carers

    def arr(values: list[int]) -> IntArray:
        return np.asarray(values, dtype=np.int64).reshape(len(values))

    eligible = np.array([[_eligible(v, c) for c in carers] for v in visits], dtype=bool).reshape(
        len(visits), len(carers)
    )
    return Compiled(
        problem=problem,
        travel=travel,
        modes=modes,
        v_place=arr([travel.index(v.location) for v in visits]),
        v_ws=arr([v.window.start for v in visits]),
        v_we=arr([v.window.end for v in visits]),
        v_dur=arr([v.duration_s for v in visits]),
        v_req=arr([v.carers_required for v in visits]),
        v_prio=arr([PRIORITY_RANK[v.priority] for v in visits]),
        v_demand=arr([v.demand for v in visits]),
        c_start=arr([travel.index(c.start) for c in carers]),
        c_end=arr([travel.index(c.end_location) for c in carers]),
        c_shift_s=arr([c.shift.start for c in carers]),
        c_shift_e=arr([c.shift.end for c in carers]),
        c_mode=arr([mode_index[c.travel_mode] for c in carers]),
        c_max_visits=arr([c.max_visits if c.max_visits is not None else UNLIMITED for c in carers]),
        c_max_work=arr(
            [round(c.max_working_min * 60) if c.max_working_min is not None else UNLIMITED for c in carers]
        ),
        c_capacity=arr([c.capacity if c.capacity is not None else UNLIMITED for c in carers]),
        c_breaks=[[(b.window.start, b.window.end, b.duration_s) for b in c.breaks] for c in carers],
        eligible=eligible,
        pinned=arr([carer_index[v.pinned_carer] if v.pinned_carer else -1 for v in visits]),
        dur_by_mode=[travel.durations_s[m] for m in modes],
        dist_by_mode=[travel.distances_m[m] for m in modes],
    )
