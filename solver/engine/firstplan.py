"""A caller's first plan: who does which visits, in order, read as a timed construction plan.

A coordinator's published rota, another tool's output or yesterday's plan is often a better
start than the engine's own construction: it already holds the choices people have been told
about. ``FirstPlan`` carries only the order (and, if known, the starts); ``seed_plan`` keeps of
it what the problem still allows and what can be timed within the rules, so that the search
can start from it and the construction's repair insert whatever it left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from solver.engine.compiled import Compiled
from solver.engine.construct import Nodes, Plan, plan_from_runs
from solver.model.problem import Solution

Runs = list[list[tuple[int, int]]]


@dataclass(frozen=True)
class FirstPlan:
    """Each carer's visit ids in order (a double-up in both carers' runs), by carer id.

    ``starts`` may give a visit's start in seconds, as a published plan does: a double-up or
    ``after``-linked visit is held there while the plan is timed, so both carers keep the time
    they were told. A visit without one starts as early as both its carers can make it.
    ``label`` names the plan in the solver notes ("search started from the published plan")."""

    runs: Mapping[str, Sequence[str]]
    starts: Mapping[str, int] = field(default_factory=dict)
    label: str = "given"

    @staticmethod
    def from_solution(solution: Solution, label: str = "given") -> FirstPlan:
        """The order and the starts of a solution's runs."""
        return FirstPlan(
            runs={run.carer_id: [stop.visit_id for stop in run.stops] for run in solution.runs},
            starts={stop.visit_id: stop.start for run in solution.runs for stop in run.stops},
            label=label,
        )

    def without(self, visit_ids: Iterable[str]) -> FirstPlan:
        """The same plan less some visits (they are inserted again where they fit best)."""
        gone = set(visit_ids)
        runs = {carer: [v for v in visits if v not in gone] for carer, visits in self.runs.items()}
        return FirstPlan(runs=runs, starts=self.starts, label=self.label)


def seed_plan(cp: Compiled, nodes: Nodes, first: FirstPlan) -> Plan | None:
    """The timeable part of ``first`` as a construction plan; None if no visit of it is left
    (the engine's own construction is then the better start)."""
    runs = _timeable(cp, nodes, _with_starts(cp, nodes, _node_runs(cp, nodes, first)))
    if not any(runs):
        return None
    return plan_from_runs(cp, nodes, runs)


def _node_runs(cp: Compiled, nodes: Nodes, first: FirstPlan) -> list[list[tuple[int, int | None]]]:
    """(node, start if given) per carer of the problem, for each stop the problem allows there:
    a known visit, an eligible carer, a pinned visit's first copy with its pinned carer, a
    given start inside the window, as many copies as carers required (no more, and a double-up
    with one carer left is left out whole)."""
    carer_index = {c.id: i for i, c in enumerate(cp.problem.carers)}
    visit_index = {v.id: i for i, v in enumerate(cp.problem.visits)}
    runs: list[list[tuple[int, int | None]]] = [[] for _ in cp.problem.carers]
    used: dict[int, int] = {}
    for carer_id, visit_ids in first.runs.items():
        c = carer_index.get(carer_id)
        if c is None:
            continue
        for visit_id in visit_ids:
            v = visit_index.get(visit_id)
            if v is None or not cp.eligible[v, c] or used.get(v, 0) >= len(nodes.of_visit[v]):
                continue
            if int(cp.pinned[v]) >= 0 and used.get(v, 0) == 0 and int(cp.pinned[v]) != c:
                continue  # a pinned visit's first copy goes to its pinned carer (the engine's convention)
            start = first.starts.get(visit_id)
            if start is not None and not int(cp.v_ws[v]) <= start <= int(cp.v_we[v]):
                continue  # no longer fits its window: inserted again
            runs[c].append((nodes.of_visit[v][used.get(v, 0)], start))
            used[v] = used.get(v, 0) + 1
    # a double-up given to one carer only is not half kept: it is inserted again, whole
    short = {v for v, n in used.items() if n < len(nodes.of_visit[v])}
    return [[(n, t) for n, t in run if int(nodes.visit[n]) not in short] for run in runs]


def _with_starts(cp: Compiled, nodes: Nodes, runs: list[list[tuple[int, int | None]]]) -> Runs:
    """Starts for the stops that have none: each run timed on its own, then both copies of a
    double-up at the later of their two earliest starts (their partner's carer may be busier)."""
    if all(start is not None for run in runs for _, start in run):
        return [[(n, s) for n, s in run if s is not None] for run in runs]
    guess = [[(n, s if s is not None else int(cp.v_ws[nodes.visit[n]])) for n, s in run] for run in runs]
    earliest: dict[int, int] = {}
    for c, timed in enumerate(guess):
        alone = plan_from_runs(cp, nodes, [timed if k == c else [] for k in range(len(runs))], tied=set())
        sched = alone.schedules[c] if alone is not None else None
        if alone is not None and sched is not None:
            earliest.update((e, sched.earliest[k]) for k, e in enumerate(alone.runs[c]) if e >= 0)
    out: Runs = []
    for given_run, timed in zip(runs, guess, strict=True):
        row = []
        for (node, given), (_, fallback) in zip(given_run, timed, strict=True):
            copies = nodes.of_visit[int(nodes.visit[node])]
            start = given if given is not None else max(earliest.get(n, fallback) for n in copies)
            row.append((node, start))
        out.append(row)
    return out


def _timeable(cp: Compiled, nodes: Nodes, runs: Runs) -> Runs:
    """The runs less what no longer fits in them (after an overrun, say): a run that cannot be
    timed first loses its double-ups and gap-tied visits, then its last visits, until it can.
    A dropped visit leaves every run (both copies of a double-up); the repair that follows
    inserts it again wherever it now fits."""
    empty: Runs = [[] for _ in runs]
    dropped: set[int] = set()
    tied = cp.r.linked | {v for v in range(cp.n_visits) if int(cp.v_req[v]) == 2}

    def alone(c: int, run: list[tuple[int, int]]) -> bool:
        return plan_from_runs(cp, nodes, [run if k == c else [] for k in range(len(empty))]) is not None

    for c, run in enumerate(runs):
        if not run or alone(c, run):
            continue
        loose = [(n, t) for n, t in run if int(nodes.visit[n]) not in tied]
        dropped |= {int(nodes.visit[n]) for n, _ in run if int(nodes.visit[n]) in tied}
        while loose and not alone(c, loose):
            dropped.add(int(nodes.visit[loose.pop()[0]]))
    return [[(n, t) for n, t in run if int(nodes.visit[n]) not in dropped] for run in runs]
