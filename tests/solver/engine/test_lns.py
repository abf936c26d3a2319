"""Tests for solver/engine/lns/: timing of tied runs, the pair moves, the objective, and the
search's stop rules, deadline and reproducibility.

The hand-checked tests use the tiny world of tests/solver/tiny.py: 10 minutes from home H to
anywhere, 5 minutes between A, B and C, shifts 07:00-14:00.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.analysis.check import check
from solver.engine.compiled import Compiled, compile_problem
from solver.engine.construct import Builder, Inserter, Nodes, Plan, construct
from solver.engine.deadline import Deadline
from solver.engine.lns import LNS_MIN_NODES, LNS_NOTE, MaxIterations, MaxRuntime, full_rules, improve_plan
from solver.engine.lns.cost import Objective, drop_weights
from solver.engine.lns.exchange import swap_at_pair
from solver.engine.lns.improve import OFFER_NEAR_S, offered_back
from solver.engine.lns.recreate import hand_over, insert_pair, retime_pair
from solver.engine.lns.ruin import Ruins, View
from solver.engine.lns.timing import propagate
from solver.engine.search import solve
from solver.generate.day import generate_day
from solver.model.clock import parse_time as t
from solver.model.problem import Problem
from tests.solver.tiny import MIN, A, B, C, carer, compiled, visit

THREE = [carer("c1"), carer("c2"), carer("c3")]


def chain(s1_window: tuple[str, str]) -> tuple[list[dict[str, object]], list[list[int]]]:
    """Runs c1 [s1, d1], c2 [d1, d2], c3 [d2]: two double-ups tie three runs in a chain."""
    visits = [
        visit("s1", C, *s1_window),
        visit("d1", A, "09:00", "12:00", carers_required=2),
        visit("d2", B, "09:00", "12:00", carers_required=2),
    ]
    # nodes: s1 -> 0, d1 -> 1 and 2, d2 -> 3 and 4
    return visits, [[0, 1], [2, 3], [4]]


def test_a_chain_of_three_runs_is_timed_through_both_double_ups() -> None:
    visits, runs = chain(("10:00", "10:30"))
    cp, nodes = compiled(THREE, visits)
    times = propagate(cp, nodes, runs)
    assert times is not None
    # s1 from 10:00 for 30 min, 5 min to A: d1 at 10:35 at the earliest, in c1 and so in c2;
    # c2 then drives 5 min to B after 30 min of d1: d2 at 11:10, and so c3's copy too
    assert times.earliest[1] == times.earliest[2] == t("10:35")
    assert times.earliest[3] == times.earliest[4] == t("11:10")
    # d2 by its window end 12:00; c2 must leave A by 11:25 to make it, so c1's copy as well;
    # s1 by its own window end 10:30 (11:25 - 5 min - 30 min = 10:50 is later)
    assert times.latest[3] == times.latest[4] == t("12:00")
    assert times.latest[1] == times.latest[2] == t("11:25")
    assert times.latest[0] == t("10:30")


def test_a_chain_whose_ends_contradict_is_not_timeable() -> None:
    visits, runs = chain(("11:00", "11:00"))  # d1 no earlier than 11:35, but no later than 11:25
    cp, nodes = compiled(THREE, visits)
    assert propagate(cp, nodes, runs) is None


def test_an_after_gap_moves_the_later_visit_and_bounds_the_earlier() -> None:
    visits = [
        visit("u", A, "09:00", "09:30"),
        visit("v", B, "08:00", "12:00", after=[{"visit_id": "u", "min_gap_min": 120, "max_gap_min": 150}]),
    ]
    cp, nodes = compiled(THREE[:2], visits)
    times = propagate(cp, nodes, [[0], [1]])
    assert times is not None
    assert times.earliest[1] == t("11:00")  # two hours after u's earliest 09:00
    assert times.latest[1] == t("12:00")  # u's latest 09:30 + 150 min = 12:00, the window's end too
    assert times.latest[0] == t("09:30")
    assert times.earliest[0] == t("09:00")
    # an earlier window for v than u + 2 h allows: no timing
    visits[1]["window"] = {"start": "08:00", "end": "10:30"}
    cp, nodes = compiled(THREE[:2], visits)
    assert propagate(cp, nodes, [[0], [1]]) is None


def test_a_double_up_may_start_at_any_common_time_not_only_the_earliest() -> None:
    # c1 is busy at A 09:00-09:30 and can be at B from 09:35; c2 from 09:00: common 09:35-11:30
    visits = [visit("s", A, "09:00", "09:00"), visit("d", B, "09:00", "11:30", carers_required=2)]
    cp, nodes = compiled(THREE[:2], visits)
    starts = set()
    for seed in range(40):
        plan = Plan(runs=[[0], []])
        ins = Inserter(Builder(cp, nodes), plan)
        assert insert_pair(ins, 1, np.random.default_rng(seed), blink=0.0)
        assert plan.fixed[1] == plan.fixed[2]
        starts.add(plan.fixed[1])
        assert {tuple(r) for r in plan.runs} == {(0, 1), (2,)} or {tuple(r) for r in plan.runs} == {
            (0, 2),
            (1,),
        }
    assert min(starts) == t("09:35")
    assert max(starts) > t("09:35") and max(starts) <= t("11:30")


def test_hand_over_gives_one_copy_to_another_carer_at_the_same_start() -> None:
    visits = [visit("d", B, "09:00", "11:30", carers_required=2)]
    cp, nodes = compiled(THREE, visits)
    plan = Plan(runs=[[0], [1], []], fixed={0: t("10:00"), 1: t("10:00")})
    ins = Inserter(Builder(cp, nodes), plan)
    view = View.of(plan, len(nodes))
    assert hand_over(ins, 0, keep_node=0, move_node=1, carer_of=view.carer_of)
    assert plan.runs == [[0], [], [1]]
    assert plan.schedules[2] is not None and plan.schedules[2].planned == [t("10:00")]
    assert plan.fixed == {0: t("10:00"), 1: t("10:00")}


def test_a_hand_over_with_no_free_carer_changes_nothing() -> None:
    visits = [visit("d", B, "10:00", "10:00", carers_required=2)]
    cp, nodes = compiled(THREE[:2], visits)  # only the two carers who have it
    plan = Plan(runs=[[0], [1]], fixed={0: t("10:00"), 1: t("10:00")})
    ins = Inserter(Builder(cp, nodes), plan)
    assert not hand_over(ins, 0, keep_node=0, move_node=1, carer_of=View.of(plan, len(nodes)).carer_of)
    assert plan.runs == [[0], [1]]


def swap_day(y_at: str = "11:00", **c1: Any) -> tuple[Compiled, Nodes, Inserter, View]:
    """c1 lives at A, c2 at C; both do double-up d at B 10:00, then c1 goes on to x at C 11:00
    and c2 to y at A: each drives 5 + 5 + 5 minutes, 30 in all (nodes: d -> 0 and 1, x 2, y 3)."""
    carers = [carer("c1", start=A, **c1), carer("c2", start=C)]
    visits = [
        visit("d", B, "10:00", "10:00", carers_required=2),
        visit("x", C, "11:00", "11:00"),
        visit("y", A, y_at, y_at),
    ]
    cp, nodes = compiled(carers, visits)
    plan = Plan(runs=[[0, 2], [1, 3]], fixed={0: t("10:00"), 1: t("10:00")})
    ins = Inserter(Builder(cp, nodes), plan)
    return cp, nodes, ins, View.of(plan, len(nodes))


def test_two_carers_trade_the_rest_of_their_runs_at_a_double_up_they_share() -> None:
    cp, nodes, ins, view = swap_day()
    obj = Objective(cp, nodes)
    before = sum(obj.run(c, ins.plan.runs[c], ins.plan.schedules[c]) for c in range(2))
    assert before == 30 * MIN
    assert swap_at_pair(ins, 0, view.carer_of, heads=False)
    # c1 now goes from B to y at A, its own home; c2 from B to x at C, its own: 10 minutes each
    assert ins.plan.runs == [[0, 3], [1, 2]]
    assert sum(obj.run(c, ins.plan.runs[c], ins.plan.schedules[c]) for c in range(2)) == 20 * MIN
    assert ins.plan.fixed == {0: t("10:00"), 1: t("10:00")}
    schedules = [s for s in ins.plan.schedules if s is not None]
    assert [s.planned for s in schedules] == [[t("10:00"), t("11:00")]] * 2


def test_trading_the_starts_of_two_runs_swaps_the_double_ups_copies_too() -> None:
    _, _, ins, view = swap_day()
    assert swap_at_pair(ins, 0, view.carer_of, heads=True)
    assert ins.plan.runs == [[1, 2], [0, 3]]  # the same trips as before, from the other homes


def test_no_trade_hands_a_carer_a_visit_they_may_not_make() -> None:
    cp, _, ins, view = swap_day()
    cp.eligible[2, 0] = False  # c1 may not go to y
    assert not swap_at_pair(ins, 0, view.carer_of, heads=False)
    assert ins.plan.runs == [[0, 2], [1, 3]]


def test_no_trade_leaves_a_carer_past_the_end_of_their_shift() -> None:
    # c1's shift ends at 12:00 (home from x at 11:35), and y at 12:00 would run past it
    _, _, ins, view = swap_day(y_at="12:00", shift={"start": "07:00", "end": "12:00"})
    assert not swap_at_pair(ins, 0, view.carer_of, heads=False)
    assert ins.plan.runs == [[0, 2], [1, 3]]


def test_retiming_a_double_up_moves_both_copies_within_what_both_runs_allow() -> None:
    # c1 does s at A 09:00-09:30 and reaches B at 09:35; c2 does u at C from 11:00, leaving B
    # by 10:55 at the latest (a 5-minute drive, 30-minute visit): the pair may start 09:35-10:25
    visits = [
        visit("s", A, "09:00", "09:00"),
        visit("d", B, "09:00", "11:30", carers_required=2),
        visit("u", C, "11:00", "11:00"),
    ]
    cp, nodes = compiled(THREE[:2], visits)
    starts = set()
    for seed in range(30):
        plan = Plan(runs=[[0, 1], [2, 3]], fixed={1: t("10:00"), 2: t("10:00")})
        ins = Inserter(Builder(cp, nodes), plan)
        view = View.of(plan, len(nodes))
        assert retime_pair(ins, 1, view.carer_of, np.random.default_rng(seed))
        start = plan.fixed[1]
        assert plan.fixed[2] == start
        assert plan.runs == [[0, 1], [2, 3]]  # the order stays: only the time moves
        sched0, sched1 = plan.schedules
        assert sched0 is not None and sched1 is not None
        assert sched0.planned[1] == sched1.planned[0] == start
        starts.add(start)
    lo, hi = min(starts), max(starts)
    assert t("09:35") <= lo < t("09:45") and t("10:15") < hi <= t("10:25")


def test_the_view_brought_up_to_date_run_by_run_matches_a_fresh_one() -> None:
    visits = [visit(name, place, "09:00", "12:00") for name, place in (("a", A), ("b", B), ("c", C))]
    cp, nodes = compiled(THREE, visits)
    plan = Plan(runs=[[0, 1], [2], []])
    ins = Inserter(Builder(cp, nodes), plan)
    view = View.of(plan, len(nodes))
    assert ins.remove(0, 1)
    done = ins.try_insert(2, 0, 1, plan.fixed)
    assert done is not None
    ins.commit(2, *done)
    view.update(plan, [0, 2])
    fresh = View.of(plan, len(nodes))
    assert view.runs == fresh.runs and view.start == fresh.start
    assert (view.carer_of == fresh.carer_of).all()


def test_only_visits_out_near_the_ruin_in_time_are_offered_back() -> None:
    """c1 serves a visit at 09:00 and one at 12:00; two visits are out, from 10:00 and from
    13:00. Taking out the 09:00 visit frees room within the hour of 10:00 only, the 12:00 one
    within the hour of 13:00 only."""
    visits = [
        visit("nine", A, "09:00", "09:00"),
        visit("noon", B, "12:00", "12:00"),
        visit("ten", C, "10:00", "10:15"),
        visit("one", C, "13:00", "13:15"),
    ]
    cp, nodes = compiled(THREE[:1], visits)
    plan = Plan(runs=[[0, 1]])
    ins = Inserter(Builder(cp, nodes), plan)
    view = View.of(plan, len(nodes))
    rng = np.random.default_rng(0)
    assert OFFER_NEAR_S == 3600
    assert offered_back(ins, view, [0], [2, 3], rng) == [2]
    assert sorted(offered_back(ins, view, [0, 1], [2, 3], rng)) == [2, 3]
    assert offered_back(ins, view, [1], [2, 3], rng) == [3]
    assert offered_back(ins, view, [0], [], rng) == []


def test_waiting_costs_nothing_by_default_and_its_price_and_unpaid_gaps_when_set() -> None:
    # c1: A at 09:00, B at 10:30: arrives 09:35, waits 55 min
    visits = [visit("a", A, "09:00", "09:00"), visit("b", B, "10:30", "10:30")]
    cp, nodes = compiled(THREE[:1], visits)
    sched = Builder(cp, nodes).schedule(0, [0, 1], {})
    travel = 600 + 300 + 600
    assert Objective(cp, nodes).run(0, [0, 1], sched) == travel
    cp.wait_cost_per_min = 2.0  # a minute waiting costs two minutes of travel
    assert Objective(cp, nodes).run(0, [0, 1], sched) == travel + 2 * 55 * 60
    cp.unpaid_gap_min = 55  # a gap this long is unpaid: it costs nothing
    assert Objective(cp, nodes).run(0, [0, 1], sched) == travel
    cp.unpaid_gap_min = 56
    assert Objective(cp, nodes).run(0, [0, 1], sched) == travel + 6600


def test_dropping_is_priced_by_priority_above_any_travel() -> None:
    visits = [
        visit("low", A, priority="low"),
        visit("normal", B),
        visit("critical", C, priority="critical", carers_required=2),
    ]
    cp, _ = compiled(THREE, visits)
    low, normal, critical = drop_weights(cp)
    # a low visit beats any detour (at most four 10-minute legs), a normal one every low one,
    # the critical double-up every other visit
    assert low > 4 * 600 and normal > low and critical > normal + low


def day(seed: int, visits: int = 40) -> tuple[Problem, Compiled, Nodes]:
    problem = generate_day("Westbury", visits=visits, seed=seed)
    cp = compile_problem(problem)
    return problem, cp, Nodes.of(cp)


def test_same_seed_and_iteration_limit_give_the_same_plan() -> None:
    plans = []
    for _ in range(2):
        _, cp, nodes = day(3)
        plan, out = construct(cp, nodes, seed=0, budget_s=float("inf"), attempts=2)
        res = improve_plan(cp, nodes, plan, out, 5, Deadline.after(60), MaxIterations(60))
        assert res.iterations == 60
        plans.append((plan.runs, plan.fixed, res.out))
    assert plans[0] == plans[1]


def test_the_stop_hook_and_the_deadline_end_the_search() -> None:
    _, cp, nodes = day(4)
    plan, out = construct(cp, nodes, seed=0, budget_s=float("inf"), attempts=1)
    calls = [0]

    def stop() -> bool:
        calls[0] += 1
        return calls[0] > 5

    res = improve_plan(cp, nodes, plan, out, 0, Deadline.after(60, stop=stop))
    assert res.iterations <= 5
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # every look at the clock is a second later
        return now[0]

    until = Deadline.after(20, clock=clock)
    res = improve_plan(cp, nodes, plan, out, 0, until, MaxRuntime(until))
    assert 0 < res.iterations < 20


def test_the_search_never_returns_a_worse_plan_than_it_was_given() -> None:
    _, cp, nodes = day(5, visits=60)
    plan, out = construct(cp, nodes, seed=0, budget_s=float("inf"), attempts=1)
    obj = Objective(cp, nodes)
    before = sum(obj.run(c, plan.runs[c], plan.schedules[c]) for c in range(cp.n_carers)) + obj.lost(out)
    res = improve_plan(cp, nodes, plan, out, 1, Deadline.after(60), MaxIterations(80))
    after = sum(obj.run(c, plan.runs[c], plan.schedules[c]) for c in range(cp.n_carers)) + obj.lost(res.out)
    assert after == res.cost <= before
    assert propagate(cp, nodes, plan.runs) is not None


@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_generated_days_come_back_clean_through_the_engine(seed: int) -> None:
    problem = generate_day("Westbury", visits=45, seed=seed)
    cp = compile_problem(problem)
    assert full_rules(cp)
    solution = solve(problem, time_limit_s=20, seed=seed, solution_limit=1)
    assert LNS_NOTE in solution.solver.notes
    assert check(problem, solution) == []
    served = {v for run in solution.runs for v in (s.visit_id for s in run.stops)}
    assert served | {u.visit_id for u in solution.unassigned} == {v.id for v in problem.visits}


def test_ruins_take_out_whole_double_ups() -> None:
    _, cp, nodes = day(6)
    plan, _ = construct(cp, nodes, seed=0, budget_s=float("inf"), attempts=1)
    ruins = Ruins(cp, nodes, np.ones(cp.n_visits, dtype=bool))
    view = View.of(plan, len(nodes))
    rng = np.random.default_rng(0)
    served = ruins.served(view)
    for op in ruins.ops:
        for _ in range(5):
            out = op(view, rng, int(served[rng.integers(len(served))]), 6)
            assert out and len(set(out)) == len(out)
            assert all(view.carer_of[n] >= 0 for v in out for n in nodes.of_visit[v])


def test_a_day_without_breaks_is_searched_by_both_and_comes_back_clean() -> None:
    problem = generate_day("Westbury", visits=45, seed=11)
    data = problem.model_dump(mode="json", exclude_none=True)
    for c in data["carers"]:
        c["breaks"] = []
    no_breaks = Problem.model_validate(data)
    cp = compile_problem(no_breaks)
    assert full_rules(cp) and not any(cp.c_breaks) and len(Nodes.of(cp)) >= LNS_MIN_NODES
    solution = solve(no_breaks, time_limit_s=20, seed=0, solution_limit=2)
    assert LNS_NOTE in solution.solver.notes
    assert check(no_breaks, solution) == []


def test_before_the_own_search_the_construction_gets_a_small_share_of_the_time(monkeypatch: Any) -> None:
    import solver.engine.search as search

    budgets: list[float] = []
    real = search.construct

    def recorded(*args: Any, **kw: Any) -> Any:
        budgets.append(kw["budget_s"])
        return real(*args, **kw)

    monkeypatch.setattr(search, "construct", recorded)
    problem, cp, _ = day(5, visits=60)
    assert full_rules(cp)
    solve(problem, time_limit_s=20, seed=0, stop=lambda: len(budgets) > 0)  # ends once it has begun
    assert budgets == [min(search.LNS_CONSTRUCTION_SHARE * 20, search.LNS_CONSTRUCTION_S)]
    assert budgets[0] < 0.1 * 20  # the share a day for OR-Tools alone gets


def test_a_double_up_tied_by_an_after_gap_is_not_retimed() -> None:
    gap = [{"visit_id": "s", "min_gap_min": 60, "max_gap_min": 60}]
    visits = [visit("s", A, "09:00", "09:00"), visit("d", B, "09:00", "11:30", carers_required=2, after=gap)]
    cp, nodes = compiled(THREE, visits)
    plan = Plan(runs=[[0, 1], [2], []], fixed={0: t("09:00"), 1: t("10:00"), 2: t("10:00")})
    ins = Inserter(Builder(cp, nodes), plan)
    assert not retime_pair(ins, 1, View.of(plan, len(nodes)).carer_of, np.random.default_rng(0))
    assert plan.fixed[1] == plan.fixed[2] == t("10:00")
