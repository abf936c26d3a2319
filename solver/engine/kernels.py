"""The search's innermost loops, compiled with numba: the timing of one run (``time_run``),
its gap table (``gap_rows``), the evaluation of every gap of every run for one visit
(``gap_candidates``) and, for the visits a recreate is about to place, the regret of each
(``regrets``).

Each is called a dozen times per iteration of the home-care search, and together they were most
of it: the evaluation as some twenty numpy calls of a few microseconds each whatever the size
of the day, the timing as a Python loop per element. Compiled, each is one call. The arithmetic
is the same integer arithmetic (and the same IEEE rounding of the promised-time price), so the
plans are the same as before, to the second.

Importing this module compiles the kernels for the argument types the engine passes (about 3 s)
or, once they are cached beside it (``cache=True``), loads them (about 0.5 s): no solve spends
its time limit compiling.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from solver.engine.compiled import UNLIMITED

IntArray = NDArray[np.int64]
# the rows of a run's gap table (``gap_rows``), one column per gap; the kernels read them by these
# indices, frozen into the compiled code
SLOT_KEYS = (
    "carer", "pos", "mode", "prev_place", "prev_free", "next_place", "next_latest", "next_real", "is_break",
)  # fmt: skip
CARER, POS, MODE, PREV_PLACE, PREV_FREE, NEXT_PLACE, NEXT_LATEST, NEXT_REAL, IS_BREAK = range(len(SLOT_KEYS))
# arrays, not tuples: numba types every element of a tuple argument at every call, and these two
# are read at every timing (a dozen an iteration)
NodeRows = IntArray  # [5, node]: visit place, window from, to, duration, demand
CarerRules = IntArray  # [7]: home, end place, shift start and end, most visits, load, working seconds
CarerGaps = tuple[int, int, int, int, int, int]  # index, mode, home, end place, shift start and end
# what ``run_cost`` reads: per node (visit, first copy), per visit (place, duration, continuity
# cost per carer, promised from and to, price per second early and late)
RunCostNodes = tuple[IntArray, NDArray[np.bool_]]
RunCostVisits = tuple[
    IntArray, IntArray, IntArray, IntArray, IntArray, NDArray[np.float64], NDArray[np.float64]
]
REGRET_NONE = 10_000_000  # a carer with no gap for a visit: more than any insertion costs


@njit(cache=True, nogil=True)
def gap_candidates(
    table: IntArray,
    d3: IntArray,
    window: tuple[int, int, int, int],
    allowed: NDArray[np.bool_],
    count: IntArray,
    max_visits: IntArray,
    load: IntArray,
    capacity: IntArray,
    demand: int,
    cont: IntArray,
    promise: tuple[int, int, float, float],
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """The gaps of ``table`` (``gap_rows``' layout, every run's side by side) where a visit at
    ``window`` = (place, lo, hi, duration) fits: slot index, earliest start, latest start,
    insertion cost, carer. ``promise`` = (promised from, promised to, price per second early,
    per second late); to < 0 if none."""
    pv, lo, hi, dur = window
    prom_lo, prom_hi, early_coef, late_coef = promise
    n = table.shape[1]
    idx = np.empty(n, np.int64)
    start_out = np.empty(n, np.int64)
    latest_out = np.empty(n, np.int64)
    cost_out = np.empty(n, np.int64)
    carer_out = np.empty(n, np.int64)
    k = 0
    for g in range(n):
        free, next_latest, c = table[PREV_FREE, g], table[NEXT_LATEST, g], table[CARER, g]
        if max(free, lo) > min(hi, next_latest - dur) or not allowed[c]:
            continue  # no room even with no travel: most gaps, never looked up
        mode, prev, nxt = table[MODE, g], table[PREV_PLACE, g], table[NEXT_PLACE, g]
        real = table[NEXT_REAL, g]
        to_v = d3[mode, prev, pv]
        start = max(free + to_v, lo)
        after = 0 if table[IS_BREAK, g] == 1 else d3[mode, pv, nxt]
        latest = min(hi, next_latest - dur - after)
        if start > latest or count[c] >= max_visits[c] or load[c] + demand > capacity[c]:
            continue
        cost = to_v + d3[mode, pv, real] - d3[mode, prev, real] + cont[c]
        if prom_hi >= 0:
            late = max(start - prom_hi, 0) * late_coef
            early = max(prom_lo - start, 0) * early_coef
            cost += np.int64(np.rint(late + early))
        idx[k], start_out[k], latest_out[k], cost_out[k], carer_out[k] = g, start, latest, cost, c
        k += 1
    return idx[:k], start_out[:k], latest_out[:k], cost_out[:k], carer_out[:k]


@njit(cache=True, nogil=True)
def regrets(
    table: IntArray,
    d3: IntArray,
    windows: IntArray,
    allowed: NDArray[np.bool_],
    count: IntArray,
    max_visits: IntArray,
    load: IntArray,
    capacity: IntArray,
    demands: IntArray,
    cont: IntArray,
    promised: IntArray,
    coefs: NDArray[np.float64],
    copies: IntArray,
    k: int,
) -> IntArray:
    """Each visit's regret-``k``: what it loses if its cheapest carers' runs fill before it is
    placed. A visit's cheapest insertion per carer, sorted, a_0 <= a_1 <= ...; for a single
    visit the sum of a_j - a_0 over its next k - 1 carers, for a double-up (two carers, the
    cheapest pair a_0 + a_1) the sum of a_j - a_1 over its next k - 1. A carer with no gap
    counts ``REGRET_NONE`` seconds, so a visit with few carers left goes first; one with none
    has regret 0 and goes last. One row per visit of ``windows`` (place, lo, hi, duration),
    ``allowed`` and ``cont`` (per carer), ``promised`` (from, to) and ``coefs`` (early, late);
    ``copies`` 1 or 2; the rest as ``gap_candidates``."""
    n_carers = allowed.shape[1]
    out = np.zeros(windows.shape[0], np.int64)
    best = np.empty(n_carers, np.int64)
    for i in range(windows.shape[0]):
        window = (windows[i, 0], windows[i, 1], windows[i, 2], windows[i, 3])
        promise = (promised[i, 0], promised[i, 1], coefs[i, 0], coefs[i, 1])
        _, _, _, cost, carer = gap_candidates(
            table, d3, window, allowed[i], count, max_visits, load, capacity, demands[i], cont[i], promise
        )
        best[:] = REGRET_NONE
        for j in range(cost.shape[0]):
            best[carer[j]] = min(best[carer[j]], cost[j])
        ranked = np.sort(best)
        base = copies[i] - 1  # the last carer of the cheapest placement
        for j in range(base + 1, min(base + k, n_carers)):
            out[i] += ranked[j] - ranked[base]
    return out


@njit(cache=True, nogil=True)
def _forward(place, lo, dur, travel, home, end_place, first, last, leave):  # type: ignore[no-untyped-def]
    """Earliest starts when leaving home no earlier than ``leave``: breaks before the first
    visit at home, breaks after the last once home again, the rest where the carer is."""
    n = place.shape[0]
    out = np.empty(n, np.int64)
    free, at = leave, home
    for k in range(n):
        if k < first:
            out[k] = lo[k]
            free = max(free, lo[k] + dur[k])
        elif k > last:
            if k == last + 1:
                free, at = free + travel[at, end_place], end_place
            out[k] = max(free, lo[k])
            free = out[k] + dur[k]
        else:
            out[k] = max(free + travel[at, place[k]], lo[k])
            free, at = out[k] + dur[k], place[k]
    return out


@njit(cache=True, nogil=True)
def _home_again(starts, place, dur, travel, end_place, first, last):  # type: ignore[no-untyped-def]
    """When the carer is home again (breaks taken after that are not counted); 0 if no visit."""
    if last < first:
        return 0
    return starts[last] + dur[last] + travel[place[last], end_place]


@njit(cache=True, nogil=True)
def _backward(place, hi, dur, travel, end_place, first, last, shift_e):  # type: ignore[no-untyped-def]
    """Latest starts that keep every later element and the return home on time."""
    n = place.shape[0]
    out = hi.copy()
    if last < first:
        return out
    nxt = UNLIMITED
    for k in range(n - 1, last, -1):  # breaks once home, one after another
        nxt = min(hi[k], nxt - dur[k])
        out[k] = nxt
    nxt, at = min(shift_e, nxt), end_place
    for k in range(last, -1, -1):
        nxt = min(hi[k], nxt - travel[place[k], at] - dur[k])
        out[k], at = nxt, place[k]
    return out


@njit(cache=True, nogil=True)
def time_run(
    elems: IntArray,
    fixed: IntArray,
    nodes: NodeRows,
    breaks: IntArray,
    travel: IntArray,
    carer: CarerRules,
) -> tuple[bool, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Carer's run ``elems`` (node ids, break k as -(k+1)) timed exactly: whether it keeps every
    rule, and each element's earliest, latest and planned start, place and duration.

    ``fixed`` holds each element's held start (-1 if none); ``nodes`` = rows per node: visit
    place, window start and end, duration and demand (by node, not by visit); ``breaks`` one row
    per break of the carer (window start, end, duration); ``carer`` = [home, end place, shift
    start, shift end, most visits, capacity, most working seconds]. The rules and the order of the
    passes are those of ``solver.engine.construct.Builder.schedule``, which documents them."""
    n_place, n_ws, n_we, n_dur, n_demand = nodes[0], nodes[1], nodes[2], nodes[3], nodes[4]
    home, end_place, shift_s, shift_e = carer[0], carer[1], carer[2], carer[3]
    max_visits, capacity, max_work = carer[4], carer[5], carer[6]
    n = elems.shape[0]
    place = np.empty(n, np.int64)
    lo = np.empty(n, np.int64)
    hi = np.empty(n, np.int64)
    dur = np.empty(n, np.int64)
    at, visits, load, first, last = home, 0, 0, n, -1
    for k in range(n):
        e = elems[k]
        if e >= 0:
            at = n_place[e]
            if fixed[k] >= 0:
                lo[k] = hi[k] = fixed[k]
            else:
                lo[k], hi[k] = n_ws[e], n_we[e]
            dur[k] = n_dur[e]
            visits += 1
            load += n_demand[e]
            first, last = min(first, k), k
        else:
            lo[k], hi[k], dur[k] = breaks[-e - 1, 0], breaks[-e - 1, 1], breaks[-e - 1, 2]
        place[k] = at
    empty = np.empty(0, np.int64)
    if visits > max_visits or load > capacity:
        return False, empty, empty, empty, empty, empty
    earliest = _forward(place, lo, dur, travel, home, end_place, first, last, shift_s)
    if (earliest > hi).any() or _home_again(earliest, place, dur, travel, end_place, first, last) > shift_e:
        return False, empty, empty, empty, empty, empty
    latest = _backward(place, hi, dur, travel, end_place, first, last, shift_e)
    if not visits:
        return True, earliest, latest, place, dur, earliest
    leave = latest[first] - travel[home, place[first]]
    planned = _forward(place, lo, dur, travel, home, end_place, first, last, leave)
    inside = 0
    for k in range(first, last + 1):
        if elems[k] < 0:
            inside += dur[k]
    if _home_again(planned, place, dur, travel, end_place, first, last) - leave - inside > max_work:
        return False, empty, empty, empty, empty, empty
    return True, earliest, latest, place, dur, planned


@njit(cache=True, nogil=True)
def gap_rows(
    elems: IntArray,
    earliest: IntArray,
    latest: IntArray,
    place: IntArray,
    dur: IntArray,
    carer: CarerGaps,
) -> IntArray:
    """Every gap of a timed run as one table, a column per gap (before each element, and after
    the last) and a row per ``SLOT_KEYS`` entry; ``carer`` = (index, mode, home, end place, shift
    start, shift end)."""
    c, mode, home, end_place, shift_s, shift_e = carer
    n = elems.shape[0]
    rows = np.empty((len(SLOT_KEYS), n + 1), np.int64)
    real_after = end_place  # the next visit's place (or home), breaks skipped
    rows[NEXT_REAL, n] = end_place
    for k in range(n - 1, -1, -1):
        if elems[k] >= 0:
            real_after = place[k]
        rows[NEXT_REAL, k] = real_after
    for k in range(n + 1):
        rows[CARER, k], rows[POS, k], rows[MODE, k] = c, k, mode
        if k == 0:
            rows[PREV_PLACE, k], rows[PREV_FREE, k] = home, shift_s
        else:
            rows[PREV_PLACE, k], rows[PREV_FREE, k] = place[k - 1], earliest[k - 1] + dur[k - 1]
        if k == n:
            rows[NEXT_PLACE, k], rows[NEXT_LATEST, k], rows[IS_BREAK, k] = end_place, shift_e, 0
        else:
            rows[NEXT_PLACE, k], rows[NEXT_LATEST, k] = place[k], latest[k]
            rows[IS_BREAK, k] = 1 if elems[k] < 0 else 0
    return rows


@njit(cache=True, nogil=True)
def run_cost(
    elems: IntArray,
    planned: IntArray,
    duration: IntArray,
    nodes: RunCostNodes,
    visits: RunCostVisits,
    travel: IntArray,
    ends: tuple[int, int],
    carer: int,
    wait: tuple[float, int],
) -> int:
    """The search's price of one timed run (``solver.engine.lns.cost.Objective.run`` documents
    it): the drive from home to home, plus the continuity, promised-time and paid-waiting costs,
    summed in that order in floating point and rounded half to even, as Python's ``round``.
    ``nodes`` = per node: visit, whether the visit's first copy; ``visits`` = per visit: place,
    duration, continuity cost per carer, promised from and to, price per second early and late;
    ``ends`` = (home, end place); ``wait`` = (travel seconds per second of paid waiting, the
    shortest unpaid idle gap in seconds)."""
    visit_of, first_copy = nodes
    v_place, v_dur, cont, prom_lo, prom_hi, early_coef, late_coef = visits
    wait_per_s, unpaid_s = wait
    at, total, soft, free, served = ends[0], 0, 0.0, -1, False
    for k in range(elems.shape[0]):
        e = elems[k]
        if e < 0:
            if free >= 0:
                free = planned[k] + duration[k]
            continue
        served = True
        v = visit_of[e]
        p, start = v_place[v], planned[k]
        leg = travel[at, p]
        total += leg
        soft += float(cont[v, carer])
        if first_copy[e] and prom_hi[v] >= 0:
            late = late_coef[v] * max(0, start - prom_hi[v])
            soft += late + early_coef[v] * max(0, prom_lo[v] - start)
        if free >= 0 and wait_per_s:
            idle = start - free - leg
            if 0 < idle < unpaid_s:
                soft += idle * wait_per_s
        at, free = p, start + v_dur[v]
    if not served:
        return 0
    return total + travel[at, ends[1]] + np.int64(np.rint(soft))


def _warm_up() -> None:
    """Compile (or load from the cache) every kernel on a tiny run, with the argument types the
    engine passes, so that no solve spends its time limit compiling."""
    ints = np.zeros(2, np.int64)
    elems = np.array([0, -1], np.int64)
    travel = np.zeros((1, 1), np.int64)
    breaks = np.zeros((1, 3), np.int64)
    carer = np.array([0, 0, 0, 86_400, 10, 10, 86_400], np.int64)
    node_rows = np.stack([ints, ints, ints + 86_400, ints, ints])
    _, earliest, latest, place, dur, _ = time_run(elems, -ints - 1, node_rows, breaks, travel, carer)
    table = gap_rows(elems, earliest, latest, place, dur, (0, 0, 0, 0, 0, 86_400))
    gap_candidates(
        table, np.zeros((1, 1, 1), np.int64), (0, 0, 1, 1), np.ones(1, np.bool_),
        ints, ints + 5, ints, ints + 5, 0, ints, (0, -1, 0.0, 0.0),
    )  # fmt: skip
    one = np.zeros((1, 1), np.int64)
    regrets(
        table, np.zeros((1, 1, 1), np.int64), np.array([[0, 0, 1, 1]], np.int64), np.ones((1, 1), np.bool_),
        ints, ints + 5, ints, ints + 5, ints[:1], one, np.array([[0, -1]], np.int64), np.zeros((1, 2)),
        ints[:1] + 1, 3,
    )  # fmt: skip
    floats = np.zeros(2)
    visits: RunCostVisits = (ints, ints, one, ints, ints - 1, floats, floats)
    run_cost(elems, ints, ints, (ints, np.ones(2, np.bool_)), visits, travel, (0, 0), 0, (0.0, 86_400))


_warm_up()
