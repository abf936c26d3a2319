"""Recreate: greedy insertion with blinks (Christiaens & Vanden Berghe 2020), for single visits
and for double-ups over pairs of carers at any feasible common start, plus the move that hands
one copy of a double-up to another carer at the same start.

Candidates come from the construction's vectorised evaluation (``Inserter.candidates``: every
gap of every run at once, in numpy); each chosen one is then timed exactly
(``Inserter.try_insert``), so an insertion never breaks a rule. A blink skips a candidate with
a small probability, so that equal seeds give equal plans but the search does not always take
the same cheapest slot.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solver.engine.compiled import UNLIMITED
from solver.engine.construct import Inserter

IntArray = NDArray[np.int64]
BLINK = 0.01
TRIES = 12  # exact timings tried per visit before it is left out
PER_CARER = 3  # a pair is sought among each carer's cheapest gaps
FREE_START = 0.3  # chance that a double-up starts at a random common time, not the earliest


def insert_visit(ins: Inserter, v: int, rng: np.random.Generator) -> bool:
    """Insert visit ``v`` at the cheapest feasible place not blinked, else at the cheapest
    feasible place (a blink never leaves a visit out); False if there is none."""
    insert = insert_pair if int(ins.cp.v_req[v]) == 2 else insert_single
    return insert(ins, v, rng) or insert(ins, v, rng, blink=0.0)


def insert_single(ins: Inserter, v: int, rng: np.random.Generator, blink: float = BLINK) -> bool:
    node = ins.b.nodes.of_visit[v][0]
    cand = ins.candidates(v, pinned_only=True)
    if not len(cand["idx"]):
        return False
    keep = np.flatnonzero(rng.random(len(cand["idx"])) >= blink)
    order = keep[np.lexsort((cand["idx"][keep], cand["cost"][keep]))][:TRIES]
    hold = v in ins.links_of  # a linked visit's start is held, like a double-up's
    for i in order:
        c, pos = ins.slot(int(cand["idx"][i]))
        fixed = {**ins.plan.fixed, node: int(cand["start"][i])} if hold else ins.plan.fixed
        done = ins.try_insert(c, pos, node, fixed)
        if done is not None:
            ins.plan.fixed = fixed
            ins.commit(c, *done)
            return True
    return False


def _cheapest_per_carer(cand: dict[str, IntArray]) -> IntArray:
    order = np.lexsort((cand["idx"], cand["cost"], cand["carer"]))
    carer = cand["carer"][order]
    rank = np.arange(len(order)) - np.searchsorted(carer, carer, side="left")
    return order[rank < PER_CARER]


def insert_pair(ins: Inserter, v: int, rng: np.random.Generator, blink: float = BLINK) -> bool:
    """Both copies of double-up ``v`` into two carers' runs at one start: the earliest the two
    gaps share, or (by chance ``FREE_START``) any time both gaps allow."""
    cp = ins.cp
    cand = ins.candidates(v, pinned_only=False)
    keep = _cheapest_per_carer(cand)
    keep = keep[rng.random(len(keep)) >= blink]
    if len(keep) < 2:
        return False
    start, latest, cost, carer = (cand[k][keep] for k in ("start", "latest", "cost", "carer"))
    lo = np.maximum(start[:, None], start[None, :])
    hi = np.minimum(latest[:, None], latest[None, :])
    ok = (lo <= hi) & (carer[:, None] < carer[None, :])
    pin = int(cp.pinned[v])
    if pin >= 0:
        ok &= (carer[:, None] == pin) | (carer[None, :] == pin)
    if ins.use_cap and cp.r.cap < UNLIMITED:
        serving = ins.client_carers(v)
        new = ~np.isin(carer, list(serving))
        ok &= len(serving) + new[:, None].astype(int) + new[None, :].astype(int) <= cp.r.cap
    total = np.where(ok, cost[:, None] + cost[None, :], np.iinfo(np.int64).max)
    n0, n1 = ins.b.nodes.of_visit[v]
    for f in np.argsort(total, axis=None, kind="stable")[:TRIES]:
        i, j = divmod(int(f), len(keep))
        if not ok[i, j]:
            break
        t = int(lo[i, j])
        if rng.random() < FREE_START and hi[i, j] > t:
            t = int(rng.integers(t, int(hi[i, j]) + 1))
        if ins.place_pair((n0, n1), (int(cand["idx"][keep[i]]), int(cand["idx"][keep[j]])), t):
            return True
    return False


def hand_over(ins: Inserter, v: int, keep_node: int, move_node: int, carer_of: IntArray, away: int) -> bool:
    """One copy of double-up ``v`` to a carer other than ``away`` (who had it) at the pair's
    start; the other copy stays. The moved copy must already be out of its run (its start is
    still held in ``plan.fixed``)."""
    cp = ins.cp
    t = ins.plan.fixed[keep_node]
    cand = ins.candidates(v, pinned_only=False)
    other = int(carer_of[keep_node])
    ok = (cand["start"] <= t) & (t <= cand["latest"]) & (cand["carer"] != other) & (cand["carer"] != away)
    pin = int(cp.pinned[v])
    if pin >= 0 and pin != other:
        ok &= cand["carer"] == pin
    if ins.use_cap and cp.r.cap < UNLIMITED:
        serving = ins.client_carers(v)
        if len(serving) >= cp.r.cap:
            ok &= np.isin(cand["carer"], list(serving))
    idx = np.flatnonzero(ok)
    for i in idx[np.lexsort((cand["idx"][idx], cand["cost"][idx]))][:TRIES]:
        c, pos = ins.slot(int(cand["idx"][i]))
        done = ins.try_insert(c, pos, move_node, ins.plan.fixed)
        if done is not None:
            ins.commit(c, *done)
            return True
    return False
