"""A move that exchanges the ends of two runs, where no ruin and recreate goes.

``swap_at_pair``: the two carers of a double-up trade what follows it (or precedes it). Both are
at the same place at the same time, so only the legs home (or from home) change; a ruin cannot
make this change, since a double-up's copies leave together.

A general 2-opt* (a visit's run going on with the rest of another run from one of its nearest
visits, and that run with the rest of the first; the best of the eight nearest that time, one
iteration in eight) was measured and not kept: by fixed iterations, seeds 0-7, it raised mean
travel on `v1/zone.json` from 22.24 to 22.59 h, and on seeds 0-3 of `rural-330-d30-evening`
from 45.37 to 47.14 h and of `town-330-d30-split` from 40.55 to 41.86 h.

Each carer keeps their own breaks, merged in at the times they had; a move that would give a
visit to a carer it does not allow, put both copies of a double-up on one carer, or leave a run
untimeable changes nothing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solver.engine.compiled import UNLIMITED
from solver.engine.construct import Inserter, Schedule

IntArray = NDArray[np.int64]


def swap_at_pair(ins: Inserter, v: int, carer_of: IntArray, heads: bool) -> bool:
    """The two carers of served double-up ``v`` trade the rest of their runs after it (or, with
    ``heads``, what comes before it). Both are at the same place at the same time, so the legs
    at the double-up do not change: only the legs home (or from home) do, and which carer does
    which visits. False (nothing changed) if the trade is not allowed or does not time (see the
    module docstring)."""
    nodes = ins.b.nodes
    n0, n1 = nodes.of_visit[v]
    c0, c1 = int(carer_of[n0]), int(carer_of[n1])
    runs, scheds = ins.plan.runs, ins.plan.schedules
    s0, s1 = scheds[c0], scheds[c1]
    if s0 is None or s1 is None:
        return False
    k0, k1 = runs[c0].index(n0), runs[c1].index(n1)
    head0, tail0 = _timed_visits(runs[c0], s0, 0, k0 + 1), _timed_visits(runs[c0], s0, k0 + 1, None)
    head1, tail1 = _timed_visits(runs[c1], s1, 0, k1 + 1), _timed_visits(runs[c1], s1, k1 + 1, None)
    if not heads and not tail0 and not tail1:  # nothing follows the pair in either run
        return False
    new0 = (head1 + tail0) if heads else (head0 + tail1)
    new1 = (head0 + tail1) if heads else (head1 + tail0)
    if not _allowed(ins, {c0: new0, c1: new1}, carer_of):
        return False
    elems0, elems1 = _with_breaks(runs[c0], s0, new0), _with_breaks(runs[c1], s1, new1)
    t0 = ins.b.schedule(c0, elems0, ins.plan.fixed)
    t1 = ins.b.schedule(c1, elems1, ins.plan.fixed) if t0 is not None else None
    if t0 is None or t1 is None:
        return False
    ins.commit(c0, elems0, t0)
    ins.commit(c1, elems1, t1)
    return True


def _timed_visits(elems: list[int], sched: Schedule, lo: int, hi: int | None) -> list[tuple[int, int]]:
    """(planned start, node) of the visit elements ``elems[lo:hi]``."""
    planned = sched.planned
    return [(planned[k], e) for k, e in enumerate(elems[lo:hi], start=lo) if e >= 0]


def _with_breaks(elems: list[int], sched: Schedule, visits: list[tuple[int, int]]) -> list[int]:
    """``visits`` in their order, with the carer's own breaks (``elems`` holds them) each before
    the first visit planned after the time the break had."""
    planned = sched.planned
    breaks = sorted((planned[k], e) for k, e in enumerate(elems) if e < 0)
    out: list[int] = []
    b = 0
    for t, e in visits:
        while b < len(breaks) and breaks[b][0] <= t:
            out.append(breaks[b][1])
            b += 1
        out.append(e)
    return out + [e for _, e in breaks[b:]]


def _allowed(ins: Inserter, new: dict[int, list[tuple[int, int]]], carer_of: IntArray) -> bool:
    """Every visit of the new runs allowed its carer (skills, exclusions, pins, the client's
    cap on carers), and no double-up with both copies on one carer."""
    cp, nodes = ins.cp, ins.b.nodes
    after = {e: c for c, run in new.items() for _, e in run}
    for e, c in after.items():
        v = int(nodes.visit[e])
        if not cp.eligible[v, c]:
            return False
        serving = [after.get(n, int(carer_of[n])) for n in nodes.of_visit[v]]
        pin = int(cp.pinned[v])
        if len(set(serving)) < len(serving) or (pin >= 0 and pin not in serving):
            return False
    if ins.use_cap and cp.r.cap < UNLIMITED:
        return _within_cap(ins, new)
    return True


def _within_cap(ins: Inserter, new: dict[int, list[tuple[int, int]]]) -> bool:
    """No client of a moved visit served by more carers than the cap allows after the swap."""
    cp, visit_of = ins.cp, ins.b.nodes.visit
    moved = {int(cp.r.v_client[visit_of[e]]) for run in new.values() for _, e in run}
    carers: dict[int, set[int]] = {client: set() for client in moved}
    for c, run in enumerate(ins.plan.runs):
        nodes = [e for _, e in new[c]] if c in new else [e for e in run if e >= 0]
        for e in nodes:
            client = int(cp.r.v_client[visit_of[e]])
            if client in carers:
                carers[client].add(c)
    return all(len(s) <= cp.r.cap for s in carers.values())
