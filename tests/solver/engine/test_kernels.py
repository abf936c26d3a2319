"""The compiled timing, gap evaluation, regrets and run price (``solver/engine/kernels.py``).

The engine's timing of one run is checked here against the plain-Python passes of the tied-run
timing (``solver/engine/lns/timing.py``), written separately, on runs drawn at random from
generated days: most of them break a window, some keep every rule.
"""

from __future__ import annotations

import numpy as np
import pytest

from solver.engine import kernels
from solver.engine.compiled import Compiled, compile_problem
from solver.engine.construct import Builder, Inserter, Nodes, Schedule, construct
from solver.engine.deadline import Deadline
from solver.engine.lns import MaxIterations, improve_plan
from solver.engine.lns.cost import Objective
from solver.engine.lns.timing import shape
from solver.generate.day import generate_day


@pytest.mark.parametrize("seed", [3, 11])
def test_the_compiled_timing_agrees_with_the_tied_run_passes(seed: int) -> None:
    cp = compile_problem(generate_day("Westbury", visits=45, seed=seed))
    nodes = Nodes.of(cp)
    builder = Builder(cp, nodes)
    rng = np.random.default_rng(seed)
    timed = untimeable = 0
    for _ in range(400):
        c = int(rng.integers(cp.n_carers))
        drawn = rng.choice(len(nodes), size=int(rng.integers(1, 7)), replace=False).tolist()
        jitter = {e: int(rng.integers(0, 3600)) for e in drawn}
        picked = sorted(drawn, key=lambda e: int(cp.v_ws[nodes.visit[e]]) + jitter[e])
        breaks = [-(k + 1) for k in range(len(cp.c_breaks[c]))]
        elems = [*breaks[:1], *picked, *breaks[1:]]
        run = shape(cp, nodes, c, elems)
        earliest = run.forward(run.lo)
        keeps_windows = all(e <= h for e, h in zip(earliest, run.hi, strict=True))
        sched = builder.schedule(c, elems, {})
        if sched is None:
            untimeable += 1
            continue  # also the caps on visits, load and working time, which the passes leave out
        timed += 1
        assert keeps_windows and run.home_at(earliest) <= run.shift_e
        assert sched.earliest == earliest
        assert sched.latest == run.backward(run.hi)
        assert all(e <= p <= h for e, p, h in zip(sched.earliest, sched.planned, sched.latest, strict=True))
    assert timed >= 20 and untimeable >= 20  # both sides of the rule were exercised


def test_a_run_that_breaks_a_window_is_never_timed() -> None:
    cp = compile_problem(generate_day("Westbury", visits=45, seed=5))
    nodes = Nodes.of(cp)
    builder = Builder(cp, nodes)
    latest_first = sorted(range(len(nodes)), key=lambda e: -int(cp.v_ws[nodes.visit[e]]))[:4]
    assert builder.schedule(0, latest_first, {}) is None  # latest windows first: back in time


def test_each_kernel_is_compiled_once_for_the_engines_argument_types() -> None:
    """A kernel called with other argument types (a layout, a width) compiles again, taking a
    second of some solve's time limit: the module compiles them for the engine's types on import."""
    cp = compile_problem(generate_day("Westbury", visits=45, seed=7))
    nodes = Nodes.of(cp)
    plan, out = construct(cp, nodes, seed=0, budget_s=float("inf"), attempts=1)
    improve_plan(cp, nodes, plan, out, 0, Deadline.after(60), MaxIterations(50))
    ins = Inserter(Builder(cp, nodes), plan)
    ins.candidates(0, pinned_only=False)
    ins.regrets(list(range(cp.n_visits)), 3)
    Objective(cp, nodes).run(0, plan.runs[0], plan.schedules[0])
    compiled = (kernels.time_run, kernels.gap_rows, kernels.gap_candidates, kernels.regrets, kernels.run_cost)
    for kernel in compiled:
        assert len(kernel.signatures) == 1, kernel


@pytest.mark.parametrize("k", [2, 3])
def test_the_compiled_regrets_agree_with_the_gaps_evaluated_one_visit_at_a_time(k: int) -> None:
    """Regret-k from ``gap_candidates`` per visit, worked out in plain numpy: per carer the
    cheapest gap, sorted, and the sum of the next k - 1 against the cheapest (single visit) or
    the second cheapest (double-up, two carers at once)."""
    cp = compile_problem(generate_day("Westbury", visits=60, seed=4))
    nodes = Nodes.of(cp)
    plan, _ = construct(cp, nodes, seed=0, budget_s=float("inf"), attempts=1)
    singles = np.flatnonzero(cp.v_req == 1)[:6]
    cp.pinned[singles] = cp.eligible[singles].argmax(axis=1)  # pinned to a carer: only theirs counts
    ins = Inserter(Builder(cp, nodes), plan)
    visits = list(range(cp.n_visits))
    expected = []
    for v in visits:
        cand = ins.candidates(v, pinned_only=int(cp.v_req[v]) == 1)
        best = np.full(cp.n_carers, kernels.REGRET_NONE, dtype=np.int64)
        np.minimum.at(best, cand["carer"], cand["cost"])
        ranked, base = np.sort(best), int(cp.v_req[v]) - 1
        rest = range(base + 1, min(base + k, cp.n_carers))
        expected.append(int(sum(ranked[j] - ranked[base] for j in rest)))
    assert ins.regrets(visits, k).tolist() == expected
    assert ins.regrets([], k).tolist() == []  # a ruin may take out nothing to place again
    assert any(0 < r < kernels.REGRET_NONE for r in expected)  # some visits have choices to lose
    assert (cp.v_req == 2).any()  # double-ups were among them


def _priced_in_python(cp: Compiled, nodes: Nodes, c: int, elems: list[int], sched: Schedule) -> int:
    """The search's price of a run, element by element in plain Python (``Objective.run``)."""
    if not any(e >= 0 for e in elems):
        return 0
    travel, r = cp.dur_by_mode[int(cp.c_mode[c])], cp.r
    unpaid = cp.unpaid_gap_min * 60
    at, total, soft, free = int(cp.c_start[c]), 0, 0.0, -1
    for k, e in enumerate(elems):
        if e < 0:
            free = sched.planned[k] + sched.duration[k] if free >= 0 else free
            continue
        v = int(nodes.visit[e])
        p, start = int(cp.v_place[v]), sched.planned[k]
        leg = int(travel[at, p])
        total += leg
        soft += float(r.cont_cost[v, c])
        if nodes.of_visit[v][0] == e:
            soft += r.late_cost(v, start)
        if free >= 0 and 0 < start - free - leg < unpaid:
            soft += (start - free - leg) * cp.wait_cost_per_min
        at, free = p, start + int(cp.v_dur[v])
    return total + int(travel[at, int(cp.c_end[c])]) + round(soft)


@pytest.mark.parametrize("seed", [2, 9])
def test_the_compiled_price_of_a_run_agrees_with_pricing_it_stop_by_stop(seed: int) -> None:
    cp = compile_problem(generate_day("Westbury", visits=60, seed=seed))
    rng = np.random.default_rng(seed)
    cp.r.cont_cost[:] = rng.integers(0, 2, cp.r.cont_cost.shape) * rng.integers(60, 900, cp.r.cont_cost.shape)
    cp.wait_cost_per_min, cp.unpaid_gap_min = 1.5, 45  # waiting paid, gaps of 45 minutes or more not
    nodes = Nodes.of(cp)
    obj = Objective(cp, nodes)
    priced = 0
    for s in range(3):
        plan, _ = construct(cp, nodes, seed=s, budget_s=float("inf"), attempts=1)
        for c, (elems, sched) in enumerate(zip(plan.runs, plan.schedules, strict=True)):
            assert sched is not None
            assert obj.run(c, elems, sched) == _priced_in_python(cp, nodes, c, elems, sched)
            priced += len(elems) > 1
    assert priced >= 10
    assert (cp.r.prom_hi >= 0).any() and (cp.r.cont_cost > 0).any()  # both soft prices were exercised
