"""Score a plan someone else made (a coordinator's rota, another tool's output) on our figures.

A plan is either a full Solution or just each carer's ordered visit ids (contract "Plans to
evaluate"). A plan with times (a Solution, or runs with ``starts``) whose times keep every rule
is scored at those times, so a plan evaluated scores exactly what it scored when it was made
(pay depends on when each visit starts). Otherwise only the *order* is taken from it and every
time is recomputed from the problem, as the engine's construction times a run. Then the independent
checker lists every rule the plan breaks, with its cause, as VROOM's plan mode does. A plan
that cannot be timed within the rules is still timed (each visit at its earliest possible
start, late if it must be) so that its violations can be shown rather than refused.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from solver.analysis.check import Violation, check
from solver.engine.compiled import Compiled, compile_problem
from solver.engine.construct import Nodes, Plan, plan_from_runs
from solver.engine.extract import BreakPlacementError, build_solution
from solver.io.documents import InputError, parse
from solver.model.problem import Problem, Solution, Strict, TimeOfDay, TimeWindow
from solver.travel.valhalla import checkable

Sequence = list[tuple[int, int]]  # (node, start second)
DAY_END = 24 * 3600
MAX_PASSES = 200


class PlannedRun(Strict):
    carer_id: str = Field(min_length=1)
    visit_ids: list[str]
    starts: list[TimeOfDay] | None = Field(
        default=None, description="When each visit starts; kept if they keep every rule."
    )
    breaks: list[TimeOfDay] | None = Field(
        default=None, description="When each of the carer's breaks starts, with `starts`."
    )


class PlanDocument(Strict):
    """The short form of a plan: who does which visits, in order; no times."""

    runs: list[PlannedRun]


def parse_plan(text: str, source: str) -> PlanDocument:
    """A full Solution (its stop order is kept, its times are not) or the short form."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(raw, dict) and "status" in raw:
        return plan_of_solution(parse(Solution, text, source))
    return parse(PlanDocument, text, source)


def plan_of_solution(solution: Solution) -> PlanDocument:
    """A Solution's runs as a plan: the order of its stops and when each starts."""
    return PlanDocument(
        runs=[
            PlannedRun(
                carer_id=r.carer_id,
                visit_ids=[s.visit_id for s in r.stops],
                starts=[s.start for s in r.stops],
                breaks=[b.start for b in r.breaks],
            )
            for r in solution.runs
        ]
    )


def _orders(problem: Problem, plan: PlanDocument, nodes: Nodes) -> list[list[int]]:
    """Each carer's visit nodes in order; bad references are input errors, naming the field."""
    carer_index = {c.id: i for i, c in enumerate(problem.carers)}
    visit_index = {v.id: i for i, v in enumerate(problem.visits)}
    orders: list[list[int]] = [[] for _ in problem.carers]
    used: dict[int, list[int]] = {}  # visit -> carers holding it
    errors: list[str] = []
    seen_carers: set[str] = set()
    for i, run in enumerate(plan.runs):
        c = carer_index.get(run.carer_id)
        if c is None:
            errors.append(f"runs[{i}].carer_id: unknown carer {run.carer_id!r}")
            continue
        if run.carer_id in seen_carers:
            errors.append(f"runs[{i}].carer_id: carer {run.carer_id!r} has two runs")
            continue
        seen_carers.add(run.carer_id)
        for j, vid in enumerate(run.visit_ids):
            v = visit_index.get(vid)
            where = f"runs[{i}].visit_ids[{j}]"
            if v is None:
                errors.append(f"{where}: unknown visit {vid!r}")
                continue
            holders = used.setdefault(v, [])
            need = problem.visits[v].carers_required
            if c in holders:
                errors.append(f"{where}: visit {vid!r} is twice in the run of {run.carer_id!r}")
            elif len(holders) >= need:
                errors.append(f"{where}: visit {vid!r} needs {need} carer(s) but is in more runs")
            else:
                orders[c].append(nodes.of_visit[v][len(holders)])
                holders.append(c)
    if errors:
        raise InputError("plan: " + "; ".join(errors[:50]))
    return orders


# --------------------------------------------------------------------------- timing


def _gap_bounds(problem: Problem, nodes: Nodes, node: int) -> list[tuple[int, float, float | None]]:
    """(other node, min gap s, max gap s) of this visit's ``after`` rules, when the model has them."""
    visit = problem.visits[int(nodes.visit[node])]
    index = {v.id: i for i, v in enumerate(problem.visits)}
    out = []
    for rule in getattr(visit, "after", []) or []:
        other = index.get(rule.visit_id)
        if other is not None:
            hi = None if rule.max_gap_min is None else rule.max_gap_min * 60
            out.append((nodes.of_visit[other][0], rule.min_gap_min * 60, hi))
    return out


def earliest_starts(cp: Compiled, nodes: Nodes, orders: list[list[int]]) -> dict[int, int]:
    """Each node's earliest start in its run, double-up copies together, ``after`` gaps kept.

    Breaks are ignored here (they are placed afterwards); late starts are allowed, so that a
    rota that cannot keep a window is timed, not refused. Double-ups and gaps couple runs, so
    passes repeat until no start moves. Starts only grow and are capped at the end of the day,
    so this settles even when two runs wait on each other (the checker then reports it); a gap
    to a visit later in the same run cannot be met by waiting and is left to the checker."""
    start: dict[int, int] = {}
    partner = {
        n: copies[1 - k] for copies in nodes.of_visit if len(copies) == 2 for k, n in enumerate(copies)
    }
    gaps = {n: _gap_bounds(cp.problem, nodes, n) for order in orders for n in order}
    position = {n: (c, k) for c, order in enumerate(orders) for k, n in enumerate(order)}
    for _ in range(MAX_PASSES):
        moved = False
        for c, order in enumerate(orders):
            travel = cp.dur_by_mode[int(cp.c_mode[c])]
            free, at = int(cp.c_shift_s[c]), int(cp.c_start[c])
            for node in order:
                v = int(nodes.visit[node])
                place = int(cp.v_place[v])
                s = max(free + int(travel[at, place]), int(cp.v_ws[v]), start.get(node, 0))
                if node in partner and partner[node] in start:
                    s = max(s, start[partner[node]])
                for other, lo, _ in gaps[node]:
                    later_here = position.get(other, (-1, -1)) > position[node] and position[other][0] == c
                    if other in start and not later_here:
                        s = max(s, start[other] + int(lo))
                s = min(s, DAY_END)
                if start.get(node) != s:
                    start[node], moved = s, True
                free, at = s + int(cp.v_dur[v]), place
        if not moved:
            break
    return start


@dataclass
class Relaxation:
    """How far the problem had to be loosened for the plan to be timed at all."""

    windows: bool = False
    breaks: str = "kept"  # "kept", "any time" or "dropped"
    untied: bool = False  # runs timed each on its own: double-ups and gaps as they fall


def _relaxed(problem: Problem, nodes: Nodes, starts: dict[int, int], level: int) -> Problem:
    """A copy in which the plan can be timed: late visits may start when they can, shifts run
    on, caps are lifted; at level 2 breaks may go anywhere, at level 3 there are none."""
    latest: dict[int, int] = {}
    for node, s in starts.items():
        v = int(nodes.visit[node])
        latest[v] = max(latest.get(v, 0), s)
    visits = []
    for v, visit in enumerate(problem.visits):
        end = max(visit.window.end, min(latest.get(v, 0), DAY_END))
        visits.append(visit.model_copy(update={"window": TimeWindow(start=visit.window.start, end=end)}))
    carers = []
    for carer in problem.carers:
        update: dict[str, Any] = {
            "shift": carer.shift.model_copy(update={"end": DAY_END}),
            "max_working_min": None,
            "max_visits": None,
            "capacity": None,
        }
        if level == 2:
            update["breaks"] = [
                b.model_copy(update={"window": TimeWindow(start=0, end=DAY_END)}) for b in carer.breaks
            ]
        elif level >= 3:
            update["breaks"] = []
        carers.append(carer.model_copy(update=update))
    return problem.model_copy(update={"visits": visits, "carers": carers})


def _linked(cp: Compiled, nodes: Nodes) -> set[int]:
    """Nodes whose start is tied to another visit's: double-up copies and both ends of ``after``."""
    index = {v.id: i for i, v in enumerate(cp.problem.visits)}
    out = {n for copies in nodes.of_visit if len(copies) == 2 for n in copies}
    for v, visit in enumerate(cp.problem.visits):
        for rule in visit.after:
            out.update(nodes.of_visit[v])
            out.update(nodes.of_visit[index[rule.visit_id]])
    return out


def _time_plan(cp: Compiled, nodes: Nodes, orders: list[list[int]]) -> tuple[Compiled, Plan, Relaxation]:
    """Time the plan under the rules if it can be; otherwise under the least loosening that works."""
    starts = earliest_starts(cp, nodes, orders)
    seqs = [[(n, starts[n]) for n in order] for order in orders]
    relax = Relaxation()
    for level in range(5):
        current = cp if level == 0 else compile_problem(_relaxed(cp.problem, nodes, starts, level), cp.travel)
        plan = plan_from_runs(current, nodes, seqs, _linked(current, nodes) if level < 4 else set())
        if plan is not None:
            return current, plan, relax
        relax.windows = True
        relax.breaks = {1: "kept", 2: "any time"}.get(level + 1, "dropped")
        relax.untied = level + 1 >= 4
    raise InputError("plan: its runs cannot be timed even with windows, shifts and breaks lifted")


def _as_given(
    cp: Compiled, nodes: Nodes, runs: list[Sequence], breaks: list[list[int]], notes: list[str], wall: float
) -> Solution:
    """The plan exactly as given: without the rule guard, which takes a visit that breaks an
    ``after`` gap or the carer cap out of an optimiser's plan but would hide the very violation
    an evaluation is asked to show."""
    try:
        return build_solution(
            cp, nodes, runs, breaks, engine="evaluate", wall_s=wall, seed=0, objective=None,
            time_limit_s=0.0, notes=notes, first_solution="given", enforce=False,
        )  # fmt: skip
    except BreakPlacementError as exc:  # the plan's own times may leave no room for a break
        raise InputError(f"plan: {exc}") from exc


# --------------------------------------------------------------------------- entry point


def _given_times(
    problem: Problem, plan: PlanDocument, orders: list[list[int]]
) -> tuple[list[Sequence], list[list[int]]] | None:
    """Each carer's (node, start) and break starts as the plan times them; None if any run of
    the plan has no times."""
    if not plan.runs or any(r.starts is None for r in plan.runs):
        return None
    carer_index = {c.id: i for i, c in enumerate(problem.carers)}
    seqs: list[Sequence] = [[] for _ in problem.carers]
    breaks: list[list[int]] = [[] for _ in problem.carers]
    for i, run in enumerate(plan.runs):
        assert run.starts is not None
        if len(run.starts) != len(run.visit_ids):
            raise InputError.at(f"plan.runs[{i}].starts", "needs one start per visit id")
        c = carer_index[run.carer_id]
        seqs[c] = list(zip(orders[c], run.starts, strict=True))
        breaks[c] = list(run.breaks or [])
    return seqs, breaks


def _at_given_times(
    problem: Problem,
    cp: Compiled,
    nodes: Nodes,
    given: tuple[list[Sequence], list[list[int]]],
    started: float,
) -> Solution | None:
    """The plan at its own times, if they keep every rule; else None (it is re-timed)."""
    note = "times as given in the plan, which keep every rule"
    try:
        solution = _as_given(cp, nodes, *given, [note], time.monotonic() - started)
    except InputError:
        return None
    if check(checkable(problem), solution):
        return None
    return Solution.model_validate({**solution.model_dump(), "violations": []})


def evaluate(problem: Problem, plan: PlanDocument) -> tuple[Solution, list[Violation]]:
    """The plan timed as a Solution (with ``violations`` when the model has that field), and
    every rule it breaks according to the independent checker: at its own times when it has
    them and they keep every rule, else re-timed from the problem."""
    started = time.monotonic()
    cp = compile_problem(problem)
    nodes = Nodes.of(cp)
    orders = _orders(problem, plan, nodes)
    given = _given_times(problem, plan, orders)
    kept = None if given is None else _at_given_times(problem, cp, nodes, given, started)
    if kept is not None:
        return kept, []
    timed_cp, timed, relax = _time_plan(cp, nodes, orders)
    runs, breaks = timed.timed_runs()
    notes = ["times recomputed from the problem; only the order of visits was taken from the plan"]
    if relax.windows:
        notes.append(
            "the plan cannot be timed within the rules: visits start when they can, late if "
            f"need be (breaks {relax.breaks}{'; runs timed apart' if relax.untied else ''}); "
            "the checker lists what is broken"
        )
    solution = _as_given(timed_cp, nodes, runs, breaks, notes, time.monotonic() - started)
    violations = check(checkable(problem), solution)
    dumped = {**solution.model_dump(), "violations": [v.to_dict() for v in violations]}
    solution = Solution.model_validate(dumped)
    return solution, violations
