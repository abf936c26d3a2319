"""Score a plan someone else made (a coordinator's rota, another tool's output) on our figures.

A plan is either a full Solution or just each carer's ordered visit ids (contract "Plans to
evaluate"). Only the *order* is taken from it: every time is recomputed from the problem, the
same way the optimiser times its own plans, so that a hand-made rota and an optimised one are
compared on the same figures. Then the independent checker lists every rule the plan breaks,
with its cause, as VROOM's plan mode does. A plan that cannot be timed within the rules is
still timed (each visit at its earliest possible start, late if it must be) so that its
violations can be shown rather than refused.
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
from solver.model.problem import Problem, Solution, Strict, TimeWindow
from solver.travel.valhalla import checkable

Sequence = list[tuple[int, int]]  # (node, start second)
DAY_END = 24 * 3600
MAX_PASSES = 200


class PlannedRun(Strict):
    carer_id: str = Field(min_length=1)
    visit_ids: list[str]


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
        solution = parse(Solution, text, source)
        return PlanDocument(
            runs=[
                PlannedRun(carer_id=r.carer_id, visit_ids=[s.visit_id for s in r.stops])
                for r in solution.runs
            ]
        )
    return parse(PlanDocument, text, source)


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
    except BreakPlacementError as exc:  # pragma: no cover - the timing above placed them
        raise InputError(f"plan: {exc}") from exc


# --------------------------------------------------------------------------- entry point


def evaluate(problem: Problem, plan: PlanDocument) -> tuple[Solution, list[Violation]]:
    """The plan re-timed as a Solution (with ``violations`` when the model has that field), and
    every rule it breaks according to the independent checker."""
    started = time.monotonic()
    cp = compile_problem(problem)
    nodes = Nodes.of(cp)
    orders = _orders(problem, plan, nodes)
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
