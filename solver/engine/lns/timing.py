"""Exact timing of coupled runs: a simple temporal network over the whole plan.

A double-up ties two runs (both copies start at the same second) and an `after` gap ties two
visits (the later starts between ``min`` and ``max`` seconds after the earlier), so one run's
timing moves the runs it is tied to. Each stop gets an earliest and a latest start: forward
passes along each run give earliest starts, a tie raises the earliest start of its other end,
and the runs whose bounds moved are passed again, until nothing moves (Bellman-Ford on the
linked component: a plan whose ties contradict each other never settles and is rejected after
as many rounds as it has stops). Backward passes give latest starts the same way. The plan is
timeable exactly when every stop's earliest start is at most its latest.

A run is timed as the construction times it (``solver/engine/construct.py``): breaks before
the first visit are taken at home before leaving, breaks after the last visit once home
again, and a break between two visits where the carer is, before driving on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.engine.compiled import UNLIMITED, Compiled
from solver.engine.construct import Nodes


@dataclass
class RunShape:
    """One run's elements as bounds: place where the carer is after each, window, duration."""

    carer: int
    elems: list[int]
    place: list[int]
    lo: list[int]
    hi: list[int]
    dur: list[int]
    first: int  # index of the first visit (len(elems) if none)
    last: int  # index of the last visit (-1 if none)
    travel: np.ndarray
    home: int
    end_place: int
    shift_s: int
    shift_e: int

    def forward(self, lo: list[int]) -> list[int]:
        """Earliest starts with lower bounds ``lo`` (leaving home no earlier than the shift)."""
        out, free, at = [], self.shift_s, self.home
        for k in range(len(self.elems)):
            if k < self.first:
                start = lo[k]
                free = max(free, start + self.dur[k])
            elif k > self.last:
                if k == self.last + 1:
                    free, at = free + int(self.travel[at, self.end_place]), self.end_place
                start = max(free, lo[k])
                free = start + self.dur[k]
            else:
                start = max(free + int(self.travel[at, self.place[k]]), lo[k])
                free, at = start + self.dur[k], self.place[k]
            out.append(start)
        return out

    def home_at(self, starts: list[int]) -> int:
        """When the carer is back home after the last visit (the shift start if no visit)."""
        if self.last < self.first:
            return self.shift_s
        k = self.last
        return starts[k] + self.dur[k] + int(self.travel[self.place[k], self.end_place])

    def backward(self, hi: list[int]) -> list[int]:
        """Latest starts with upper bounds ``hi`` that keep every later element and the return
        home within the shift."""
        n = len(self.elems)
        out = [0] * n
        nxt = UNLIMITED
        for k in range(n - 1, self.last, -1):
            nxt = out[k] = min(hi[k], nxt - self.dur[k])
        if self.last < self.first:
            return out
        nxt, at = min(self.shift_e, nxt), self.end_place
        for k in range(self.last, -1, -1):
            nxt = min(hi[k], nxt - int(self.travel[self.place[k], at]) - self.dur[k])
            out[k], at = nxt, self.place[k]
        return out


def shape(cp: Compiled, nodes: Nodes, c: int, elems: list[int]) -> RunShape:
    """Carer ``c``'s run ``elems`` (node ids, break k as -(k+1)) with every visit's own window."""
    home = int(cp.c_start[c])
    place, lo, hi, dur, visits = [], [], [], [], []
    at = home
    for k, e in enumerate(elems):
        if e >= 0:
            v = int(nodes.visit[e])
            at = int(cp.v_place[v])
            lo.append(int(cp.v_ws[v]))
            hi.append(int(cp.v_we[v]))
            dur.append(int(cp.v_dur[v]))
            visits.append(k)
        else:
            ws, we, d = cp.c_breaks[c][-e - 1]
            lo.append(ws)
            hi.append(we)
            dur.append(d)
        place.append(at)
    first, last = (visits[0], visits[-1]) if visits else (len(elems), -1)
    travel = cp.dur_by_mode[int(cp.c_mode[c])]
    return RunShape(
        c, list(elems), place, lo, hi, dur, first, last, travel, home, int(cp.c_end[c]),
        int(cp.c_shift_s[c]), int(cp.c_shift_e[c]),
    )  # fmt: skip


@dataclass(frozen=True)
class Tie:
    """start(a) - start(b) in [lo, hi] between two nodes (a double-up: both 0)."""

    a: int
    b: int
    lo: int
    hi: int


def ties(cp: Compiled, nodes: Nodes, served: set[int]) -> list[Tie]:
    """The double-up and `after` ties among the ``served`` nodes (a gap binds only when both
    visits are served)."""
    out = [Tie(n0, n1, 0, 0) for n0, *rest in nodes.of_visit for n1 in rest if n0 in served and n1 in served]
    for link in cp.r.links:
        a, b = nodes.of_visit[link.later][0], nodes.of_visit[link.earlier][0]
        if a in served and b in served:
            out.append(Tie(a, b, link.min_s, link.max_s))
    return out


@dataclass
class Times:
    """Earliest and latest start of every served node of a plan, and of every element by run."""

    earliest: dict[int, int]
    latest: dict[int, int]
    run_earliest: list[list[int]]
    run_latest: list[list[int]]


def propagate(cp: Compiled, nodes: Nodes, runs: list[list[int]]) -> Times | None:
    """Earliest and latest starts of every element of ``runs`` (one per carer) with double-ups
    and `after` gaps as ties between runs; None when no timing keeps every rule of the network
    (windows, shifts, travel, breaks, ties). The working-time cap is not part of the network."""
    shapes = [shape(cp, nodes, c, elems) for c, elems in enumerate(runs)]
    where = {e: (c, k) for c, s in enumerate(shapes) for k, e in enumerate(s.elems) if e >= 0}
    tied = ties(cp, nodes, set(where))
    by_node: dict[int, list[Tie]] = {}
    for t in tied:
        by_node.setdefault(t.a, []).append(t)
        by_node.setdefault(t.b, []).append(t)
    rounds = len(where) + 1
    lo = [list(s.lo) for s in shapes]
    early = _settle(shapes, lo, where, by_node, rounds, forward=True)
    if early is None:
        return None
    hi = [list(s.hi) for s in shapes]
    late = _settle(shapes, hi, where, by_node, rounds, forward=False)
    if late is None:
        return None
    for c, s in enumerate(shapes):
        if any(e > lt for e, lt in zip(early[c], late[c], strict=True)) or s.home_at(early[c]) > s.shift_e:
            return None
    earliest = {e: early[c][k] for e, (c, k) in where.items()}
    latest = {e: late[c][k] for e, (c, k) in where.items()}
    return Times(earliest, latest, early, late)


def _settle(
    shapes: list[RunShape],
    bound: list[list[int]],
    where: dict[int, tuple[int, int]],
    by_node: dict[int, list[Tie]],
    rounds: int,
    *,
    forward: bool,
) -> list[list[int]] | None:
    """Pass the runs on a work list until no tie moves a bound; None if it never settles or a
    bound crosses its window (earliest past the latest the window allows, or the reverse)."""
    times = [s.forward(bound[c]) if forward else s.backward(bound[c]) for c, s in enumerate(shapes)]
    dirty = set(range(len(shapes)))
    for _ in range(rounds):
        moved: set[int] = set()
        for c in sorted(dirty):
            for k, e in enumerate(shapes[c].elems):
                for t in by_node.get(e, ()):
                    other, sign = (t.b, 1) if t.a == e else (t.a, -1)
                    oc, ok = where[other]
                    mine = times[c][k]
                    # start(a) - start(b) in [lo, hi]: push the other end's bound
                    if forward:
                        need = mine - t.hi if sign == 1 else mine + t.lo
                        if need > bound[oc][ok] and need > times[oc][ok]:
                            bound[oc][ok] = need
                            moved.add(oc)
                    else:
                        need = mine - t.lo if sign == 1 else mine + t.hi
                        if need < bound[oc][ok] and need < times[oc][ok]:
                            bound[oc][ok] = need
                            moved.add(oc)
        if not moved:
            return _within(shapes, times, forward)
        for c in moved:
            times[c] = shapes[c].forward(bound[c]) if forward else shapes[c].backward(bound[c])
        dirty = moved
    return None


def _within(shapes: list[RunShape], times: list[list[int]], forward: bool) -> list[list[int]] | None:
    for s, ts in zip(shapes, times, strict=True):
        for k, t in enumerate(ts):
            if (forward and t > s.hi[k]) or (not forward and t < s.lo[k]):
                return None
    return times
