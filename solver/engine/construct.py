"""Pair-aware cheapest insertion: a feasible first plan in which every double-up is synchronised.

OR-Tools' own first-solution heuristics insert one node at a time, so they place one copy of a
double-handed visit and then cannot place its partner at the same second; the synchronisation
constraint then rejects the whole plan. Here a double-up is inserted as a *pair*: both copies go
into two different carers' runs at one common start time, chosen where both runs have room.
Once placed, that start is held fixed for the rest of the construction, so every run can be
timed on its own (the fixed-start decomposition). The result is a plan that already satisfies
every hard rule; OR-Tools' local search then improves it with the start times free again.

Breaks are elements of a run like visits (taken where the carer is, before driving on), which
always yields a placement the contract allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from solver.engine.compiled import UNLIMITED, Compiled, Link
from solver.engine.deadline import Deadline
from solver.engine.kernels import (
    CARER,
    POS,
    SLOT_KEYS,
    CarerGaps,
    CarerRules,
    NodeRows,
    gap_candidates,
    gap_rows,
    regrets,
    time_run,
)

IntArray = NDArray[np.int64]
MAX_RETRIES = 25
CANDIDATES_PER_ROUTE = 4
POLL_EVERY = 8  # visits inserted between two looks at the deadline (the stop hook may be costly)
_CANDIDATE_KEYS = ("idx", "start", "latest", "cost", "carer")


@dataclass(frozen=True)
class Nodes:
    """Visit copies: one node per carer a visit needs (two for a double-up)."""

    visit: IntArray  # node -> visit index
    of_visit: list[list[int]]

    @staticmethod
    def of(cp: Compiled) -> Nodes:
        visit: list[int] = []
        of_visit: list[list[int]] = []
        for v in range(cp.n_visits):
            of_visit.append(list(range(len(visit), len(visit) + int(cp.v_req[v]))))
            visit.extend([v] * int(cp.v_req[v]))
        return Nodes(np.asarray(visit, dtype=np.int64), of_visit)

    def __len__(self) -> int:
        return len(self.visit)


class _Column:
    """One of a schedule's per-element lists, read as an attribute (``Schedule.column``)."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __get__(self, sched: Schedule, owner: type | None = None) -> list[int]:
        return sched.column(self.index)


class Schedule:
    """Earliest and latest start of each element of a run, where the carer is after it, its
    duration, and the planned starts: leaving home as late as possible, so the run is as short
    as it can be.

    Held as the compiled timing's arrays (``timed``), which the gap table and the price of a run
    read as they are; the lists, for Python that reads element by element, are made on first
    use, since the search throws most timings away or reads them only in compiled code."""

    __slots__ = ("_lists", "timed")

    def __init__(
        self, earliest: IntArray, latest: IntArray, place: IntArray, duration: IntArray, planned: IntArray
    ) -> None:
        self.timed = (earliest, latest, place, duration, planned)
        self._lists: tuple[list[int], ...] | None = None

    def __eq__(self, other: object) -> bool:
        """The same timing, element by element."""
        if not isinstance(other, Schedule):
            return NotImplemented
        return all(np.array_equal(a, b) for a, b in zip(self.timed, other.timed, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal by value, and not frozen

    def __repr__(self) -> str:
        return f"Schedule(earliest={self.earliest}, latest={self.latest}, planned={self.planned})"

    def column(self, i: int) -> list[int]:
        """The ``i``-th of the per-element lists (``timed``' order), made on first read."""
        if self._lists is None:
            self._lists = tuple(a.tolist() for a in self.timed)
        return self._lists[i]

    earliest = _Column(0)
    latest = _Column(1)
    place = _Column(2)
    duration = _Column(3)
    planned = _Column(4)


@dataclass
class Plan:
    """Runs as ordered elements (node ids >= 0, break k as -(k+1)) plus fixed double-up starts."""

    runs: list[list[int]]
    fixed: dict[int, int] = field(default_factory=dict)
    schedules: list[Schedule | None] = field(default_factory=list)

    def visit_nodes(self, carer: int) -> list[int]:
        return [e for e in self.runs[carer] if e >= 0]

    def timed_runs(self) -> tuple[list[list[tuple[int, int]]], list[list[int]]]:
        """Each carer's (node, planned start) and break starts (by break index), as timed here:
        the form the engine's extraction takes. A run without a schedule counts as empty."""
        runs: list[list[tuple[int, int]]] = []
        breaks: list[list[int]] = []
        for c, elems in enumerate(self.runs):
            sched = self.schedules[c] if c < len(self.schedules) else None
            if sched is None:
                runs.append([])
                breaks.append([])
                continue
            runs.append([(e, sched.planned[k]) for k, e in enumerate(elems) if e >= 0])
            taken = {-e - 1: sched.planned[k] for k, e in enumerate(elems) if e < 0}
            breaks.append([taken[i] for i in sorted(taken)])
        return runs, breaks


def _rules(cp: Compiled, c: int) -> CarerRules:
    """What the compiled timing needs of carer ``c``: home, end place, shift, most visits,
    capacity, most working seconds."""
    shift = (cp.c_start, cp.c_end, cp.c_shift_s, cp.c_shift_e)
    caps = (cp.c_max_visits, cp.c_capacity, cp.c_max_work)
    return np.array([int(a[c]) for a in (*shift, *caps)], dtype=np.int64)


def _gap_carer(cp: Compiled, c: int) -> CarerGaps:
    """What the compiled gap table needs of carer ``c``: index, mode, home, end place, shift."""
    return (
        c,
        int(cp.c_mode[c]),
        int(cp.c_start[c]),
        int(cp.c_end[c]),
        int(cp.c_shift_s[c]),
        int(cp.c_shift_e[c]),
    )


class Builder:
    """Times runs exactly and inserts visits into them."""

    def __init__(self, cp: Compiled, nodes: Nodes) -> None:
        self.cp = cp
        self.nodes = nodes
        self.dur3 = np.stack(cp.dur_by_mode)
        # plain lists for the Python loops that read them per element: a numpy scalar read with
        # its int() costs several times a list read
        self.visit_of: list[int] = nodes.visit.tolist()
        self.v_demand: list[int] = cp.v_demand.tolist()
        self.node_demand: list[int] = cp.v_demand[nodes.visit].tolist()
        # what an evaluation passes the compiled code per visit, made once: as Python scalars for
        # one visit (window, demand, promise), as arrays (a row a visit) for many at once
        r = cp.r
        line = np.ascontiguousarray
        self.visit_windows = line(np.stack([cp.v_place, cp.v_ws, cp.v_we, cp.v_dur], axis=1), dtype=np.int64)
        self.visit_promised = line(np.stack([r.prom_lo, r.prom_hi], axis=1), dtype=np.int64)
        self.visit_coefs = line(np.stack([r.early_coef, r.late_coef], axis=1), dtype=np.float64)
        windows, promised = self.visit_windows.tolist(), self.visit_promised.tolist()
        coefs = self.visit_coefs.tolist()
        self.evaluation: list[tuple[tuple[int, int, int, int], int, tuple[int, int, float, float]]] = [
            ((w[0], w[1], w[2], w[3]), d, (p[0], p[1], c[0], c[1]))
            for w, d, p, c in zip(windows, self.v_demand, promised, coefs, strict=True)
        ]
        # what the compiled timing reads: per node, per carer
        v = nodes.visit
        rows = (cp.v_place[v], cp.v_ws[v], cp.v_we[v], cp.v_dur[v], cp.v_demand[v])
        self._node_rows: NodeRows = np.ascontiguousarray(np.stack(rows), dtype=np.int64)
        self._breaks = [np.array(b, dtype=np.int64).reshape(-1, 3) for b in cp.c_breaks]
        self._travel = [self.dur3[int(m)] for m in cp.c_mode]  # views, one matrix a mode
        self._carer = [_rules(cp, c) for c in range(cp.n_carers)]
        self._gap_carer = [_gap_carer(cp, c) for c in range(cp.n_carers)]

    # ------------------------------------------------------------------ exact timing
    def schedule(self, c: int, elems: list[int], fixed: dict[int, int]) -> Schedule | None:
        """Time run ``elems`` of carer ``c``; None if any rule breaks (``kernels.time_run``).

        Breaks before the first visit are taken at home before leaving, breaks after the last
        visit once home again: both lie outside the run (the carer is off), so neither the
        shift nor the working-time cap binds them. A break between visits is taken where the
        carer is, before driving on. The carer leaves home as late as the run allows, so the
        planned run is as short as it can be; the working-time cap binds that run, less the
        breaks inside it."""
        held = [fixed.get(e, -1) for e in elems] if fixed else [-1] * len(elems)
        ok, earliest, latest, place, dur, planned = time_run(
            np.array(elems, dtype=np.int64),
            np.array(held, dtype=np.int64),
            self._node_rows,
            self._breaks[c],
            self._travel[c],
            self._carer[c],
        )
        if not ok:
            return None
        return Schedule(earliest, latest, place, dur, planned)

    # ------------------------------------------------------------------ candidate slots
    def slot_rows(self, c: int, elems: list[int], sched: Schedule) -> IntArray:
        """Every gap of a run where a visit could go, as one table with a row per ``SLOT_KEYS``
        entry and a column per gap: built in one conversion, since the search rebuilds a run's
        gaps after every move."""
        earliest, latest, place, dur, _ = sched.timed
        return gap_rows(np.array(elems, dtype=np.int64), earliest, latest, place, dur, self._gap_carer[c])


def _pinned_only(mask: NDArray[np.bool_], pin: int) -> NDArray[np.bool_]:
    """``mask`` kept for the pinned carer alone (the only one a pinned visit may have)."""
    only = np.zeros_like(mask)
    only[pin] = mask[pin]
    return only


def _offsets(parts: list[IntArray]) -> IntArray:
    """Where each run's gaps begin in the concatenated table (one more entry: the end)."""
    return np.concatenate([[0], np.cumsum([p.shape[1] for p in parts])]).astype(np.int64)


class Inserter:
    """Cheapest feasible insertion of single visits and synchronised pairs."""

    def __init__(self, builder: Builder, plan: Plan) -> None:
        self.b = builder
        self.cp = builder.cp
        self.plan = plan
        n = self.cp.n_carers
        if not plan.schedules:
            plan.schedules = [self.b.schedule(c, plan.runs[c], plan.fixed) for c in range(n)]
        self._slots = [self._route_slots(c) for c in range(n)]
        self._table = np.concatenate(self._slots, axis=1) if n else np.zeros((len(SLOT_KEYS), 0), np.int64)
        self._offset = _offsets(self._slots)
        self.use_links = True  # diagnosis switches the gap and cap rules off to name them
        self.use_cap = True
        self.links_of: dict[int, list[Link]] = {}
        for link in self.cp.r.links:
            self.links_of.setdefault(link.later, []).append(link)
            self.links_of.setdefault(link.earlier, []).append(link)
        self.visit_count = np.array([len(plan.visit_nodes(c)) for c in range(n)], dtype=np.int64)
        self.load = np.array(
            [
                sum(int(self.cp.v_demand[self.b.nodes.visit[e]]) for e in plan.visit_nodes(c))
                for c in range(n)
            ],
            dtype=np.int64,
        )

    def _route_slots(self, c: int) -> IntArray:
        sched = self.plan.schedules[c]
        assert sched is not None, "a plan handed to the inserter must be feasible"
        return self.b.slot_rows(c, self.plan.runs[c], sched)

    def _placed(self) -> set[int]:
        return {e for run in self.plan.runs for e in run if e >= 0}

    def window(self, v: int) -> tuple[int, int]:
        """The visit's window narrowed by the `after` gaps to partners already placed."""
        cp = self.cp
        lo, hi = int(cp.v_ws[v]), int(cp.v_we[v])
        if not self.use_links or v not in self.links_of:
            return lo, hi
        placed = self._placed()
        for link in self.links_of[v]:
            other = link.earlier if link.later == v else link.later
            node = self.b.nodes.of_visit[other][0]
            if node not in placed or node not in self.plan.fixed:
                continue
            t = self.plan.fixed[node]
            if link.later == v:
                lo, hi = max(lo, t + link.min_s), min(hi, t + link.max_s)
            else:
                lo, hi = max(lo, t - link.max_s), min(hi, t - link.min_s)
        return lo, hi

    def client_carers(self, v: int) -> set[int]:
        """Carers already serving visit ``v``'s client in the plan."""
        client = int(self.cp.r.v_client[v])
        visit_of = self.b.nodes.visit
        return {
            c
            for c, run in enumerate(self.plan.runs)
            for e in run
            if e >= 0 and int(self.cp.r.v_client[visit_of[e]]) == client
        }

    def _evaluate(self, v: int, allowed: NDArray[np.bool_]) -> dict[str, IntArray]:
        cp = self.cp
        window, demand, promise = self.b.evaluation[v]
        if v in self.links_of:
            window = (window[0], *self.window(v), window[3])
        found = gap_candidates(
            self._table, self.b.dur3, window, allowed, self.visit_count, cp.c_max_visits, self.load,
            cp.c_capacity, demand, cp.r.cont_cost[v], promise,
        )  # fmt: skip
        return dict(zip(_CANDIDATE_KEYS, found, strict=True))

    def regrets(self, visits: list[int], k: int) -> IntArray:
        """Each of ``visits``' regret-``k`` in the plan as it stands (``kernels.regrets``), from
        the gaps ``candidates`` would give it: a single visit's pinned carer only, a double-up's
        any carer."""
        cp, r = self.cp, self.cp.r
        if not visits:
            return np.zeros(0, dtype=np.int64)
        v = np.array(visits, dtype=np.int64)
        windows = self.b.visit_windows[v]
        for i, u in enumerate(visits):
            if u in self.links_of:
                windows[i, 1:3] = self.window(u)
        return regrets(
            self._table, self.b.dur3, windows, self._allowed_rows(v), self.visit_count, cp.c_max_visits,
            self.load, cp.c_capacity, cp.v_demand[v], r.cont_cost[v], self.b.visit_promised[v],
            self.b.visit_coefs[v], cp.v_req[v], k,
        )  # fmt: skip

    def _allowed_rows(self, v: IntArray) -> NDArray[np.bool_]:
        """``allowed_mask`` of each of visits ``v`` as ``candidates`` asks it (single visits
        pinned only), a row a visit: from the eligibility matrix at once where no cap on carers
        per client applies."""
        cp = self.cp
        if self.use_cap and cp.r.cap < UNLIMITED:
            return np.stack([self.allowed_mask(int(u), pinned_only=int(cp.v_req[u]) == 1) for u in v])
        allowed = cp.eligible[v]
        pins = cp.pinned[v]
        for i in np.flatnonzero((pins >= 0) & (cp.v_req[v] == 1)).tolist():
            allowed[i] = _pinned_only(allowed[i], int(pins[i]))
        return allowed

    def _commit(self, c: int, elems: list[int], sched: Schedule) -> None:
        self.plan.runs[c] = elems
        self.plan.schedules[c] = sched
        new = self.b.slot_rows(c, elems, sched)
        lo, hi = int(self._offset[c]), int(self._offset[c + 1])
        # splice the one run's gaps in: concatenating every run's anew made a day quadratic
        t = self._table
        self._table = np.concatenate([t[:, :lo], new, t[:, hi:]], axis=1)
        self._slots[c] = new
        self._offset[c + 1 :] += new.shape[1] - (hi - lo)
        demand = [self.b.node_demand[e] for e in elems if e >= 0]
        self.visit_count[c] = len(demand)
        self.load[c] = sum(demand)

    def _try(self, c: int, pos: int, node: int, fixed: dict[int, int]) -> tuple[list[int], Schedule] | None:
        elems = [*self.plan.runs[c][:pos], node, *self.plan.runs[c][pos:]]
        sched = self.b.schedule(c, elems, fixed)
        return None if sched is None else (elems, sched)

    def allowed_mask(self, v: int, pinned_only: bool) -> NDArray[np.bool_]:
        mask = self.cp.eligible[v].copy()
        if self.use_cap and self.cp.r.cap < UNLIMITED:
            serving = self.client_carers(v)
            if len(serving) >= self.cp.r.cap:
                mask &= np.isin(np.arange(len(mask)), list(serving))
        pin = int(self.cp.pinned[v])
        return _pinned_only(mask, pin) if pinned_only and pin >= 0 else mask

    def insert_single(self, v: int) -> bool:
        node = self.b.nodes.of_visit[v][0]
        cand = self._evaluate(v, self.allowed_mask(v, pinned_only=True))
        order = np.lexsort((cand["idx"], cand["cost"]))[:MAX_RETRIES]
        hold = v in self.links_of
        for i in order:
            slot = int(cand["idx"][i])
            c, pos = self.slot(slot)
            fixed = {**self.plan.fixed, node: int(cand["start"][i])} if hold else self.plan.fixed
            done = self._try(c, pos, node, fixed)
            if done is not None:
                self.plan.fixed = fixed  # a linked visit's start is held, like a double-up's
                self._commit(c, *done)
                return True
        return False

    def insert_pair(self, v: int) -> bool:
        n0, n1 = self.b.nodes.of_visit[v]
        cand = self._evaluate(v, self.allowed_mask(v, pinned_only=False))
        keep = self._best_per_carer(cand)
        if len(keep) < 2:
            return False
        start, latest, cost, carer = (cand[k][keep] for k in ("start", "latest", "cost", "carer"))
        t = np.maximum(start[:, None], start[None, :])
        ok = (t <= np.minimum(latest[:, None], latest[None, :])) & (carer[:, None] != carer[None, :])
        pin = int(self.cp.pinned[v])
        if pin >= 0:
            ok &= carer[:, None] == pin
        if self.use_cap and self.cp.r.cap < UNLIMITED:
            serving = self.client_carers(v)
            new = ~np.isin(carer, list(serving))
            ok &= len(serving) + new[:, None].astype(int) + new[None, :].astype(int) <= self.cp.r.cap
        total = np.where(ok, cost[:, None] + cost[None, :], np.iinfo(np.int64).max)
        flat_order = np.argsort(total, axis=None, kind="stable")[:MAX_RETRIES]
        for f in flat_order:
            i, j = divmod(int(f), len(keep))
            if not ok[i, j]:
                break
            slots = (int(cand["idx"][keep[i]]), int(cand["idx"][keep[j]]))
            if self.place_pair((n0, n1), slots, int(t[i, j])):
                return True
        return False

    def _best_per_carer(self, cand: dict[str, IntArray]) -> IntArray:
        order = np.lexsort((cand["idx"], cand["cost"], cand["carer"]))
        carer = cand["carer"][order]
        rank = np.arange(len(order)) - np.searchsorted(carer, carer, side="left")
        return order[rank < CANDIDATES_PER_ROUTE]

    def place_pair(self, pair: tuple[int, int], slots: tuple[int, int], t: int) -> bool:
        """Both copies of a double-up into candidate ``slots``, starting together at ``t``:
        all or nothing (no run changes unless both fit)."""
        fixed = {**self.plan.fixed, pair[0]: t, pair[1]: t}
        placed = []
        for node, slot in zip(pair, slots, strict=True):
            c, pos = self.slot(slot)
            done = self._try(c, pos, node, fixed)
            if done is None:
                return False
            placed.append((c, done))
        self.plan.fixed = fixed
        for c, done in placed:
            self._commit(c, *done)
        return True

    # ------------------------------------------------------------------ for other searches
    def candidates(self, v: int, pinned_only: bool) -> dict[str, IntArray]:
        """Gaps where visit ``v`` may go, one entry each: slot ``idx``, earliest ``start``,
        ``latest`` start, insertion ``cost`` and ``carer`` (a bound: timing is confirmed by
        ``try_insert``)."""
        return self._evaluate(v, self.allowed_mask(v, pinned_only))

    def slot(self, idx: int) -> tuple[int, int]:
        """The carer and position in their run of a candidate's slot."""
        return int(self._table[CARER, idx]), int(self._table[POS, idx])

    def try_insert(
        self, c: int, pos: int, node: int, fixed: dict[int, int]
    ) -> tuple[list[int], Schedule] | None:
        """Run ``c`` with ``node`` at ``pos``, timed with ``fixed`` starts; None if untimeable."""
        return self._try(c, pos, node, fixed)

    def commit(self, c: int, elems: list[int], sched: Schedule) -> None:
        """Make ``elems`` (timed as ``sched``) carer ``c``'s run."""
        self._commit(c, elems, sched)

    def insert(self, v: int) -> bool:
        return self.insert_pair(v) if int(self.cp.v_req[v]) == 2 else self.insert_single(v)

    def save(self) -> tuple[object, ...]:
        p = self.plan
        return (
            [list(r) for r in p.runs],
            list(p.schedules),
            dict(p.fixed),
            list(self._slots),
            self._table,
            self._offset.copy(),
            self.visit_count.copy(),
            self.load.copy(),
        )

    def restore(self, state: tuple[object, ...]) -> None:
        runs, schedules, fixed, slots, table, offset, count, load = state
        self.plan.runs, self.plan.schedules, self.plan.fixed = runs, schedules, fixed  # type: ignore[assignment]
        self._slots, self._table, self._offset = slots, table, offset  # type: ignore[assignment]
        self.visit_count, self.load = count, load  # type: ignore[assignment]

    def remove(self, c: int, node: int) -> bool:
        return self.remove_many(c, {node})

    def remove_many(self, c: int, nodes: set[int]) -> bool:
        """Take ``nodes`` out of carer ``c``'s run, timed once; False if the rest cannot be timed."""
        elems = [e for e in self.plan.runs[c] if e not in nodes]
        sched = self.b.schedule(c, elems, self.plan.fixed)
        if sched is None:
            return False
        self._commit(c, elems, sched)
        return True

    def insert_with_ejection(self, v: int, deadline: float | Deadline) -> bool:
        """Make room for ``v`` by moving one nearby single visit elsewhere (or dropping none);
        ``deadline`` (or an instant on ``time.monotonic``) ends the moving aside."""
        if self.insert(v):
            return True
        until = deadline if isinstance(deadline, Deadline) else Deadline(deadline)
        for c, node in self._ejection_candidates(v):
            if until.expired():
                return False
            state = self.save()
            moved = int(self.b.nodes.visit[node])
            if self.remove(c, node) and self.insert(v) and self.insert(moved):
                return True
            self.restore(state)
        return False

    def insert_clearing(self, v: int, deadline: Deadline, most: int = 3) -> bool:
        """Make room for ``v`` by moving aside every single visit (at most ``most``) of one
        allowed carer that overlaps ``v``'s window, give or take half an hour, and inserting
        them again anywhere: for a visit one moved visit does not make room for (a long visit
        early in the day, where every run already starts with something). Carers are tried in
        order until one works or ``deadline`` passes; False (nothing changed) otherwise."""
        cp, visit_of = self.cp, self.b.nodes.visit
        lo, hi = int(cp.v_ws[v]) - 1800, int(cp.v_we[v]) + int(cp.v_dur[v]) + 1800
        for c in np.flatnonzero(cp.eligible[v]):
            if deadline.expired():
                return False
            sched = self.plan.schedules[c]
            if sched is None:
                continue
            moved = [
                e
                for k, e in enumerate(self.plan.runs[c])
                if e >= 0
                and e not in self.plan.fixed
                and sched.planned[k] < hi
                and sched.planned[k] + int(cp.v_dur[visit_of[e]]) > lo
            ]
            if not moved or len(moved) > most:
                continue
            state = self.save()
            if (
                self.remove_many(int(c), set(moved))
                and self.insert(v)
                and all(self.insert(int(visit_of[e])) for e in moved)
            ):
                return True
            self.restore(state)
        return False

    def _ejection_candidates(self, v: int) -> list[tuple[int, int]]:
        """Single visits of allowed carers overlapping ``v``'s window, nearest first."""
        cp = self.cp
        lo, hi = int(cp.v_ws[v]) - 3600, int(cp.v_we[v]) + int(cp.v_dur[v]) + 3600
        travel = self.b.dur3[0]
        out = []
        for c in np.flatnonzero(cp.eligible[v]):
            sched = self.plan.schedules[c]
            if sched is None:
                continue
            for k, e in enumerate(self.plan.runs[c]):
                if e < 0 or e in self.plan.fixed:
                    continue
                if lo <= sched.earliest[k] <= hi:
                    far = int(travel[cp.v_place[v], cp.v_place[self.b.nodes.visit[e]]])
                    out.append((far, int(c), int(e)))
        return [(c, e) for _, c, e in sorted(out)]


def empty_plan(cp: Compiled) -> Plan:
    """Runs holding only each carer's breaks, in window order."""
    runs = []
    for breaks in cp.c_breaks:
        order = sorted(range(len(breaks)), key=lambda k: (breaks[k][0], breaks[k][1]))
        runs.append([-(k + 1) for k in order])
    return Plan(runs=runs)


ORDERINGS = ("priority", "scarcity", "time")


def insertion_order(cp: Compiled, visits: list[int], seed: int, ordering: str = "priority") -> list[int]:
    """Most constrained first, by one of three views of 'constrained'.

    - ``priority``: critical before normal before low, double-ups first within each;
    - ``scarcity``: visits with the fewest allowed carers per carer needed first (rare skills,
      double-ups), whatever their priority: they hold the scarce carers. Seen on zone.json:
      3 visits out instead of 7 for the priority order;
    - ``time``: by window start, as a coordinator fills a rota (least travel, more left out).

    The seed breaks ties, so different seeds give different plans."""
    rng = np.random.default_rng(seed)
    jitter = rng.random(len(visits))
    n_allowed = cp.eligible.sum(axis=1)

    def key(i: int, v: int) -> tuple[float, ...]:
        width = int(cp.v_we[v] - cp.v_ws[v]) // 900
        if ordering == "scarcity":
            per_carer_needed = int(n_allowed[v]) // (4 * int(cp.v_req[v]))
            return (per_carer_needed, -int(cp.v_req[v]), int(cp.v_prio[v]), width, float(jitter[i]))
        if ordering == "time":
            return (int(cp.v_prio[v] == 0) * -1, int(cp.v_ws[v]) // 1800, -int(cp.v_req[v]), float(jitter[i]))
        return (
            int(cp.v_prio[v]),
            -int(cp.v_req[v]),
            int(n_allowed[v] > 3),
            width,
            int(cp.v_ws[v]),
            float(jitter[i]),
        )

    keys = [key(i, v) for i, v in enumerate(visits)]
    return [v for _, v in sorted(zip(keys, visits, strict=True))]


def score(cp: Compiled, unplaced: list[int], travel: int) -> tuple[int, ...]:
    """Lexicographic: lost critical, normal, low visits (double-ups count twice), then travel."""
    lost = [0, 0, 0]
    for v in unplaced:
        lost[int(cp.v_prio[v])] += int(cp.v_req[v])
    return (*lost, travel)


def route_travel(cp: Compiled, c: int, places: list[int]) -> int:
    """Seconds driven by carer ``c`` from home through ``places`` to the end place."""
    if not places:
        return 0
    stops = [int(cp.c_start[c]), *places, int(cp.c_end[c])]
    return int(cp.dur_by_mode[int(cp.c_mode[c])][stops[:-1], stops[1:]].sum())


def runs_soft_cost(cp: Compiled, nodes: Nodes, runs: list[list[tuple[int, int]]]) -> int:
    """Continuity and lateness costs of timed runs, in the objective's seconds of travel."""
    total = 0.0
    for c, run in enumerate(runs):
        for node, start in run:
            v = int(nodes.visit[node])
            total += float(cp.r.cont_cost[v, c])
            if nodes.of_visit[v][0] == node:
                total += cp.r.late_cost(v, start)
    return round(total)


def plan_runs(plan: Plan) -> list[list[tuple[int, int]]]:
    """(node, planned start) per carer of a timed plan."""
    return plan.timed_runs()[0]


def _score(cp: Compiled, nodes: Nodes, plan: Plan, unplaced: list[int]) -> tuple[int, ...]:
    soft = runs_soft_cost(cp, nodes, plan_runs(plan))
    return score(cp, unplaced, sum(plan_travel(cp, plan)) + soft)


def plan_travel(cp: Compiled, plan: Plan) -> list[int]:
    return [
        route_travel(cp, c, sched.place) if sched is not None and plan.visit_nodes(c) else 0
        for c, sched in enumerate(plan.schedules)
    ]


def construct_once(
    cp: Compiled, nodes: Nodes, seed: int, ordering: str = "priority", until: Deadline | None = None
) -> tuple[Plan, list[int]]:
    """One insertion pass in one seeded order; once ``until`` expires the visits not yet tried
    are left out as they are (the caller's diagnosis gives each its reason)."""
    builder = Builder(cp, nodes)
    plan = empty_plan(cp)
    for c in range(cp.n_carers):
        if builder.schedule(c, plan.runs[c], plan.fixed) is None:
            plan.runs[c] = []  # breaks that cannot be timed even on an empty run: carer unusable
    inserter = Inserter(builder, plan)
    order = insertion_order(cp, list(range(cp.n_visits)), seed, ordering)
    unplaced: list[int] = []
    for i, v in enumerate(order):
        if until is not None and i and i % POLL_EVERY == 0 and until.expired():
            return plan, unplaced + order[i:]
        if not inserter.insert(v):
            unplaced.append(v)
    return plan, unplaced


def construct(
    cp: Compiled,
    nodes: Nodes,
    seed: int = 0,
    budget_s: float = 0.0,
    attempts: int = 64,
    *,
    until: Deadline | None = None,
    give_up_after: int | None = None,
) -> tuple[Plan, list[int]]:
    """The best of up to ``attempts`` seeded insertion orders within ``budget_s``, each repaired.

    ``until`` is the hard end: the first attempt stops inserting there too, and a visit it
    had no time for is left out. With an infinite budget and no hard end reached, the outcome
    depends on the seed alone (reproducible plans). ``give_up_after`` goes to ``repair``."""
    hard = until if until is not None else Deadline(math.inf)
    soft = hard.within(budget_s) if not math.isinf(budget_s) else hard
    best: tuple[tuple[int, ...], Plan, list[int]] | None = None
    attempt = 0
    while best is None or (not soft.expired() and attempt < attempts and best[0][:3] != (0, 0, 0)):
        ordering = ORDERINGS[attempt % len(ORDERINGS)]
        plan, unplaced = construct_once(cp, nodes, seed * 1000 + attempt, ordering, until=hard)
        if unplaced:
            step = soft.within(max(budget_s / 20, 0.2)) if not math.isinf(budget_s) else soft
            unplaced = repair(
                cp, nodes, plan, unplaced, seed, deadline=step, hard=hard, give_up_after=give_up_after
            )
        score = _score(cp, nodes, plan, unplaced)
        cut = hard.expired()  # stopped half-way: it never tried its last visits, so no rival
        if best is None or (score < best[0] and not cut):
            best = (score, plan, unplaced)
        attempt += 1
    return best[1], best[2]


def repair(
    cp: Compiled,
    nodes: Nodes,
    plan: Plan,
    missing: list[int],
    seed: int,
    deadline: float | Deadline | None = None,
    *,
    hard: Deadline | None = None,
    give_up_after: int | None = None,
    clear: bool = False,
) -> list[int]:
    """Insert ``missing`` visits into a feasible plan, moving single visits aside to make room.

    ``deadline`` (a ``Deadline``, or an instant on ``time.monotonic``; default 2 s from now)
    ends the moving aside; ``hard`` ends the repair itself, and a visit not tried by then
    stays missing. Once more than ``give_up_after`` visits are left out the repair stops and
    the rest stay missing: a caller asking whether a fleet can serve all but a few learns the
    answer without the cost of trying every other visit (on a 1,300-visit day with 104 out,
    moving visits aside took 39 s and placed 9). With ``clear``, a visit that moving one visit
    aside does not place gets a carer's stretch cleared for it (``Inserter.insert_clearing``;
    measured only after PyVRP's final plan, so off elsewhere)."""
    inserter = Inserter(Builder(cp, nodes), plan)
    if deadline is None:
        ejecting = Deadline.after(2.0)
    elif isinstance(deadline, Deadline):
        ejecting = deadline
    else:
        ejecting = Deadline(deadline)
    order = insertion_order(cp, missing, seed)
    left: list[int] = []
    for i, v in enumerate(order):
        if hard is not None and i and i % POLL_EVERY == 0 and hard.expired():
            return left + order[i:]
        if not inserter.insert_with_ejection(v, ejecting) and not (
            clear and inserter.insert_clearing(v, ejecting)
        ):
            left.append(v)
            if give_up_after is not None and len(left) > give_up_after:
                return left + order[i + 1 :]
    return left


def plan_from_runs(
    cp: Compiled, nodes: Nodes, runs: list[list[tuple[int, int]]], tied: set[int] | None = None
) -> Plan | None:
    """A construction plan from solved runs; None if untimeable. The starts of ``tied`` nodes
    (by default double-up copies and visits in an ``after`` link) are held where the runs put
    them, since moving one alone would break its partner's timing."""
    if tied is None:
        linked = cp.r.linked
        tied = {
            node
            for run in runs
            for node, _ in run
            if int(cp.v_req[nodes.visit[node]]) == 2 or int(nodes.visit[node]) in linked
        }
    fixed = {node: t for run in runs for node, t in run if node in tied}
    builder = Builder(cp, nodes)
    plan = Plan(runs=[], fixed=fixed)
    for c, run in enumerate(runs):
        elems = [node for node, _ in run]
        if not elems:
            elems = [-(k + 1) for k in range(len(cp.c_breaks[c]))]
            plan.runs.append(elems if builder.schedule(c, elems, fixed) is not None else [])
            continue
        placed = _place_break_elements(builder, c, elems, [t for _, t in run], fixed)
        if placed is None:
            return None
        plan.runs.append(placed)
    plan.schedules = [builder.schedule(c, elems, fixed) for c, elems in enumerate(plan.runs)]
    return plan if all(s is not None for s in plan.schedules) else None


def _place_break_elements(
    builder: Builder, c: int, elems: list[int], starts: list[int], fixed: dict[int, int]
) -> list[int] | None:
    """Insert each break element at the first position, nearest its window, that times."""
    breaks = builder.cp.c_breaks[c]
    out, times = list(elems), list(starts)
    for k in sorted(range(len(breaks)), key=lambda i: breaks[i][0]):
        ws = breaks[k][0]
        near = next((i for i, t in enumerate(times) if t >= ws), len(times))
        order = sorted(range(len(out) + 1), key=lambda i: abs(i - near))
        for pos in order:
            trial = [*out[:pos], -(k + 1), *out[pos:]]
            if builder.schedule(c, trial, fixed) is not None:
                out = trial
                times.insert(pos, ws)
                break
        else:
            return None
    return out


RUIN_SIZE = (3, 9)  # visits taken out per ruin: at least, at most (exclusive)
RECREATE_OUT = 8  # visits still out offered again at each recreate


def improve(
    cp: Compiled,
    nodes: Nodes,
    plan: Plan,
    unplaced: list[int],
    seed: int,
    until: Deadline,
    iterations: int | None = None,
) -> list[int]:
    """Ruin and recreate on a feasible plan, in place: take a few nearby single visits out of
    their runs and insert them again cheapest first, with some of the visits still out; keep
    the change when the plan then loses less by priority, or travels less. For days whose
    OR-Tools model would not fit the time limit, this is the search. Ends at ``until`` or after
    ``iterations`` (with a solution limit: the same seed then gives the same plan); returns the
    visits still out."""
    movable = np.array(
        [v for v in range(cp.n_visits) if cp.v_req[v] == 1 and v not in cp.r.linked and cp.pinned[v] < 0],
        dtype=np.int64,
    )
    if not len(movable):
        return unplaced
    inserter = Inserter(Builder(cp, nodes), plan)
    rng = np.random.default_rng(seed)
    first_node = np.array([nodes.of_visit[v][0] for v in movable], dtype=np.int64)
    out, done = list(unplaced), 0
    while (iterations is None or done < iterations) and not until.expired():
        done += 1
        carer_of = _carer_of(plan, len(nodes))
        served = movable[carer_of[first_node] >= 0]
        if not len(served):
            break
        chosen = _nearby(cp, served, int(served[rng.integers(len(served))]), int(rng.integers(*RUIN_SIZE)))
        offered = [out[i] for i in rng.permutation(len(out))[:RECREATE_OUT]]
        state = inserter.save()
        before = [list(run) for run in plan.runs]
        cost_before = (_lost(cp, out), 0)
        removed = [
            v for v in chosen if inserter.remove(int(carer_of[nodes.of_visit[v][0]]), nodes.of_visit[v][0])
        ]
        trial = insertion_order(cp, removed + offered, int(rng.integers(2**31)))
        left = {v for v in trial if not inserter.insert(v)}
        changed = [c for c, run in enumerate(plan.runs) if run != before[c]]
        new_out = [v for v in out if v not in offered or v in left] + [v for v in removed if v in left]
        delta = sum(_run_cost(cp, nodes, plan, c) for c in changed) - _runs_cost_of(cp, nodes, state, changed)
        if (_lost(cp, new_out), delta) < cost_before:
            out = new_out
        else:
            inserter.restore(state)
    return out


def _carer_of(plan: Plan, n_nodes: int) -> IntArray:
    """The carer of each node in the plan, -1 for a node left out."""
    lengths = [len(run) for run in plan.runs]
    elems = np.fromiter((e for run in plan.runs for e in run), dtype=np.int64, count=sum(lengths))
    owner = np.repeat(np.arange(len(plan.runs), dtype=np.int64), lengths)
    out = np.full(n_nodes, -1, dtype=np.int64)
    out[elems[elems >= 0]] = owner[elems >= 0]
    return out


def _nearby(cp: Compiled, served: IntArray, v: int, k: int) -> list[int]:
    """``v`` and the served visits nearest it (by the first mode's travel), ``k`` in all."""
    far = cp.dur_by_mode[0][cp.v_place[v], cp.v_place[served]]
    return [int(x) for x in served[np.argsort(far, kind="stable")[:k]]]


def _lost(cp: Compiled, out: list[int]) -> tuple[int, ...]:
    return score(cp, out, 0)[:3]


def _run_cost(cp: Compiled, nodes: Nodes, plan: Plan, c: int) -> int:
    """Travel and soft cost of one run of a timed plan (the construction's score, one run)."""
    sched = plan.schedules[c]
    if sched is None or not plan.visit_nodes(c):
        return 0
    timed = [(e, sched.planned[k]) for k, e in enumerate(plan.runs[c]) if e >= 0]
    runs: list[list[tuple[int, int]]] = [[] for _ in range(c)] + [timed]
    return route_travel(cp, c, sched.place) + runs_soft_cost(cp, nodes, runs)


def _runs_cost_of(cp: Compiled, nodes: Nodes, state: tuple[object, ...], carers: list[int]) -> int:
    """``_run_cost`` of ``carers``' runs as they were in a saved inserter state."""
    runs, schedules, fixed = state[0], state[1], state[2]
    before = Plan(runs=runs, fixed=fixed, schedules=schedules)  # type: ignore[arg-type]
    return sum(_run_cost(cp, nodes, before, c) for c in carers)
