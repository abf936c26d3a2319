"""The independent plan checker: re-times every run from the problem alone (docs/rules.md).

Engines are trusted with nothing. ``check`` works out each leg from the travel spec itself
(``legs.py``, no engine or matrix code), walks each run
leg by leg and reports every hard rule the plan breaks, not just the first, so that a
broken engine shows the whole picture in one go. This module must never import ortools
(directly or through another module): the checker has to work, and stay honest, without
the engine it checks.

How numbers are compared, so that one wrong number is reported once, where it is wrong:
the *decisions* of a plan are ``run.start``, each stop's ``start`` and each break taken.
Everything else is derived: a stop's ``end`` is ``start + duration`` and its ``arrival``
is the previous (recomputed) end plus travel plus the breaks of that gap. Reported stop
fields are compared with those recomputations ("timing"); run totals are compared with the
sums of the reported stop fields plus the recomputed drive home ("totals"); KPIs are
compared with the sums of the reported run totals ("kpis").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import get_args

from solver.analysis.legs import Legs
from solver.model.clock import format_time, minutes_to_s
from solver.model.problem import (
    Break,
    BreakTaken,
    Carer,
    Location,
    Problem,
    ReasonCode,
    Run,
    Solution,
    Stop,
    Visit,
    with_rest_breaks,
)

RULES: tuple[str, ...] = (
    "problem_id",
    "status",
    "coverage",
    "unknown_carer",
    "window",
    "travel",
    "timing",
    "totals",
    "shift",
    "skill",
    "excluded",
    "gender",
    "pinned",
    "double_up",
    "max_visits",
    "max_working",
    "capacity",
    "break",
    "min_gap",
    "carers_per_client_cap",
    "kpis",
    "reason_code",
)
"""Every rule name ``check`` can report; stable strings used by tests and the CLI."""

KPI_RATIO_TOLERANCE = 0.01 + 1e-9
"""``travel_per_care_hour_min`` is rounded to 2 decimals, so allow one unit in the last place."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, a sentence for people, and the carer/visit it concerns."""

    rule: str
    message: str
    carer_id: str | None = None
    visit_id: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """Plain JSON-ready form (for the CLI's ``--json`` and the HTTP API)."""
        return asdict(self)


def _t(seconds: int) -> str:
    """Times in messages read as people write them, not as seconds."""
    return format_time(seconds)


# --------------------------------------------------------------------------- entry point


def check(problem: Problem, solution: Solution) -> list[Violation]:
    """Every violation of docs/rules.md by ``solution``, in a deterministic order.

    Order: header (problem id, status), coverage, then each run in solution order, then the
    rules that span runs (double-ups, pinned carers), KPIs and reason codes. With
    ``options.rest_breaks`` each carer's rest break counts as one of their breaks.
    """
    problem = with_rest_breaks(problem)
    travel = Legs(problem)
    carers = {c.id: c for c in problem.carers}
    visits = {v.id: v for v in problem.visits}
    out: list[Violation] = []
    out += _check_header(problem, solution)
    out += _check_coverage(problem, solution)
    for run in solution.runs:
        carer = carers.get(run.carer_id)
        if carer is None:
            out.append(Violation("unknown_carer", f"run of unknown carer {run.carer_id!r}", run.carer_id))
            continue
        out += _check_run(run, carer, visits, travel)
    out += _check_double_ups(problem, solution)
    out += _check_pinned(problem, solution)
    out += _check_gaps(problem, solution)
    out += _check_carer_cap(problem, solution)
    out += _check_kpis(problem, solution)
    out += _check_reasons(solution)
    return out


def format_report(violations: Iterable[Violation]) -> str:
    """A human summary: a count per rule, then one line per violation."""
    items = list(violations)
    if not items:
        return "OK: the plan keeps every hard rule."
    counts = Counter(v.rule for v in items)
    summary = ", ".join(f"{rule} {counts[rule]}" for rule in RULES if rule in counts)
    summary += "".join(f", {rule} {n}" for rule, n in counts.items() if rule not in RULES)
    lines = [f"{len(items)} violation{'s' if len(items) != 1 else ''} ({summary}):"]
    for v in items:
        where = ", ".join(
            part
            for part in (
                f"carer {v.carer_id}" if v.carer_id is not None else "",
                f"visit {v.visit_id}" if v.visit_id is not None else "",
            )
            if part
        )
        lines.append(f"  [{v.rule}] " + (f"{where}: " if where else "") + v.message)
    return "\n".join(lines)


# --------------------------------------------------------------------------- header, coverage


def _check_header(problem: Problem, solution: Solution) -> list[Violation]:
    """The plan must be for this problem, and say honestly whether it serves every visit."""
    out: list[Violation] = []
    if solution.problem_id != problem.id:
        out.append(
            Violation("problem_id", f"plan is for problem {solution.problem_id!r}, not {problem.id!r}")
        )
    expected = "partial" if solution.unassigned else "solved"
    if solution.status != expected:
        n = len(solution.unassigned)
        out.append(Violation("status", f"status is {solution.status!r} but {n} visit(s) unassigned"))
    return out


def _occurrences(solution: Solution) -> dict[str, list[str]]:
    """visit id -> carer id of every stop serving it, in solution order (repeats kept)."""
    found: dict[str, list[str]] = {}
    for run in solution.runs:
        for stop in run.stops:
            found.setdefault(stop.visit_id, []).append(run.carer_id)
    return found


def _check_coverage(problem: Problem, solution: Solution) -> list[Violation]:
    """Every visit is unassigned or in exactly ``carers_required`` runs; no strays, no repeats."""
    visits = {v.id: v for v in problem.visits}
    out = _check_run_ids(solution, visits)
    unassigned = Counter(u.visit_id for u in solution.unassigned)
    for vid, n in unassigned.items():
        if vid not in visits:
            out.append(Violation("coverage", f"unassigned lists unknown visit {vid!r}", visit_id=vid))
        elif n > 1:
            out.append(Violation("coverage", f"listed {n} times in unassigned", visit_id=vid))
    occurrences = _occurrences(solution)
    for visit in problem.visits:
        carers = occurrences.get(visit.id, [])
        if carers and visit.id in unassigned:
            msg = f"both unassigned and assigned (to {', '.join(carers)})"
            out.append(Violation("coverage", msg, visit_id=visit.id))
        elif not carers and visit.id not in unassigned:
            out.append(Violation("coverage", "neither assigned nor unassigned", visit_id=visit.id))
        elif carers and len(carers) != visit.carers_required:
            msg = f"in {len(carers)} stop(s) ({', '.join(carers)}) but needs {visit.carers_required} carer(s)"
            out.append(Violation("coverage", msg, visit_id=visit.id))
    return out


def _check_run_ids(solution: Solution, visits: dict[str, Visit]) -> list[Violation]:
    """Runs name known visits, each once per run, and each carer has at most one run.

    A double-up listed twice in one run is left to the ``double_up`` rule (its two copies
    are not in two different runs), so that one mistake is reported once.
    """
    out: list[Violation] = []
    carer_runs = Counter(run.carer_id for run in solution.runs)
    for cid, n in carer_runs.items():
        if n > 1:
            out.append(Violation("coverage", f"carer has {n} runs", carer_id=cid))
    for run in solution.runs:
        for vid, n in Counter(s.visit_id for s in run.stops).items():
            visit = visits.get(vid)
            if visit is None:
                out.append(Violation("coverage", f"unknown visit {vid!r} in run", run.carer_id, vid))
            elif n > 1 and not (n == 2 and visit.carers_required == 2):
                out.append(Violation("coverage", f"{n} times in one run", run.carer_id, vid))
    return out


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True)
class _Gap:
    """One leg of a run, from a place left at ``start`` to the next one, reached by ``end``.

    ``end`` is the next stop's reported start (or ``run.end`` for the drive home); ``travel_s``
    and ``distance_m`` come from the matrix; ``breaks_s`` sums the breaks taken in the leg.
    """

    start: int
    end: int
    travel_s: int
    distance_m: int
    breaks_s: int = 0
    routed: bool = True  # False: the matrix has no route for this leg (timed as 0 s)

    @property
    def earliest(self) -> int:
        """When the carer could be there without any break."""
        return self.start + self.travel_s

    @property
    def arrival(self) -> int:
        """Arrival by the rules: leave, take this leg's breaks, drive."""
        return self.start + self.travel_s + self.breaks_s


@dataclass(frozen=True)
class _Timed:
    """A run recomputed from the problem: its stops' visits, recomputed ends and its gaps.

    ``placement[i]`` says where ``run.breaks[i]`` lies: a gap index, ``_OUTSIDE`` the run
    or ``_NOWHERE`` (overlaps a stop or straddles the run's start or end).
    """

    run: Run
    carer: Carer
    visits: list[Visit]
    ends: list[int]
    gaps: list[_Gap]
    placement: list[int]


_OUTSIDE = -1
_NOWHERE = -2


def _check_run(run: Run, carer: Carer, visits: dict[str, Visit], travel: Legs) -> list[Violation]:
    """All single-run rules; timing rules only when every stop names a known visit."""
    known = [visits[s.visit_id] for s in run.stops if s.visit_id in visits]
    out = _check_who(run, carer, known)
    out += _check_windows(run, carer, visits)
    out += _check_limits(run, carer, known)
    if len(known) != len(run.stops):
        return out  # an unknown visit has no place to drive to (reported under coverage)
    timed = _time_run(run, carer, known, travel)
    out += _check_stops(timed)
    out += _check_totals(timed)
    out += _check_breaks(timed)
    out += _check_working(timed)
    return out


def _time_run(run: Run, carer: Carer, visits: list[Visit], travel: Legs) -> _Timed:
    """Recompute ends and legs, then place each taken break in a leg (or outside the run)."""
    places: list[Location] = [carer.start, *(v.location for v in visits), carer.end_location]
    ends = [s.start + v.duration_s for s, v in zip(run.stops, visits, strict=True)]
    bounds = [run.start, *ends]
    nexts = [*(s.start for s in run.stops), run.end]
    legs = [travel.leg(carer.travel_mode, places[k], places[k + 1]) for k in range(len(bounds))]
    bare = [
        _Gap(bounds[k], nexts[k], seconds or 0, metres, routed=seconds is not None)
        for k, (seconds, metres) in enumerate(legs)
    ]
    placement = [_place_break(b, run, bare) for b in run.breaks]
    gaps = [
        _Gap(g.start, g.end, g.travel_s, g.distance_m, _taken_in(run.breaks, placement, k), g.routed)
        for k, g in enumerate(bare)
    ]
    return _Timed(run, carer, visits, ends, gaps, placement)


def _place_break(taken: BreakTaken, run: Run, gaps: list[_Gap]) -> int:
    """Outside the run (carer off), wholly inside one gap, or nowhere allowed."""
    if taken.end <= run.start or taken.start >= run.end:
        return _OUTSIDE
    for k, gap in enumerate(gaps):
        if gap.start <= taken.start and taken.end <= gap.end:
            return k
    return _NOWHERE


def _taken_in(breaks: list[BreakTaken], placement: list[int], gap: int) -> int:
    """Seconds of break taken in one gap (as taken; a wrong duration is reported apart)."""
    return sum(b.end - b.start for b, k in zip(breaks, placement, strict=True) if k == gap)


# --------------------------------------------------------------------------- who may do a visit


def _check_who(run: Run, carer: Carer, visits: list[Visit]) -> list[Violation]:
    """Skills, exclusions and gender of each distinct visit of the run."""
    out: list[Violation] = []
    for visit in {v.id: v for v in visits}.values():
        missing = sorted(set(visit.skills) - set(carer.skills))
        if missing:
            msg = f"carer lacks skill(s) {', '.join(repr(s) for s in missing)}"
            out.append(Violation("skill", msg, carer.id, visit.id))
        if carer.id in visit.excluded_carers:
            out.append(Violation("excluded", "carer is excluded from this visit", carer.id, visit.id))
        if visit.carer_gender is not None and carer.gender != visit.carer_gender:
            msg = f"visit needs a {visit.carer_gender!r} carer, carer is {carer.gender!r}"
            out.append(Violation("gender", msg, carer.id, visit.id))
    return out


def _check_windows(run: Run, carer: Carer, visits: dict[str, Visit]) -> list[Violation]:
    """The window bounds each stop's *start* (not its end)."""
    out: list[Violation] = []
    for stop in run.stops:
        visit = visits.get(stop.visit_id)
        if visit is not None and not visit.window.start <= stop.start <= visit.window.end:
            w = visit.window
            msg = f"starts {_t(stop.start)}, outside its window {_t(w.start)}-{_t(w.end)}"
            out.append(Violation("window", msg, carer.id, visit.id))
    return out


def _check_limits(run: Run, carer: Carer, visits: list[Visit]) -> list[Violation]:
    """Shift, number of stops and load; ``max_working`` needs break placement (see below)."""
    out: list[Violation] = []
    s = carer.shift
    if run.start < s.start or run.end > s.end:
        msg = f"run {_t(run.start)}-{_t(run.end)} is not inside shift {_t(s.start)}-{_t(s.end)}"
        out.append(Violation("shift", msg, carer.id))
    if carer.max_visits is not None and len(run.stops) > carer.max_visits:
        msg = f"{len(run.stops)} stops, more than max_visits {carer.max_visits}"
        out.append(Violation("max_visits", msg, carer.id))
    load = sum(v.demand for v in visits)
    if carer.capacity is not None and load > carer.capacity:
        out.append(Violation("capacity", f"load {load} exceeds capacity {carer.capacity}", carer.id))
    return out


# --------------------------------------------------------------------------- timing


def _check_stops(timed: _Timed) -> list[Violation]:
    """Each stop is reachable in time and reports the numbers the problem implies."""
    out: list[Violation] = []
    cid = timed.carer.id
    for k, stop in enumerate(timed.run.stops):
        gap, vid = timed.gaps[k], stop.visit_id
        if not gap.routed:
            mode = timed.carer.travel_mode
            msg = f"no route to it from the previous place: travel.durations_s.{mode} is null"
            out.append(Violation("travel", msg, cid, vid))
        if stop.start < gap.earliest:
            msg = f"starts {_t(stop.start)} but cannot arrive before {_t(gap.earliest)}"
            out.append(Violation("travel", msg, cid, vid))
        elif stop.start < gap.arrival:
            msg = (
                f"starts {_t(stop.start)}: the gap from {_t(gap.start)} is too short for "
                f"{gap.travel_s}s travel and {gap.breaks_s}s of breaks"
            )
            out.append(Violation("break", msg, cid, vid))
        diffs = _stop_diffs(stop, gap, timed.ends[k])
        if diffs:
            out.append(Violation("timing", "; ".join(diffs), cid, vid))
    return out


def _stop_diffs(stop: Stop, gap: _Gap, end: int) -> list[str]:
    """Reported stop fields that differ from the recomputation, as 'field X, expected Y'."""
    diffs = [
        f"{name} {_t(got)}, expected {_t(want)}"
        for name, got, want in (("arrival", stop.arrival, gap.arrival), ("end", stop.end, end))
        if got != want
    ]
    wait = stop.start - gap.arrival
    counts = [("travel_s", stop.travel_s, gap.travel_s), ("distance_m", stop.distance_m, gap.distance_m)]
    if wait >= 0:  # a negative wait is already a travel/break violation
        counts.append(("wait_s", stop.wait_s, wait))
    diffs += [f"{name} {got}, expected {want}" for name, got, want in counts if got != want]
    return diffs


def _check_totals(timed: _Timed) -> list[Violation]:
    """Run totals add up the reported stops plus the drive home; ``run.end`` is exact."""
    run, home = timed.run, timed.gaps[-1]
    out: list[Violation] = []
    if not home.routed:
        mode = timed.carer.travel_mode
        msg = f"no route from the last stop back to the carer's end: travel.durations_s.{mode} is null"
        out.append(Violation("travel", msg, timed.carer.id))
    if run.end < home.earliest:
        msg = f"run ends {_t(run.end)} but cannot be back before {_t(home.earliest)}"
        out.append(Violation("travel", msg, timed.carer.id))
    elif run.end < home.arrival:
        msg = f"run ends {_t(run.end)}: too soon for the drive home and {home.breaks_s}s of breaks"
        out.append(Violation("break", msg, timed.carer.id))
    expected = {
        "travel_s": sum(s.travel_s for s in run.stops) + home.travel_s,
        "distance_m": sum(s.distance_m for s in run.stops) + home.distance_m,
        "care_s": sum(v.duration_s for v in timed.visits),
        "wait_s": sum(s.wait_s for s in run.stops),
    }
    diffs = [f"{k} {getattr(run, k)}, expected {v}" for k, v in expected.items() if getattr(run, k) != v]
    if run.end > home.arrival:
        diffs.insert(0, f"end {_t(run.end)}, expected {_t(home.arrival)}")
    if diffs:
        out.append(Violation("totals", "; ".join(diffs), timed.carer.id))
    return out


# --------------------------------------------------------------------------- breaks, working time


def _check_breaks(timed: _Timed) -> list[Violation]:
    """Each taken break matches its carer's break and lies outside the run or in one gap."""
    run, carer = timed.run, timed.carer
    out: list[Violation] = []
    wanted = len(carer.breaks)
    if len(run.breaks) != wanted and (run.stops or run.breaks):
        msg = f"run lists {len(run.breaks)} break(s), carer has {wanted}"
        out.append(Violation("break", msg, carer.id))
    if len(run.breaks) == wanted:
        for i, (taken, rule) in enumerate(zip(run.breaks, carer.breaks, strict=True)):
            out += _check_break_shape(i, taken, rule, carer.id)
    for i, taken in enumerate(run.breaks):
        if timed.placement[i] == _NOWHERE:
            out.append(_misplaced(i, taken, timed))
    out += _check_break_overlaps(timed)
    return out


def _check_break_shape(i: int, taken: BreakTaken, rule: Break, cid: str) -> list[Violation]:
    """A taken break lasts exactly its carer's ``duration_min`` and starts inside its window."""
    out: list[Violation] = []
    duration, lo, hi = rule.duration_s, rule.window.start, rule.window.end
    label = f"break {i} ({_t(taken.start)}-{_t(taken.end)})"
    if taken.end - taken.start != duration:
        out.append(Violation("break", f"{label} lasts {taken.end - taken.start}s, not {duration}s", cid))
    if not lo <= taken.start <= hi:
        out.append(Violation("break", f"{label} starts outside its window {_t(lo)}-{_t(hi)}", cid))
    return out


def _misplaced(i: int, taken: BreakTaken, timed: _Timed) -> Violation:
    """Say why a break in the run lies in no gap: it overlaps a stop or straddles the run."""
    label = f"break {i} ({_t(taken.start)}-{_t(taken.end)})"
    cid = timed.carer.id
    for stop, end in zip(timed.run.stops, timed.ends, strict=True):
        if taken.start < end and taken.end > stop.start:
            msg = f"{label} overlaps the visit {_t(stop.start)}-{_t(end)}"
            return Violation("break", msg, cid, stop.visit_id)
    run = timed.run
    if taken.start < run.start or taken.end > run.end:
        return Violation("break", f"{label} straddles the run {_t(run.start)}-{_t(run.end)}", cid)
    return Violation("break", f"{label} lies in no gap between stops", cid)


def _check_break_overlaps(timed: _Timed) -> list[Violation]:
    """Two breaks taken inside the run cannot overlap: each needs its own time in the gap."""
    inside = sorted(
        (b.start, b.end, i)
        for i, (b, k) in enumerate(zip(timed.run.breaks, timed.placement, strict=True))
        if k >= 0
    )
    return [
        Violation("break", f"breaks {a[2]} and {b[2]} overlap", timed.carer.id)
        for a, b in pairwise(inside)
        if b[0] < a[1]
    ]


def _check_working(timed: _Timed) -> list[Violation]:
    """Working time is the run's span minus breaks wholly inside it (not those off-run)."""
    carer, run = timed.carer, timed.run
    if carer.max_working_min is None:
        return []
    off = sum(b.end - b.start for b in run.breaks if run.start <= b.start and b.end <= run.end)
    working, limit = run.end - run.start - off, minutes_to_s(carer.max_working_min)
    if working <= limit:
        return []
    msg = f"works {working}s ({run.end - run.start}s span, {off}s breaks), limit {limit}s"
    return [Violation("max_working", msg, carer.id)]


# --------------------------------------------------------------------------- across runs


def _check_double_ups(problem: Problem, solution: Solution) -> list[Violation]:
    """A double-up's two copies are in runs of two different carers, starting together."""
    starts: dict[str, list[tuple[str, int]]] = {}
    for run in solution.runs:
        for stop in run.stops:
            starts.setdefault(stop.visit_id, []).append((run.carer_id, stop.start))
    out: list[Violation] = []
    for visit in problem.visits:
        copies = starts.get(visit.id, [])
        if visit.carers_required != 2 or len(copies) != 2:
            continue  # wrong counts are coverage
        (c1, s1), (c2, s2) = copies
        if c1 == c2:
            out.append(Violation("double_up", "both copies are in the same run", c1, visit.id))
        elif s1 != s2:
            msg = f"copies start at different times: {c1} {_t(s1)}, {c2} {_t(s2)}"
            out.append(Violation("double_up", msg, visit_id=visit.id))
    return out


def _check_pinned(problem: Problem, solution: Solution) -> list[Violation]:
    """A pinned visit, when assigned, is done by (at least) its pinned carer."""
    occurrences = _occurrences(solution)
    out: list[Violation] = []
    for visit in problem.visits:
        carers = occurrences.get(visit.id, [])
        if visit.pinned_carer is not None and carers and visit.pinned_carer not in carers:
            msg = f"pinned to {visit.pinned_carer} but done by {', '.join(carers)}"
            out.append(Violation("pinned", msg, visit.pinned_carer, visit.id))
    return out


def _check_gaps(problem: Problem, solution: Solution) -> list[Violation]:
    """Each `after` gap holds between two served visits (earliest copy of a double-up)."""
    starts: dict[str, int] = {}
    for run in solution.runs:
        for stop in run.stops:
            starts[stop.visit_id] = min(stop.start, starts.get(stop.visit_id, stop.start))
    out: list[Violation] = []
    for visit in problem.visits:
        for link in visit.after:
            if visit.id not in starts or link.visit_id not in starts:
                continue
            gap = starts[visit.id] - starts[link.visit_id]
            high = link.max_gap_s
            if gap < link.min_gap_s or (high is not None and gap > high):
                bound = f"{link.min_gap_min:g}" + (f"-{link.max_gap_min:g}" if high is not None else "+")
                msg = f"starts {gap / 60:g} min after visit {link.visit_id}, must be {bound} min"
                out.append(Violation("min_gap", msg, visit_id=visit.id))
    return out


def _check_carer_cap(problem: Problem, solution: Solution) -> list[Violation]:
    """No client sees more distinct carers in the day than `max_carers_per_client`."""
    cap = problem.continuity.max_carers_per_client
    if cap is None:
        return []
    client_of = {v.id: v.client for v in problem.visits}
    seen: dict[str, set[str]] = {}
    for run in solution.runs:
        for stop in run.stops:
            if stop.visit_id in client_of:
                seen.setdefault(client_of[stop.visit_id], set()).add(run.carer_id)
    return [
        Violation(
            "carers_per_client_cap",
            f"client {client} is served by {len(carers)} carers ({', '.join(sorted(carers))}), cap {cap}",
        )
        for client, carers in seen.items()
        if len(carers) > cap
    ]


def _expected_kpis(problem: Problem, solution: Solution) -> dict[str, int]:
    """The integer KPIs implied by the runs as reported (run totals are checked apart)."""
    visit_ids = {v.id for v in problem.visits}
    assigned = {s.visit_id for r in solution.runs for s in r.stops} & visit_ids
    doubles = {v.id for v in problem.visits if v.carers_required == 2}
    runs = solution.runs
    return {
        "visits": len(problem.visits),
        "visits_assigned": len(assigned),
        "double_ups": len(doubles),
        "double_ups_assigned": len(doubles & assigned),
        "care_s": sum(r.care_s for r in runs),
        "travel_s": sum(r.travel_s for r in runs),
        "distance_m": sum(r.distance_m for r in runs),
        "wait_s": sum(r.wait_s for r in runs),
        "carers_used": sum(1 for r in runs if r.stops),
    }


def travel_per_care_hour(travel_s: int, care_s: int) -> float:
    """Minutes driven per hour of care, 2 decimals; 0 when there is no care."""
    return round(travel_s / 60 / (care_s / 3600), 2) if care_s else 0.0


def _check_kpis(problem: Problem, solution: Solution) -> list[Violation]:
    """Headline numbers must agree with the runs they summarise."""
    kpis = solution.kpis
    expected = _expected_kpis(problem, solution)
    out = [
        Violation("kpis", f"kpis.{name} is {getattr(kpis, name)}, runs give {want}")
        for name, want in expected.items()
        if getattr(kpis, name) != want
    ]
    ratio = travel_per_care_hour(expected["travel_s"], expected["care_s"])
    reported = kpis.travel_per_care_hour_min
    if abs(reported - ratio) > KPI_RATIO_TOLERANCE:
        out.append(Violation("kpis", f"kpis.travel_per_care_hour_min is {reported}, runs give {ratio}"))
    by_code = {c: n for c, n in kpis.unassigned_by_code.items() if n}
    if by_code and by_code != dict(Counter(u.code for u in solution.unassigned)):
        out.append(Violation("kpis", f"kpis.unassigned_by_code {by_code} disagrees with unassigned"))
    return out


def _check_reasons(solution: Solution) -> list[Violation]:
    """Each unassigned visit carries a contract reason code and a non-blank reason."""
    codes = set(get_args(ReasonCode))
    out: list[Violation] = []
    for u in solution.unassigned:
        if u.code not in codes:
            out.append(Violation("reason_code", f"unknown reason code {u.code!r}", visit_id=u.visit_id))
        elif not u.reason.strip():
            out.append(Violation("reason_code", f"{u.code} without a reason", visit_id=u.visit_id))
    return out
