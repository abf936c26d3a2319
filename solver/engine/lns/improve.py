"""Ruin and recreate over a feasible plan, the engine's improvement phase on full-rules days.

Each iteration takes some visits out (``ruin.py``), offers them and a few of the visits still
out back (``recreate.py``), greatest regret first, and keeps the result by simulated annealing
on the objective of ``cost.py``; one in ``PAIR_MOVE_EVERY`` iterations instead moves a
double-up: hands one copy to another carer; moves the pair to another start both its runs
allow, which changes no travel but the room around the pair for the insertions that follow; or
lets its two carers trade what follows it (or precedes it), which changes only the legs home.
The best plan seen is kept and handed back, so the phase is anytime: it ends when its stop rule
says (``stops.py``) or the deadline passes, whichever comes first. The ruins read the plan
through a ``View`` that is brought up to date run by run as moves are accepted, not rebuilt
every iteration.

A plan here is the construction's (``solver/engine/construct.py``): runs of elements, each run
timed exactly with the starts of double-ups and linked visits held; taking a visit out frees
its start, and putting it back chooses a new one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.engine.compiled import Compiled
from solver.engine.construct import Builder, Inserter, Nodes, Plan
from solver.engine.deadline import Deadline
from solver.engine.lns.cost import Objective
from solver.engine.lns.exchange import swap_at_pair
from solver.engine.lns.recreate import hand_over, insert_visit, regret_order, retime_pair
from solver.engine.lns.ruin import Ruins, View
from solver.engine.lns.stops import MaxIterations, MaxRuntime, StopRule

OFFER_OUT = 6  # visits still out offered again each iteration (``offered_back``: those near the ruin)
OFFER_NEAR_S = 3600
REGRET_K = 3  # the visits a recreate places go in order of their regret over their 3 cheapest carers
PAIR_MOVE_EVERY = 8  # one iteration in so many moves a double-up (``PAIR_MOVES``, one at random)
# The annealing's temperature, as a share of a mean leg: a worsening of one mean leg is accepted
# with chance 1/e at the start, of 1% of one at the end; the 100-to-1 fall of Christiaens &
# Vanden Berghe's SISR (2020). A start at 15% of a leg made the search a descent that the
# construction's seed decided (docs/engine.md, "Acceptance").
START_TEMP = 1.0
END_TEMP = 0.01


@dataclass
class Outcome:
    """What the search did: the visits still out, iterations run, improvements of the best."""

    out: list[int]
    iterations: int
    improved: int
    cost: int


def ruin_size(n_served: int, rng: np.random.Generator) -> int:
    """Visits per ruin: a few, up to about 4% of the day (at least 4, at most 30)."""
    top = max(4, min(30, n_served // 25))
    return int(rng.integers(3, top + 1))


def improve_plan(
    cp: Compiled,
    nodes: Nodes,
    plan: Plan,
    out: list[int],
    seed: int,
    until: Deadline,
    stop: StopRule | None = None,
) -> Outcome:
    """Improve ``plan`` in place (it ends as the best plan found) from visits ``out`` left out;
    ``stop`` (default: the deadline) and ``until`` both end the search."""
    rule = stop if stop is not None else MaxRuntime(until)
    ins = Inserter(Builder(cp, nodes), plan)
    obj = Objective(cp, nodes)
    rng = np.random.default_rng(seed)
    ruins = Ruins(cp, nodes, np.ones(cp.n_visits, dtype=bool))
    costs = [obj.run(c, plan.runs[c], plan.schedules[c]) for c in range(cp.n_carers)]
    current = sum(costs) + obj.lost(out)
    best_cost, best_state, best_out = current, ins.save(), list(out)
    legs = max(sum(len(r) for r in plan.runs), 1)
    temp0 = START_TEMP * max(sum(costs), 1) / legs
    done = improved = 0
    view = View.of(plan, len(nodes))  # kept up to date with the plan as moves are accepted
    while not rule.done(done) and not until.expired():
        temp = temp0 * (END_TEMP / START_TEMP) ** rule.progress(done)
        done += 1
        state = ins.save()
        before = [list(r) for r in plan.runs]
        timed = list(plan.schedules)  # a run re-timed (a partner moved) is changed too
        if done % PAIR_MOVE_EVERY == 0:
            move = PAIR_MOVES[int(rng.integers(len(PAIR_MOVES)))]
            new_out = out if move(ins, nodes, view, rng) else None
        else:
            new_out = _ruin_recreate(ins, ruins, view, out, rng)
        if new_out is None:
            ins.restore(state)
            continue
        changed = [
            c for c, run in enumerate(plan.runs) if run != before[c] or plan.schedules[c] is not timed[c]
        ]
        fresh = {c: obj.run(c, plan.runs[c], plan.schedules[c]) for c in changed}
        cost = current + sum(fresh[c] - costs[c] for c in changed) + obj.lost(new_out) - obj.lost(out)
        if cost <= current or rng.random() < math.exp((current - cost) / max(temp, 1e-9)):
            current, out = cost, new_out
            for c, value in fresh.items():
                costs[c] = value
            view.update(plan, changed)
            if cost < best_cost:
                best_cost, best_state, best_out = cost, ins.save(), list(out)
                improved += 1
        else:
            ins.restore(state)
    ins.restore(best_state)
    return Outcome(best_out, done, improved, best_cost)


def _ruin_recreate(
    ins: Inserter, ruins: Ruins, view: View, out: list[int], rng: np.random.Generator
) -> list[int] | None:
    """One ruin and recreate; the visits out afterwards, or None if a removal failed. The
    visits go back greatest regret first (``recreate.regret_order``): a visit that only a few
    runs can take is placed before those runs fill with visits that had other places to go."""
    served = ruins.served(view)
    if not len(served):
        return None
    seed = int(served[rng.integers(len(served))])
    op = ruins.ops[int(rng.integers(len(ruins.ops)))]
    removed = op(view, rng, seed, ruin_size(len(served), rng))
    if not _take_out(ins, view, removed):
        return None
    offered = offered_back(ins, view, removed, out, rng)
    visits = removed + offered
    left = [v for v in regret_order(ins, visits, REGRET_K, rng) if not insert_visit(ins, v, rng)]
    kept = set(offered)
    return [v for v in out if v not in kept] + left


def offered_back(
    ins: Inserter, view: View, removed: list[int], out: list[int], rng: np.random.Generator
) -> list[int]:
    """Up to ``OFFER_OUT`` visits still out, at random, of those whose window comes within
    ``OFFER_NEAR_S`` of the planned start of a visit just removed: only there has the ruin freed
    room (an evening double-up out gains nothing from a morning ruin, and offering it costs a
    pricing and up to a dozen timings)."""
    if not out:
        return []
    first = [ins.b.nodes.of_visit[v][0] for v in removed]
    starts = [view.start[n] for n in first if n in view.start]
    if not starts:
        return []
    lo, hi = min(starts) - OFFER_NEAR_S, max(starts) + OFFER_NEAR_S
    waiting = np.array(out, dtype=np.int64)
    near = waiting[(ins.cp.v_ws[waiting] <= hi) & (ins.cp.v_we[waiting] >= lo)].tolist()
    return [near[i] for i in rng.permutation(len(near))[:OFFER_OUT]]


def _take_out(ins: Inserter, view: View, visits: list[int]) -> bool:
    """Every copy of ``visits`` out of its run (one timing per run), their held starts freed."""
    by_run: dict[int, set[int]] = {}
    gone: set[int] = set()
    for v in visits:
        for node in ins.b.nodes.of_visit[v]:
            gone.add(node)
            c = int(view.carer_of[node])
            if c >= 0:
                by_run.setdefault(c, set()).add(node)
    for c in sorted(by_run):
        if not ins.remove_many(c, by_run[c]):
            return False
    ins.plan.fixed = {n: t for n, t in ins.plan.fixed.items() if n not in gone}
    return True


def _served_pair(nodes: Nodes, view: View, rng: np.random.Generator) -> int | None:
    """A double-up in the plan, at random (None if there is none)."""
    of, carer_of = nodes.of_visit, view.carer_of
    pairs = [v for v, copies in enumerate(of) if len(copies) == 2 and carer_of[copies[0]] >= 0]
    return pairs[int(rng.integers(len(pairs)))] if pairs else None


def _retime(ins: Inserter, nodes: Nodes, view: View, rng: np.random.Generator) -> bool:
    """A served double-up moved to another start both its runs allow as they stand."""
    v = _served_pair(nodes, view, rng)
    return v is not None and retime_pair(ins, v, view.carer_of, rng)


def _hand_over(ins: Inserter, nodes: Nodes, view: View, rng: np.random.Generator) -> bool:
    """A served double-up's copy, taken from one of its carers and given to another."""
    v = _served_pair(nodes, view, rng)
    if v is None:
        return False
    keep, move = nodes.of_visit[v] if rng.random() < 0.5 else nodes.of_visit[v][::-1]
    return hand_over(ins, v, keep, move, view.carer_of)


def _swap(ins: Inserter, nodes: Nodes, view: View, rng: np.random.Generator) -> bool:
    """A served double-up's two carers trade what follows it (or what precedes it)."""
    v = _served_pair(nodes, view, rng)
    return v is not None and swap_at_pair(ins, v, view.carer_of, heads=rng.random() < 0.5)


PAIR_MOVES = (_retime, _hand_over, _swap)


__all__ = ["MaxIterations", "MaxRuntime", "Outcome", "improve_plan"]
