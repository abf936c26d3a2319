"""Why a visit was left out: a reason code and a sentence a coordinator can act on.

Each test asks a sharper question than the one before: does anyone hold the skills; is anyone
allowed (exclusions, gender, pin); is any allowed carer on shift for the window; can one get
there in time; for a double-up, can two; and finally, would the visit fit into the plan as it
stands. Only a visit that fits and was still left out is ``OPTIMISER_DROPPED``.
"""

from __future__ import annotations

import copy

import numpy as np

from solver.engine.compiled import UNLIMITED, Compiled, eligibility
from solver.engine.construct import (
    Builder,
    Inserter,
    Nodes,
    Plan,
    plan_from_runs,
    plan_runs,
    plan_travel,
    runs_soft_cost,
)
from solver.engine.deadline import Deadline
from solver.model.clock import format_time
from solver.model.problem import MatrixTravel, Unassigned
from solver.travel import UNREACHABLE_S

Sequence = list[tuple[int, int]]


def _window(cp: Compiled, v: int) -> str:
    return f"{format_time(int(cp.v_ws[v]))[:5]} and {format_time(int(cp.v_we[v]))[:5]}"


def _reachable(cp: Compiled, v: int, carers: np.ndarray, with_travel: bool) -> np.ndarray:
    """Carers (of ``carers``) whose shift can hold the visit on an otherwise empty run."""
    carers = np.asarray(carers, dtype=np.int64)
    go, back = _trips(cp, v, carers) if with_travel else (0, 0)
    start = np.maximum(cp.c_shift_s[carers] + go, cp.v_ws[v])
    fits = (start <= cp.v_we[v]) & (start + cp.v_dur[v] + back <= cp.c_shift_e[carers])
    return carers[fits]


def _no_route(cp: Compiled, v: int, carers: np.ndarray | list[int]) -> str:
    """Which legs are missing for these carers: to the visit, back home, or both."""
    go = back = False
    for c in carers:
        travel = cp.dur_by_mode[int(cp.c_mode[c])]
        go |= bool(travel[cp.c_start[c], cp.v_place[v]] >= UNREACHABLE_S)
        back |= bool(travel[cp.v_place[v], cp.c_end[c]] >= UNREACHABLE_S)
    legs = " or ".join(
        leg
        for leg, missing in (("from their start to it", go), ("from it back to their end", back))
        if missing
    )
    modes = sorted({cp.modes[int(cp.c_mode[c])] for c in carers})
    if isinstance(cp.problem.travel, MatrixTravel):
        where = f"durations_s.{modes[0]}" if len(modes) == 1 else f"durations_s ({', '.join(modes)})"
        return f"travel.{where} has no route (null) {legs}"
    return f"travel by {' or '.join(modes)} takes over 24 h {legs}"


def _trips(cp: Compiled, v: int, carers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seconds from each carer's home to the visit and from it to their end place."""
    go = np.zeros(len(carers), dtype=np.int64)
    back = np.zeros(len(carers), dtype=np.int64)
    place, modes = int(cp.v_place[v]), cp.c_mode[carers]
    for m in np.unique(modes):
        mine = modes == m
        travel = cp.dur_by_mode[int(m)]
        go[mine] = travel[cp.c_start[carers[mine]], place]
        back[mine] = travel[place, cp.c_end[carers[mine]]]
    return go, back


class SkilledBy:
    """Carers holding each set of skills, worked out once per set (a big day has few sets)."""

    def __init__(self, cp: Compiled) -> None:
        self.held = [set(carer.skills) for carer in cp.problem.carers]
        self.known: dict[frozenset[str], list[int]] = {}

    def of(self, skills: frozenset[str]) -> list[int]:
        if skills not in self.known:
            self.known[skills] = [c for c, held in enumerate(self.held) if skills <= held]
        return self.known[skills]


def _static_reason(cp: Compiled, v: int, skilled_by: SkilledBy | None = None) -> tuple[str, str] | None:
    """A reason that holds whatever the rest of the plan: no one could ever take this visit."""
    visit = cp.problem.visits[v]
    need = int(cp.v_req[v])
    skills = frozenset(visit.skills)
    skilled = (skilled_by or SkilledBy(cp)).of(skills)
    partner = "only one carer {}; it needs two at once"
    if not skilled or (skills and len(skilled) < need):
        held = ", ".join(repr(s) for s in sorted(skills))
        return "NO_SKILLED_CARER", f"{'no' if not skilled else 'only one'} carer holds {held}"
    if len(skilled) < need:
        return "DOUBLE_UP_PARTNER", partner.format("is on the rota")
    pin = int(cp.pinned[v])
    permits = eligibility([visit], list(cp.problem.carers))[0]
    if pin >= 0 and not permits[pin]:
        return (
            "EXCLUDED_OR_GENDER",
            f"pinned carer {cp.problem.carers[pin].id!r} lacks a skill or the gender asked for",
        )
    by_rules = np.flatnonzero(permits)
    if len(by_rules) == 0:
        return "EXCLUDED_OR_GENDER", "every skilled carer is excluded or not of the gender asked for"
    if len(by_rules) < need:
        return "DOUBLE_UP_PARTNER", partner.format("is allowed (skills, exclusions, gender)")
    if pin >= 0 and not cp.eligible[v, pin]:
        return (
            "TRAVEL_TOO_FAR",
            f"pinned carer {cp.problem.carers[pin].id!r} cannot drive there and back: "
            + _no_route(cp, v, [pin]),
        )
    allowed = np.flatnonzero(cp.eligible[v])
    if len(allowed) == 0:
        return "TRAVEL_TOO_FAR", f"no allowed carer can drive there and back: {_no_route(cp, v, by_rules)}"
    if len(allowed) < need:
        return "DOUBLE_UP_PARTNER", partner.format("has a route there and back (travel)")
    on_shift = _reachable(cp, v, allowed, with_travel=False)
    window = _window(cp, v)
    if pin >= 0 and pin not in on_shift:
        return (
            "NO_CARER_IN_WINDOW",
            f"pinned carer {cp.problem.carers[pin].id!r} is not on shift between {window}",
        )
    if len(on_shift) == 0:
        lasts = f"{int(cp.v_dur[v]) // 60} min"
        return (
            "NO_CARER_IN_WINDOW",
            f"no allowed carer is on shift to start it between {window} and work {lasts}",
        )
    if len(on_shift) < need:
        return "DOUBLE_UP_PARTNER", partner.format(f"is on shift between {window}")
    reach = _reachable(cp, v, on_shift, with_travel=True)
    if pin >= 0 and pin not in reach:
        name = cp.problem.carers[pin].id
        return (
            "TRAVEL_TOO_FAR",
            f"pinned carer {name!r} cannot get there and home within shift between {window}",
        )
    if len(reach) == 0:
        return "TRAVEL_TOO_FAR", f"no allowed carer can get there and home within shift between {window}"
    if len(reach) < need:
        return "DOUBLE_UP_PARTNER", partner.format(f"can get there and home within shift between {window}")
    roomy = reach[_has_room(cp, v, reach)]
    if len(roomy) < need:
        return (
            "SHIFT_CAPACITY",
            "no allowed carer has room for it under max_visits, capacity or max_working_min",
        )
    if need == 2 and not _pair_meets(cp, v, roomy, pin):
        return (
            "DOUBLE_UP_PARTNER",
            f"no two carers who could take it can start it together between {window}: "
            "their shifts (with travel there and home) never overlap",
        )
    return None


def start_ranges(cp: Compiled, v: int, carers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The earliest and latest start of the visit for each carer on an otherwise empty run:
    inside the window, after driving there from the shift's start, home by the shift's end."""
    go, back = _trips(cp, v, carers)
    lo = np.maximum(cp.c_shift_s[carers] + go, cp.v_ws[v])
    hi = np.minimum(cp.v_we[v], cp.c_shift_e[carers] - back - cp.v_dur[v])
    return lo, hi


def _pair_meets(cp: Compiled, v: int, carers: np.ndarray, pin: int) -> bool:
    """Whether two of ``carers`` (one of them the pinned carer, if any) share a start."""
    lo, hi = start_ranges(cp, v, carers)
    if pin >= 0:
        mine = carers == pin
        if not mine.any():
            return False
        others = ~mine
        return bool((np.maximum(lo[others], lo[mine][0]) <= np.minimum(hi[others], hi[mine][0])).any())
    order = np.argsort(lo, kind="stable")
    latest_end = np.maximum.accumulate(hi[order])  # the ranges so far reach this far
    return bool((lo[order][1:] <= latest_end[:-1]).any())


def _has_room(cp: Compiled, v: int, carers: np.ndarray) -> np.ndarray:
    """Which carers have room for it on an otherwise empty run under their visit, load and
    working-time caps."""
    go, back = _trips(cp, v, carers)
    return (
        (cp.c_max_visits[carers] >= 1)
        & (cp.c_capacity[carers] >= cp.v_demand[v])
        & (go + back + cp.v_dur[v] <= cp.c_max_work[carers])
    )


def diagnose(
    cp: Compiled,
    nodes: Nodes,
    runs: list[Sequence],
    missing: list[int],
    forced: dict[int, tuple[str, str]] | None = None,
    until: Deadline | None = None,
) -> list[Unassigned]:
    """A reason for every visit in ``missing``; ``forced`` visits were taken out for a rule.

    Once ``until`` expires, a visit no static test explains is not tried in the plan any more:
    it is reported as left out for want of time, so that every visit still gets a reason."""
    out: list[Unassigned] = []
    plan = plan_from_runs(cp, nodes, runs) if missing else None
    trial = _Trial(cp, nodes, plan) if plan is not None else None
    forced = forced or {}
    late = False
    skilled_by = SkilledBy(cp)
    for i, v in enumerate(missing):
        found = forced.get(v) or _static_reason(cp, v, skilled_by)
        late = late or (until is not None and i % 8 == 0 and until.expired())
        if found is None and late:
            found = TIMED_OUT
        code, reason = found or _dynamic_reason(cp, nodes, trial, v)
        out.append(Unassigned(visit_id=cp.problem.visits[v].id, code=code, reason=reason))
    return out


TIMED_OUT = (
    "OPTIMISER_DROPPED",
    "the time limit ran out before it could be fitted into the plan; a longer limit may place it",
)


class _Trial:
    """One inserter over the plan, each visit tried in turn and undone (copying the whole plan
    per visit made the diagnosis of a big day take longer than its search)."""

    def __init__(self, cp: Compiled, nodes: Nodes, plan: Plan) -> None:
        self.plan = copy.deepcopy(plan)
        self.inserter = Inserter(Builder(cp, nodes), self.plan)
        self.travel = sum(plan_travel(cp, self.plan))
        self.soft = runs_soft_cost(cp, nodes, plan_runs(self.plan))


def _dynamic_reason(cp: Compiled, nodes: Nodes, trial: _Trial | None, v: int) -> tuple[str, str]:
    """Would the visit fit into the plan as it stands? If so, say what it would cost.

    When it fits only with the `after` gaps or the carer cap switched off, that rule is the
    reason (MIN_GAP, CONTINUITY_CAP)."""
    busy = f"every carer who could take it{' (two at once)' if cp.v_req[v] == 2 else ''} is busy"
    if trial is None:
        return "SHIFT_CAPACITY", f"{busy} between {_window(cp, v)}"
    inserter, state = trial.inserter, trial.inserter.save()
    try:
        if not inserter.insert(v):
            inserter.restore(state)
            return _blocking_rule(cp, trial, v) or ("SHIFT_CAPACITY", f"{busy} between {_window(cp, v)}")
        extra = sum(plan_travel(cp, trial.plan)) - trial.travel
        soft = runs_soft_cost(cp, nodes, plan_runs(trial.plan)) - trial.soft
        who = ", ".join(
            cp.problem.carers[c].id
            for c in range(cp.n_carers)
            if any(n in trial.plan.runs[c] for n in nodes.of_visit[v])
        )
    finally:
        inserter.restore(state)
    costs = f"{extra / 60:.0f} min of travel" + (
        f" and {soft / 60:.0f} min of continuity/lateness cost" if soft else ""
    )
    return (
        "OPTIMISER_DROPPED",
        f"it fits (with {who}), but adds {costs}; it was dropped as too costly",
    )


def _blocking_rule(cp: Compiled, trial: _Trial, v: int) -> tuple[str, str] | None:
    """MIN_GAP or CONTINUITY_CAP when lifting that rule alone lets the visit in."""
    inserter = trial.inserter
    for rule in ("links", "cap"):
        if rule == "links" and v not in inserter.links_of:
            continue
        if rule == "cap" and cp.r.cap >= UNLIMITED:
            continue
        window = inserter.window(v)
        state = inserter.save()
        inserter.use_links, inserter.use_cap = rule != "links", rule != "cap"
        try:
            fits = inserter.insert(v)
        finally:
            inserter.use_links = inserter.use_cap = True
            inserter.restore(state)
        if fits:
            if rule == "links":
                span = (
                    "no time"
                    if window[0] > window[1]
                    else (f"{format_time(window[0])[:5]}-{format_time(window[1])[:5]}")
                )
                return (
                    "MIN_GAP",
                    f"its `after` gaps to visits already planned leave it {span}, when no carer is free",
                )
            return (
                "CONTINUITY_CAP",
                f"its client already has the {cp.r.cap} carer(s) max_carers_per_client allows, none free",
            )
    return None
