"""Recreate: greedy insertion with blinks (Christiaens & Vanden Berghe 2020), for single visits
and for double-ups over pairs of carers at any feasible common start, in order of regret (Ropke
& Pisinger 2006), plus two moves of a double-up in place: one copy handed to another carer at
the same start, or the pair moved to another start both its runs allow.

Candidates come from the construction's vectorised evaluation (``Inserter.candidates``: every
gap of every run at once, in numpy); each chosen one is then timed exactly
(``Inserter.try_insert``), so an insertion never breaks a rule. A blink skips a candidate with
a small probability, so that equal seeds give equal plans but the search does not always take
the same cheapest slot. A blinked candidate is tried after the others rather than dropped, so a
visit is evaluated once, not once with blinks and again without.

The order is regret-k (``regret_order``): each visit's cheapest insertion into each run is
priced once, in one compiled call for all of them (``Inserter.regrets``), before the first is
placed; the visit that would lose most if its few good runs filled first goes first. The regrets
are not priced again after each placement, as full regret insertion does: that costs a pricing
per visit per placement, and measured no better per iteration for it (docs/engine.md).
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
    blinked one (a blink never leaves a visit out); False if there is none."""
    insert = insert_pair if int(ins.cp.v_req[v]) == 2 else insert_single
    return insert(ins, v, rng)


def regret_order(ins: Inserter, visits: list[int], k: int, rng: np.random.Generator) -> list[int]:
    """``visits`` in the order to place them: priority first, then the greatest regret-``k``
    (``Inserter.regrets``), ties at random."""
    regret = ins.regrets(visits, k)
    prio = ins.cp.v_prio[visits]
    jitter = rng.random(len(visits))
    key = [(int(p), -int(r), float(j)) for p, r, j in zip(prio, regret, jitter, strict=True)]
    return [v for _, v in sorted(zip(key, visits, strict=True))]


def insert_single(ins: Inserter, v: int, rng: np.random.Generator, blink: float = BLINK) -> bool:
    node = ins.b.nodes.of_visit[v][0]
    cand = ins.candidates(v, pinned_only=True)
    if not len(cand["idx"]):
        return False
    blinked = rng.random(len(cand["idx"])) < blink  # tried last, not dropped: one evaluation
    order = np.lexsort((cand["idx"], cand["cost"], blinked))[:TRIES]
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
    if len(cand["idx"]) < 2:  # no two gaps: most double-ups still out, offered again and again
        return False
    keep = _cheapest_per_carer(cand)
    if len(keep) < 2:
        return False
    blinked = rng.random(len(keep)) < blink  # a pair with a blinked gap is tried last
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
    late = (blinked[:, None] | blinked[None, :]) & ok
    total = np.where(ok, cost[:, None] + cost[None, :], np.iinfo(np.int64).max)
    order = np.lexsort((total.ravel(), late.ravel(), ~ok.ravel()))
    n0, n1 = ins.b.nodes.of_visit[v]
    for f in order[:TRIES]:
        i, j = divmod(int(f), len(keep))
        if not ok[i, j]:
            break
        t = int(lo[i, j])
        if rng.random() < FREE_START and hi[i, j] > t:
            t = int(rng.integers(t, int(hi[i, j]) + 1))
        if ins.place_pair((n0, n1), (int(cand["idx"][keep[i]]), int(cand["idx"][keep[j]])), t):
            return True
    return False


def hand_over(ins: Inserter, v: int, keep_node: int, move_node: int, carer_of: IntArray) -> bool:
    """One copy of served double-up ``v`` (``move_node``) to a carer other than the two who
    have it, at the pair's start; the other copy stays. The gaps that could take it are found
    before the copy leaves its run, so a hand-over with no taker changes nothing (most find
    none: few carers are free at that very time). Taking the copy out touches only its own
    carer's run, so the others' gaps, as carer and position, still hold afterwards."""
    other, away = int(carer_of[keep_node]), int(carer_of[move_node])
    slots = _taker_slots(ins, v, ins.plan.fixed[keep_node], (other, away))
    if not slots or not ins.remove(away, move_node):
        return False
    for c, pos in slots:
        done = ins.try_insert(c, pos, move_node, ins.plan.fixed)
        if done is not None:
            ins.commit(c, *done)
            return True
    return False


def _taker_slots(ins: Inserter, v: int, t: int, serving: tuple[int, int]) -> list[tuple[int, int]]:
    """Gaps (carer, position), cheapest first, of carers other than ``serving`` that could take
    a copy of double-up ``v`` starting at ``t``; at most ``TRIES``."""
    cp = ins.cp
    cand = ins.candidates(v, pinned_only=False)
    ok = (cand["start"] <= t) & (t <= cand["latest"]) & ~np.isin(cand["carer"], serving)
    pin = int(cp.pinned[v])
    if pin >= 0 and pin != serving[0]:
        ok &= cand["carer"] == pin
    if ins.use_cap and cp.r.cap < UNLIMITED:
        clients = ins.client_carers(v)
        if len(clients) >= cp.r.cap:
            ok &= np.isin(cand["carer"], list(clients))
    idx = np.flatnonzero(ok)
    return [
        ins.slot(int(cand["idx"][i])) for i in idx[np.lexsort((cand["idx"][idx], cand["cost"][idx]))][:TRIES]
    ]


def retime_pair(ins: Inserter, v: int, carer_of: IntArray, rng: np.random.Generator) -> bool:
    """Move served double-up ``v`` to another common start both its runs allow as they stand
    (the other held starts kept): the order of every run stays, the travel too, but the time
    the pair holds in both runs moves, and with it the room around it for later insertions. A
    double-up tied by an `after` gap stays where it is (the gap holds at that start)."""
    if v in ins.links_of:
        return False
    n0, n1 = ins.b.nodes.of_visit[v]
    c0, c1 = int(carer_of[n0]), int(carer_of[n1])
    runs = ins.plan.runs
    free = {n: t for n, t in ins.plan.fixed.items() if n not in (n0, n1)}
    s0, s1 = ins.b.schedule(c0, runs[c0], free), ins.b.schedule(c1, runs[c1], free)
    if s0 is None or s1 is None:
        return False
    k0, k1 = runs[c0].index(n0), runs[c1].index(n1)
    lo, hi = max(s0.earliest[k0], s1.earliest[k1]), min(s0.latest[k0], s1.latest[k1])
    if lo >= hi:
        return False
    t = int(rng.integers(lo, hi + 1))
    fixed = {**free, n0: t, n1: t}
    t0, t1 = ins.b.schedule(c0, runs[c0], fixed), ins.b.schedule(c1, runs[c1], fixed)
    if t0 is None or t1 is None:
        return False
    ins.plan.fixed = fixed
    ins.commit(c0, runs[c0], t0)
    ins.commit(c1, runs[c1], t1)
    return True
