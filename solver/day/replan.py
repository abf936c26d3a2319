"""Re-planning during the day: a published plan, what has happened since, and the time now.

The published plan is turned into a *new Problem* that the ordinary engine solves, so that
re-planning keeps every rule of planning and the checker can verify the result:

- stops that started before ``now`` are frozen: pinned to their carer (a double-up to its
  two carers, by excluding everyone else), window fixed to the published start, critical;
  breaks already begun are fixed the same way;
- nothing else may start before ``now``: windows, shifts and breaks begin at ``now`` at the
  earliest (a visit whose window has closed unserved is reported, not planned);
- events: a carer unavailable from T keeps only what was frozen (the shift ends at T, or
  when the carer is home from the last frozen visit); a cancelled visit leaves the problem;
  an added visit joins it; an overrun lengthens the visit (its frozen start stays);
- stability is priced with the soft fields of the model: the published carers become the
  visit's preferred carers (moving it costs ``continuity.cost_min``) and the published start
  becomes a promised time with a 15-minute tolerance;
- continuity survives: a visit handed on from an unavailable carer prefers the carers its
  client knows (its own preferred carers and the client's regulars from history, the absent
  carer aside), so it goes to a familiar face first when one has the time. The history stays in
  the problem; the regulars are written into the preferences, so that the engine prices only
  moves away from the published plan and, for handed-on visits, away from a familiar carer.

The output is a Solution plus ``changes`` against the published plan. Frozen stops come back
byte for byte as published (an overrun one differs only in its end); this is verified, and a
plan that breaks it is an error, never a silent change.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field

import solver.engine as engine
from solver.analysis.check import check
from solver.analysis.continuity import familiar_carers
from solver.analysis.kpi import kpis
from solver.engine import FirstPlan
from solver.engine.compiled import compile_problem
from solver.io.documents import InputError
from solver.model.clock import format_time
from solver.model.problem import (
    BreakTaken,
    Change,
    Minutes,
    Problem,
    Solution,
    Strict,
    TimeOfDay,
    Unassigned,
    Visit,
)

STABILITY_COST_MIN = 30.0  # moving a visit to another carer, in travel-minute equivalents
TOLERANCE_MIN = 15.0  # a start may move this much either way for free
SHIFT_COST_PER_MIN = 1.0  # beyond the tolerance, per minute, early or late
DAY_END = 24 * 3600


class CarerUnavailable(Strict):
    type: Literal["carer_unavailable"]
    carer_id: str
    from_: TimeOfDay = Field(alias="from")


class VisitCancelled(Strict):
    type: Literal["visit_cancelled"]
    visit_id: str


class VisitAdded(Strict):
    type: Literal["visit_added"]
    visit: Visit


class VisitOverrun(Strict):
    type: Literal["visit_overrun"]
    visit_id: str
    extra_min: Minutes


Event = Annotated[CarerUnavailable | VisitCancelled | VisitAdded | VisitOverrun, Field(discriminator="type")]


class Events(Strict):
    """The re-planning events document (contract "Re-planning events")."""

    events: list[Event]


@dataclass
class Frozen:
    """What the transformation decided: frozen stops, released and closed visits."""

    stops: dict[tuple[str, str], Any] = field(default_factory=dict)  # (carer, visit) -> Stop
    breaks: dict[str, list[BreakTaken]] = field(default_factory=dict)  # as published
    overrun: set[str] = field(default_factory=set)
    closed: set[str] = field(default_factory=set)  # unserved, window shut before now
    removed_carers: set[str] = field(default_factory=set)
    released: set[str] = field(default_factory=set)  # handed on from an unavailable carer
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the new problem


def _published_by_visit(published: Solution) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for run in published.runs:
        for stop in run.stops:
            out.setdefault(stop.visit_id, []).append((run.carer_id, stop.start))
    return out


def _check_inputs(problem: Problem, published: Solution, events: Events, now: int) -> None:
    if published.problem_id != problem.id:
        message = f"published plan is for problem {published.problem_id!r}, not {problem.id!r}"
        raise InputError.at("published.problem_id", message)
    broken = [v for v in check(problem, published) if v.rule != "kpis"]  # figures, not the plan
    if broken:
        first = "; ".join(f"[{v.rule}] {v.message}" for v in broken[:3])
        message = f"published plan breaks {len(broken)} rule(s) of the problem: {first}"
        raise InputError.at("published", message)
    carers = {c.id for c in problem.carers}
    visits = {v.id for v in problem.visits}
    added: set[str] = set()
    for i, event in enumerate(events.events):
        where = f"events[{i}]"
        if isinstance(event, CarerUnavailable) and event.carer_id not in carers:
            raise InputError(f"{where}.carer_id: unknown carer {event.carer_id!r}")
        if isinstance(event, VisitCancelled | VisitOverrun) and event.visit_id not in visits | added:
            raise InputError(f"{where}.visit_id: unknown visit {event.visit_id!r}")
        if isinstance(event, VisitAdded):
            vid = event.visit.id
            if vid in visits | added:
                raise InputError(f"{where}.visit.id: visit {vid!r} already exists")
            if event.visit.window.end < now:
                raise InputError(f"{where}.visit.window: it closes before now ({format_time(now)})")
            added.add(vid)


def _freeze(problem: Problem, published: Solution, events: Events, now: int) -> Frozen:
    frozen = Frozen()
    for run in published.runs:
        for stop in run.stops:
            if stop.start < now:
                frozen.stops[(run.carer_id, stop.visit_id)] = stop
        frozen.breaks[run.carer_id] = list(run.breaks)
    frozen_visits = {v for _, v in frozen.stops}
    for i, event in enumerate(events.events):
        if isinstance(event, VisitCancelled) and event.visit_id in frozen_visits:
            raise InputError(
                f"events[{i}]: visit {event.visit_id!r} started before now; it cannot be cancelled"
            )
        if isinstance(event, VisitOverrun) and event.visit_id in frozen_visits:
            frozen.overrun.add(event.visit_id)
            _overrun_fits(published, event, now, f"events[{i}]")
        if isinstance(event, CarerUnavailable):
            for (cid, vid), stop in frozen.stops.items():
                if cid == event.carer_id and stop.start >= event.from_:
                    raise InputError(
                        f"events[{i}]: carer {cid!r} is unavailable from {format_time(event.from_)} "
                        f"but started visit {vid!r} at {format_time(stop.start)}"
                    )
    return frozen


def _overrun_fits(published: Solution, event: VisitOverrun, now: int, where: str) -> None:
    """An overrun of a frozen visit must not clash with a later stop that has already begun."""
    for run in published.runs:
        stops = run.stops
        for k, stop in enumerate(stops[:-1]):
            nxt = stops[k + 1]
            late_end = stop.end + round(event.extra_min * 60)
            if stop.visit_id == event.visit_id and nxt.start < now and late_end + nxt.travel_s > nxt.start:
                raise InputError(
                    f"{where}: an overrun of {event.extra_min:g} min to {format_time(late_end)} clashes with "
                    f"visit {nxt.visit_id!r}, which {run.carer_id!r} began at {format_time(nxt.start)}"
                )


def _stable_visit(
    visit: Visit, served: list[tuple[str, int]] | None, now: int, familiar: set[str] | None = None
) -> Visit:
    """A visit still to do: not before now, and priced for moving away from the published plan,
    or, handed on (``familiar`` given), for going to a carer the client does not know."""
    preferred = sorted({c for c, _ in served}) if served else sorted(familiar or ())
    update: dict[str, Any] = {
        "window": visit.window.model_copy(update={"start": max(visit.window.start, now)}),
        "preferred_carers": preferred,
    }
    if served:
        update["promised"] = {
            "time": served[0][1],
            "tolerance_min": TOLERANCE_MIN,
            "late_cost_per_min": SHIFT_COST_PER_MIN,
            "early_cost_per_min": SHIFT_COST_PER_MIN,
        }
    return Visit.model_validate({**visit.model_dump(), **update})


def _frozen_visit(visit: Visit, served: list[tuple[str, int]], all_carers: list[str]) -> Visit:
    mine = [c for c, _ in served]
    start = served[0][1]
    return Visit.model_validate(
        {
            **visit.model_dump(),
            "window": {"start": start, "end": start},
            "pinned_carer": mine[0],
            "excluded_carers": [c for c in all_carers if c not in mine],
            "preferred_carers": [],
            "priority": "critical",
            "promised": None,
        }
    )


def _closed_visit(visit: Visit, all_carers: list[str]) -> Visit:
    """Unserved and its window shut before now: nobody may take it (it is reported as such)."""
    return Visit.model_validate(
        {**visit.model_dump(), "excluded_carers": all_carers, "pinned_carer": None, "preferred_carers": []}
    )


def _carer_ends(problem: Problem, frozen: Frozen, events: Events) -> dict[str, int]:
    """Shift end of each unavailable carer: T, or home from the last frozen visit if later."""
    cp = compile_problem(problem)
    carer_index = {c.id: i for i, c in enumerate(problem.carers)}
    visit_index = {v.id: i for i, v in enumerate(problem.visits)}
    ends: dict[str, int] = {}
    for event in events.events:
        if not isinstance(event, CarerUnavailable):
            continue
        c = carer_index[event.carer_id]
        end = event.from_
        travel = cp.dur_by_mode[int(cp.c_mode[c])]
        for (cid, vid), stop in frozen.stops.items():
            if cid == event.carer_id:
                v = visit_index[vid]
                extra = _overrun_s(events, vid)
                end = max(end, stop.end + extra + int(travel[cp.v_place[v], cp.c_end[c]]))
        ends[event.carer_id] = min(ends.get(event.carer_id, DAY_END), end)
    return ends


def _overrun_s(events: Events, visit_id: str) -> int:
    return sum(
        round(e.extra_min * 60)
        for e in events.events
        if isinstance(e, VisitOverrun) and e.visit_id == visit_id
    )


def _carers(problem: Problem, published: Solution, frozen: Frozen, events: Events, now: int) -> list[Any]:
    """Carers as they stand at ``now``: a carer already on the road (left home before now) keeps
    the published departure; one still at home may leave from now on."""
    ends = _carer_ends(problem, frozen, events)
    busy = {cid for cid, _ in frozen.stops}
    left = {r.carer_id: r.start for r in published.runs if r.stops and r.start < now}
    out = []
    for carer in problem.carers:
        if carer.id in busy:
            start = carer.shift.start
        else:
            start = max(carer.shift.start, min(now, left.get(carer.id, now)))
        end = min(carer.shift.end, ends.get(carer.id, DAY_END))
        if carer.id in busy:
            end = max(end, ends.get(carer.id, 0))
        if start >= end:
            frozen.removed_carers.add(carer.id)
            continue
        taken = frozen.breaks.get(carer.id, [])
        last_end = max((st.end for (cid, _), st in frozen.stops.items() if cid == carer.id), default=0)
        breaks = []
        for k, brk in enumerate(carer.breaks):
            done = taken[k] if k < len(taken) and taken[k].start < now else None
            if done is not None:
                window = {"start": done.start, "end": done.start}
            else:
                window = {"start": max(brk.window.start, now), "end": max(brk.window.end, now)}
            if end < carer.shift.end and window["start"] >= last_end:
                continue  # the day is cut short: home after the last frozen visit, no break after it
            breaks.append({"window": window, "duration_min": brk.duration_min})
        out.append({**carer.model_dump(), "shift": {"start": start, "end": end}, "breaks": breaks})
    return out


def transform(
    problem: Problem,
    published: Solution,
    events: Events,
    now: int,
    stability_cost_min: float = STABILITY_COST_MIN,
) -> tuple[Problem, Frozen]:
    """The re-planning problem: see the module docstring. ``stability_cost_min`` prices a visit
    moved off its published carer, or handed on to a carer its client does not know."""
    _check_inputs(problem, published, events, now)
    frozen = _freeze(problem, published, events, now)
    served = _published_by_visit(published)
    cancelled = {e.visit_id for e in events.events if isinstance(e, VisitCancelled)}
    carers = _carers(problem, published, frozen, events, now)
    carer_ids = [c["id"] for c in carers]
    released = frozen.released
    for event in events.events:
        if isinstance(event, CarerUnavailable):
            for vid, by in served.items():
                if any(c == event.carer_id and s >= event.from_ for c, s in by):
                    released.add(vid)
    frozen_ids = {vid for _, vid in frozen.stops}
    known = familiar_carers(problem)
    absent = {e.carer_id for e in events.events if isinstance(e, CarerUnavailable)}
    visits: list[Visit] = [*problem.visits, *(e.visit for e in events.events if isinstance(e, VisitAdded))]
    out: list[Visit] = []
    for visit in visits:
        if visit.id in cancelled:
            continue
        extra = _overrun_s(events, visit.id)
        if extra:
            visit = visit.model_copy(update={"duration_min": visit.duration_min + extra / 60})
        if visit.id in frozen_ids:
            out.append(_frozen_visit(visit, served[visit.id], carer_ids))
        elif visit.window.end < now:
            frozen.closed.add(visit.id)
            out.append(_closed_visit(visit, carer_ids))
        else:
            if visit.id in released or visit.id not in served:  # handed on, added or unserved
                stable = _stable_visit(visit, None, now, known.get(visit.id, set()) - absent)
            else:
                stable = _stable_visit(visit, served[visit.id], now)
            if stable.pinned_carer in frozen.removed_carers:
                stable = stable.model_copy(update={"pinned_carer": None})
                frozen.notes.append(f"{visit.id}: pinned carer unavailable; unpinned")
            out.append(stable)
    gone = frozen.removed_carers
    cleaned = []
    for v in out:
        data = v.model_dump()
        data["preferred_carers"] = [c for c in data["preferred_carers"] if c not in gone]
        data["excluded_carers"] = [c for c in data["excluded_carers"] if c not in gone]
        data["after"] = [a for a in data.get("after", []) if a["visit_id"] not in cancelled]
        cleaned.append(data)
    data = problem.model_dump()
    data.update(
        visits=cleaned,
        carers=carers,
        continuity={**problem.continuity.model_dump(), "cost_min": stability_cost_min, "regular_carers": 0},
    )
    try:
        return Problem.model_validate(data), frozen
    except ValueError as exc:
        raise InputError.at("events", f"the events leave an invalid problem: {exc}") from exc


# --------------------------------------------------------------------------- warm start


def warm_solve(
    problem: Problem,
    published: Solution,
    *,
    time_limit_s: float,
    seed: int,
    solution_limit: int | None,
    released: set[str] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Solution:
    """Search from the published plan (what is still valid of it, the rest inserted) instead of
    from scratch: the plan a coordinator already sent out is the best start for a stable one.

    ``released`` visits leave their published carer (whose day was cut short) and are inserted
    again like new ones. The frozen past needs nothing here: ``transform`` pinned it."""
    first = FirstPlan.from_solution(published, label="published").without(released or set())
    return engine.solve(
        problem,
        first_plan=first,
        time_limit_s=time_limit_s,
        seed=seed,
        solution_limit=solution_limit,
        stop=stop,
    )


# --------------------------------------------------------------------------- changes


def changes(published: Solution, new: Solution, tolerance_min: float = TOLERANCE_MIN) -> list[Change]:
    """Visits whose carer changed, whose start moved by more than the tolerance, or that were
    added, cancelled or dropped. A double-up gives one entry per carer that changed."""
    before, after = _published_by_visit(published), _published_by_visit(new)
    out: list[Change] = []
    for vid in sorted(before.keys() | after.keys()):
        old, fresh = before.get(vid, []), after.get(vid, [])
        if not old or not fresh:
            out.extend(_one_sided(vid, old, fresh))
            continue
        old_c, new_c = [c for c, _ in old], [c for c, _ in fresh]
        t0, t1 = old[0][1], fresh[0][1]
        stay = [c for c in old_c if c in new_c]
        left = [c for c in old_c if c not in new_c]
        joined = [c for c in new_c if c not in old_c]
        moved = abs(t1 - t0) > tolerance_min * 60
        pairs = [(c, c) for c in stay if moved] + list(zip(left, joined, strict=False))
        for a, b in pairs:
            out.append(Change(visit_id=vid, from_carer=a, to_carer=b, from_start=t0, to_start=t1))
    return out


def _one_sided(vid: str, old: list[tuple[str, int]], fresh: list[tuple[str, int]]) -> list[Change]:
    if old:
        return [Change(visit_id=vid, from_carer=c, from_start=t) for c, t in old]
    return [Change(visit_id=vid, to_carer=c, to_start=t) for c, t in fresh]


# --------------------------------------------------------------------------- entry point


def _frozen_kept(frozen: Frozen, solution: Solution) -> list[str]:
    """Frozen stops that did not come back exactly as published (must be none)."""
    got = {(r.carer_id, s.visit_id): s for r in solution.runs for s in r.stops}
    bad = []
    for key, stop in frozen.stops.items():
        new = got.get(key)
        if new is None:
            bad.append(f"{key[1]} ({key[0]}) is missing")
            continue
        want = stop.model_dump()
        have = new.model_dump()
        if key[1] in frozen.overrun:
            want.pop("end")
            have.pop("end")
        if want != have:
            bad.append(f"{key[1]} ({key[0]}) changed: {want} -> {have}")
    return bad


def _closed_reasons(problem: Problem, solution: Solution, frozen: Frozen, now: int) -> Solution:
    if not frozen.closed:
        return solution
    unassigned = [
        Unassigned(
            visit_id=u.visit_id,
            code="NO_CARER_IN_WINDOW",
            reason=f"its window closed before now ({format_time(now)[:5]}) and it was not served",
        )
        if u.visit_id in frozen.closed
        else u
        for u in solution.unassigned
    ]
    figures = kpis(problem, solution.runs, unassigned)
    merged = {**solution.kpis.model_dump(), "unassigned_by_code": figures.unassigned_by_code}
    return solution.model_copy(update={"unassigned": unassigned, "kpis": type(solution.kpis)(**merged)})


def replan(
    problem: Problem,
    published: Solution,
    events: Events,
    now: int,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    warm: bool = True,
    stop: Callable[[], bool] | None = None,
    stability_cost_min: float = STABILITY_COST_MIN,
) -> tuple[Solution, Problem]:
    """The re-planned day and the problem it solves (what the checker should check it against).

    ``warm`` searches from the published plan; off, the engine plans the rest of the day from
    scratch, which moves far more visits (``benchmarks/replan.py`` measures both)."""
    started = time.monotonic()
    new_problem, frozen = transform(problem, published, events, now, stability_cost_min)
    if warm:
        solution = warm_solve(
            new_problem,
            published,
            time_limit_s=time_limit_s if time_limit_s is not None else new_problem.options.time_limit_s,
            seed=seed if seed is not None else new_problem.options.seed,
            solution_limit=solution_limit
            if solution_limit is not None
            else new_problem.options.solution_limit,
            released=frozen.released,
            stop=stop,
        )
    else:  # from scratch, as a first plan of the day is made (kept for comparison)
        solution = engine.solve(
            new_problem, time_limit_s=time_limit_s, seed=seed, solution_limit=solution_limit, stop=stop
        )
    solution = _closed_reasons(new_problem, solution, frozen, now)
    bad = _frozen_kept(frozen, solution)
    if bad:
        raise RuntimeError("re-planning changed frozen stops: " + "; ".join(bad[:5]))
    notes = [
        *solution.solver.notes,
        f"re-planned at {format_time(now)[:5]}: {len(frozen.stops)} stop(s) frozen",
        *frozen.notes,
    ]
    if frozen.removed_carers:
        notes.append(f"carers with no time left: {', '.join(sorted(frozen.removed_carers))}")
    info = solution.solver.model_copy(update={"notes": notes, "wall_s": round(time.monotonic() - started, 3)})
    return solution.model_copy(update={"changes": changes(published, solution), "solver": info}), new_problem


def change_counts(solution: Solution) -> dict[str, int]:
    """How many visits changed carer, moved in time only, were added, or were dropped."""
    kinds: Counter[str] = Counter()
    seen: dict[str, str] = {}
    for ch in solution.changes or []:
        if ch.from_carer is None:
            kind = "added"
        elif ch.to_carer is None:
            kind = "dropped"
        elif ch.from_carer != ch.to_carer:
            kind = "carer"
        else:
            kind = "time"
        if seen.get(ch.visit_id) != "carer":
            seen[ch.visit_id] = kind
    kinds.update(seen.values())
    return {
        "visits_changed": len(seen),
        **{k: kinds.get(k, 0) for k in ("carer", "time", "added", "dropped")},
    }
