"""Ruin: which visits to take out of a plan, by five views of "related".

- ``strings``: SISR (Christiaens & Vanden Berghe 2020): strings of consecutive stops from the
  runs nearest a random seed visit;
- ``related``: visits near the seed by place and start time;
- ``double_up``: a double-up with both carers' neighbouring stops;
- ``time_slice``: the stops of a time slice across the carers near the seed;
- ``whole_run``: every visit of one carer.

Each returns visit indices; a double-up leaves with both its copies (the recreate places the
pair again, at any common start).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solver.engine.compiled import Compiled
from solver.engine.construct import Nodes, Plan

IntArray = NDArray[np.int64]
NEIGHBOURS = 60  # nearest visits kept per visit for the ruins
MAX_STRING = 8
SLICE_S = 5400
TIME_WEIGHT = 0.5  # seconds of travel per second of start-time difference, for ``related``


@dataclass
class View:
    """The plan as the ruins see it: each node's carer and position, each run's visit nodes,
    the starts of the nodes."""

    carer_of: IntArray
    runs: list[list[int]]  # visit nodes only, in order
    start: dict[int, int]

    @staticmethod
    def of(plan: Plan, n_nodes: int) -> View:
        view = View(np.full(n_nodes, -1, dtype=np.int64), [[] for _ in plan.runs], {})
        view.update(plan, list(range(len(plan.runs))))
        return view

    def update(self, plan: Plan, carers: list[int]) -> None:
        """Bring the runs of ``carers`` up to date with ``plan`` (the others are unchanged)."""
        for c in carers:
            for e in self.runs[c]:
                self.carer_of[e] = -1
                self.start.pop(e, None)
        for c in carers:
            sched = plan.schedules[c] if c < len(plan.schedules) else None
            planned = sched.planned if sched is not None else None
            run = []
            for k, e in enumerate(plan.runs[c]):
                if e >= 0:
                    self.carer_of[e] = c
                    run.append(e)
                    if planned is not None:
                        self.start[e] = planned[k]
            self.runs[c] = run


def neighbours(cp: Compiled) -> IntArray:
    """Per visit, the other visits nearest it (first travel mode), nearest first."""
    n = cp.n_visits
    k = min(NEIGHBOURS, max(n - 1, 0))
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64)
    far = cp.dur_by_mode[0][np.ix_(cp.v_place, cp.v_place)].astype(np.float64)
    np.fill_diagonal(far, np.inf)
    near = np.argpartition(far, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(far, near, axis=1).argsort(axis=1, kind="stable")
    return np.take_along_axis(near, order, axis=1).astype(np.int64)


class Ruins:
    """The five ruins over one day; ``size`` visits or so per ruin."""

    def __init__(self, cp: Compiled, nodes: Nodes, movable: NDArray[np.bool_]) -> None:
        self.cp, self.nodes = cp, nodes
        self.near = neighbours(cp)
        self.movable = movable  # visits a ruin may take out (not pinned with a fixed start...)
        self.ops = (self.strings, self.related, self.double_up, self.time_slice, self.whole_run)

    def served(self, view: View) -> IntArray:
        first = np.array([o[0] for o in self.nodes.of_visit], dtype=np.int64)
        return np.flatnonzero((view.carer_of[first] >= 0) & self.movable)

    def _nearest_served(self, view: View, seed: int) -> list[int]:
        first = [self.nodes.of_visit[int(u)][0] for u in self.near[seed]]
        return [int(u) for u, f in zip(self.near[seed], first, strict=True) if view.carer_of[f] >= 0]

    def strings(self, view: View, rng: np.random.Generator, seed: int, size: int) -> list[int]:
        out: dict[int, None] = {}
        used: set[int] = set()
        for u in [seed, *self._nearest_served(view, seed)]:
            if len(out) >= size:
                break
            for node in self.nodes.of_visit[u]:
                c = int(view.carer_of[node])
                if c < 0 or c in used:
                    continue
                used.add(c)
                run = view.runs[c]
                length = int(rng.integers(1, min(MAX_STRING, len(run)) + 1))
                at = run.index(node)
                lo = int(rng.integers(max(0, at - length + 1), min(at, len(run) - length) + 1))
                for e in run[lo : lo + length]:
                    out[int(self.nodes.visit[e])] = None
        return self._keep(out)

    def related(self, view: View, rng: np.random.Generator, seed: int, size: int) -> list[int]:
        cand = self._nearest_served(view, seed)
        if not cand:
            return self._keep({seed: None})
        t0 = view.start.get(self.nodes.of_visit[seed][0], 0)
        far = self.cp.dur_by_mode[0][self.cp.v_place[seed], self.cp.v_place[cand]]
        dt = np.abs(np.array([view.start.get(self.nodes.of_visit[u][0], t0) for u in cand]) - t0)
        score = (far + TIME_WEIGHT * dt) * rng.uniform(0.8, 1.25, len(cand))
        picked = [cand[i] for i in np.argsort(score, kind="stable")[: size - 1]]
        return self._keep(dict.fromkeys([seed, *picked]))

    def double_up(self, view: View, rng: np.random.Generator, seed: int, size: int) -> list[int]:
        pairs = [u for u in [seed, *self._nearest_served(view, seed)] if len(self.nodes.of_visit[u]) == 2]
        if not pairs:
            return self.strings(view, rng, seed, size)
        v = pairs[int(rng.integers(min(len(pairs), 4)))]
        out = {v: None}
        reach = max(1, (size - 1) // 4)
        for node in self.nodes.of_visit[v]:
            run = view.runs[int(view.carer_of[node])]
            at = run.index(node)
            for e in run[max(0, at - reach) : at + reach + 1]:
                out[int(self.nodes.visit[e])] = None
        return self._keep(out)

    def time_slice(self, view: View, rng: np.random.Generator, seed: int, size: int) -> list[int]:
        t0 = view.start.get(self.nodes.of_visit[seed][0], 0) - int(rng.integers(0, SLICE_S))
        carers: list[int] = []
        for u in [seed, *self._nearest_served(view, seed)]:
            c = int(view.carer_of[self.nodes.of_visit[u][0]])
            if c not in carers:
                carers.append(c)
            if len(carers) >= max(2, size // 3):
                break
        out: dict[int, None] = {}
        for c in carers:
            for e in view.runs[c]:
                if t0 <= view.start.get(e, -1) < t0 + SLICE_S:
                    out[int(self.nodes.visit[e])] = None
        return self._keep(out)

    def whole_run(self, view: View, rng: np.random.Generator, seed: int, size: int) -> list[int]:
        c = int(view.carer_of[self.nodes.of_visit[seed][0]])
        return self._keep(dict.fromkeys(int(self.nodes.visit[e]) for e in view.runs[c]))

    def _keep(self, chosen: dict[int, None]) -> list[int]:
        return [v for v in chosen if self.movable[v]]
