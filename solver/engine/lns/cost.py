"""The search's objective, in one place: what a plan costs, lexicographically.

First what is left out, weighted by priority so that every low visit served beats any saving,
every normal visit beats all lows and every critical visit all normals (docs/rules.md, "Soft
rules"); then, in seconds of travel: the drive of every run (home and back included), the
continuity cost of each unfamiliar carer, the price of a start outside its promised time, and
paid waiting between visits. Waiting is off by default: ``Compiled.wait_cost_per_min`` prices
a minute of it in minutes of travel (1 under the paid-time objective), and an idle gap of at
least ``Compiled.unpaid_gap_min`` minutes is unpaid (the carer is off) and costs nothing.
"""

from __future__ import annotations

import numpy as np

from solver.engine.compiled import UNLIMITED, Compiled
from solver.engine.construct import Nodes, Schedule
from solver.engine.kernels import RunCostVisits, run_cost

MARGIN_S = 10_000  # on top of the costliest detour and soft cost a visit can bring


def drop_weights(cp: Compiled) -> list[int]:
    """Objective seconds for leaving each visit out (all its copies), lexicographic by priority."""
    if not cp.n_visits:
        return []
    drivable = [m[m < 10**8] for m in cp.dur_by_mode]
    arc = max((int(m.max()) for m in drivable if m.size), default=0)
    r = cp.r
    late = r.late_coef * np.maximum(cp.v_we - np.maximum(r.prom_hi, 0), 0) * (r.prom_hi >= 0)
    early = r.early_coef * np.maximum(r.prom_lo - cp.v_ws, 0) * (r.prom_hi >= 0)
    soft = int(np.max(late + early + 2 * r.cont_cost.max(axis=1, initial=0)))
    span = int(cp.c_shift_e.max() - cp.c_shift_s.min()) if cp.n_carers else 0
    wait = int(cp.wait_cost_per_min * 2 * span)
    unit = 4 * arc + soft + wait + MARGIN_S
    copies = {rank: int(cp.v_req[cp.v_prio == rank].sum()) for rank in (0, 1, 2)}
    per_copy = {2: unit, 1: unit * (copies[2] + 1), 0: unit * (copies[2] + 1) * (copies[1] + 1)}
    return [per_copy[int(cp.v_prio[v])] * int(cp.v_req[v]) for v in range(cp.n_visits)]


class Objective:
    """Prices runs and left-out visits of one compiled day (see the module docstring)."""

    def __init__(self, cp: Compiled, nodes: Nodes) -> None:
        self.cp, self.nodes = cp, nodes
        self.drop = drop_weights(cp)
        self.wait_per_s = cp.wait_cost_per_min  # travel seconds per second of paid waiting
        self.unpaid_s = cp.unpaid_gap_min * 60 if cp.unpaid_gap_min < UNLIMITED else UNLIMITED
        first = np.zeros(len(nodes.visit), dtype=np.bool_)
        first[[copies[0] for copies in nodes.of_visit]] = True
        r = cp.r
        line = np.ascontiguousarray  # one layout, so the kernel is compiled once (``kernels``)
        self._nodes = (line(nodes.visit, dtype=np.int64), first)
        place, dur, cont, prom_lo, prom_hi = (
            line(a, dtype=np.int64) for a in (cp.v_place, cp.v_dur, r.cont_cost, r.prom_lo, r.prom_hi)
        )
        early, late = line(r.early_coef, dtype=np.float64), line(r.late_coef, dtype=np.float64)
        self._visits: RunCostVisits = (place, dur, cont, prom_lo, prom_hi, early, late)
        self._travel = [line(cp.dur_by_mode[int(m)], dtype=np.int64) for m in cp.c_mode]
        self._ends = [(int(a), int(b)) for a, b in zip(cp.c_start, cp.c_end, strict=True)]
        self._wait = (float(self.wait_per_s), int(self.unpaid_s))

    def lost(self, out: list[int] | set[int]) -> int:
        """The weighted cost of leaving ``out`` unserved."""
        return sum(self.drop[v] for v in out)

    def lost_by_rank(self, out: list[int] | set[int]) -> tuple[int, int, int]:
        """Copies left out by priority (critical, normal, low): the objective's first keys."""
        lost = [0, 0, 0]
        for v in out:
            lost[int(self.cp.v_prio[v])] += int(self.cp.v_req[v])
        return lost[0], lost[1], lost[2]

    def run(self, c: int, elems: list[int], sched: Schedule | None) -> int:
        """Travel, continuity, lateness and paid waiting of carer ``c``'s timed run (in one
        compiled call, ``kernels.run_cost``): the legs from home through each visit and home
        again; each visit's continuity cost for this carer; the promised-time price of a visit,
        once (on its first copy); and, once the run has left home, each idle gap shorter than
        the unpaid one priced at ``wait_per_s``."""
        if sched is None:
            return 0
        _, _, _, duration, planned = sched.timed
        elements = np.array(elems, dtype=np.int64)
        return int(
            run_cost(
                elements,
                planned,
                duration,
                self._nodes,
                self._visits,
                self._travel[c],
                self._ends[c],
                c,
                self._wait,
            )
        )
