"""Tests for solver/engine/construct.py: exact run timing and pair-aware cheapest insertion.

Travel is the explicit matrix of test_engine.py: home H and places A, B, C, 10 minutes from H
to anywhere and 5 minutes between A, B and C, so every figure can be added up by hand.
"""

from __future__ import annotations

from typing import Any

from solver.engine.compiled import Compiled
from solver.engine.construct import (
    Builder,
    Inserter,
    Nodes,
    Plan,
    construct,
    empty_plan,
    insertion_order,
    plan_from_runs,
    repair,
)
from solver.engine.deadline import Deadline
from solver.model.clock import parse_time
from tests.solver.tiny import A, B, C, brk, carer, compiled, visit

INF = float("inf")


def t(text: str) -> int:
    return parse_time(text)


def builder(carers: list[dict[str, Any]], visits: list[dict[str, Any]]) -> Builder:
    return Builder(*compiled(carers, visits))


# Two visits 5 minutes apart: v0 at A may start 09:00-09:30, v1 at B 09:00-10:00.
TWO = [visit("v0", A, "09:00", "09:30"), visit("v1", B, "09:00", "10:00")]


def visits_of_run(plan: Plan, c: int, nodes: Nodes) -> list[int]:
    return [int(nodes.visit[e]) for e in plan.visit_nodes(c)]


def assert_plan_is_timed(cp: Compiled, nodes: Nodes, plan: Plan) -> None:
    """Every run schedules as it stands, and its stored schedule is that timing."""
    b = Builder(cp, nodes)
    for c, elems in enumerate(plan.runs):
        sched = b.schedule(c, elems, plan.fixed)
        assert sched is not None, f"run of carer {c} does not schedule: {elems}"
        assert plan.schedules[c] == sched


# --------------------------------------------------------------------------- Nodes


def test_a_double_up_has_two_nodes() -> None:
    _, nodes = compiled(
        [carer("c1")], [visit("s", A, "09:00", "10:00"), visit("d", B, "09:00", "10:00", carers_required=2)]
    )
    assert len(nodes) == 3
    assert nodes.visit.tolist() == [0, 1, 1]
    assert nodes.of_visit == [[0], [1, 2]]


# --------------------------------------------------------------------------- Builder.schedule


def test_schedule_earliest_latest_and_planned_starts() -> None:
    s = builder([carer("c1")], TWO).schedule(0, [0, 1], {})
    assert s is not None
    assert s.place == [1, 2]
    assert s.duration == [1800, 1800]
    # earliest: A at 09:00 (window start), B at 09:30 + 5 min drive
    assert s.earliest == [t("09:00"), t("09:35")]
    # latest: B by its window end 10:00; A early enough to reach B: 10:00 - 5 min - 30 min
    assert s.latest == [t("09:25"), t("10:00")]
    # planned: leave home as late as possible (09:15), then as early as possible
    assert s.planned == [t("09:25"), t("10:00")]


def test_schedule_rejects_a_missed_window() -> None:
    # B first (09:00-09:30), then A at 09:35: past A's window end 09:30
    assert builder([carer("c1")], TWO).schedule(0, [1, 0], {}) is None


def test_schedule_rejects_passing_the_shift_end() -> None:
    one = [visit("v0", A, "09:00", "09:00")]
    # 09:00-09:30 at A, home at 09:40
    assert builder([carer("c1", shift={"start": "07:00", "end": "09:40"})], one).schedule(0, [0], {})
    assert builder([carer("c1", shift={"start": "07:00", "end": "09:39"})], one).schedule(0, [0], {}) is None


def test_schedule_rejects_starting_before_the_shift_allows() -> None:
    one = [visit("v0", A, "07:00", "07:09")]  # 10 min from home, shift starts 07:00
    assert builder([carer("c1")], one).schedule(0, [0], {}) is None
    one = [visit("v0", A, "07:00", "07:10")]
    s = builder([carer("c1")], one).schedule(0, [0], {})
    assert s is not None and s.earliest == [t("07:10")]


def test_schedule_counts_max_visits() -> None:
    b = builder([carer("c1", max_visits=1)], TWO)
    assert b.schedule(0, [0], {}) is not None
    assert b.schedule(0, [0, 1], {}) is None


def test_schedule_counts_capacity() -> None:
    demanding = [{**v, "demand": 2} for v in TWO]
    b = builder([carer("c1", capacity=3)], demanding)
    assert b.schedule(0, [1], {}) is not None
    assert b.schedule(0, [0, 1], {}) is None
    assert builder([carer("c1", capacity=4)], demanding).schedule(0, [0, 1], {}) is not None


def test_schedule_max_working_uses_the_shortest_span() -> None:
    # Leaving at 09:15 for A at 09:25 and B at 10:00, home 10:40: 85 min. Leaving at shift
    # start (07:00) would make it 3 h 40 min.
    assert builder([carer("c1", max_working_min=85)], TWO).schedule(0, [0, 1], {}) is not None
    assert builder([carer("c1", max_working_min=84)], TWO).schedule(0, [0, 1], {}) is None


def test_schedule_fixed_start_pins_the_element() -> None:
    s = builder([carer("c1")], TWO).schedule(0, [0, 1], {0: t("09:20")})
    assert s is not None
    assert s.earliest[0] == s.latest[0] == s.planned[0] == t("09:20")
    assert s.earliest[1] == t("09:55")
    # a fixed start the carer cannot reach is rejected
    b = builder([carer("c1", shift={"start": "09:00", "end": "14:00"})], TWO)
    assert b.schedule(0, [0], {0: t("09:05")}) is None


def test_schedule_of_an_empty_run() -> None:
    s = builder([carer("c1")], TWO).schedule(0, [], {})
    assert s is not None
    assert (s.earliest, s.latest, s.planned, s.place) == ([], [], [], [])


def test_schedule_break_between_visits_is_taken_where_the_carer_is() -> None:
    b = builder([carer("c1", breaks=[brk("09:30", "10:00", 15)])], TWO)
    s = b.schedule(0, [0, -1, 1], {})
    assert s is not None
    assert s.place == [1, 1, 2]  # the break is taken at A
    assert s.earliest == [t("09:00"), t("09:30"), t("09:50")]
    assert s.latest == [t("09:10"), t("09:40"), t("10:00")]
    assert s.planned == [t("09:10"), t("09:40"), t("10:00")]


def test_schedule_max_working_subtracts_a_break_inside_the_run() -> None:
    # leave 09:00, A 09:10-09:40, break 09:40-09:55, B 10:00-10:30, home 10:40: 100 - 15 = 85 min
    breaks = [brk("09:30", "10:00", 15)]
    assert builder([carer("c1", breaks=breaks, max_working_min=85)], TWO).schedule(0, [0, -1, 1], {})
    b = builder([carer("c1", breaks=breaks, max_working_min=84)], TWO)
    assert b.schedule(0, [0, -1, 1], {}) is None


def test_schedule_break_after_the_last_visit_is_off_the_run() -> None:
    # A at 09:00 is 50 min of work (08:50-09:40); the lunch break at 12:00 is taken at home
    one = [visit("v0", A, "09:00", "09:00")]
    s = builder([carer("c1", breaks=[brk("12:00", "13:00", 30)], max_working_min=50)], one).schedule(
        0, [0, -1], {}
    )
    assert s is not None
    assert s.planned == [t("09:00"), t("12:00")]


def test_schedule_break_before_the_first_visit_is_off_the_run() -> None:
    one = [visit("v0", A, "09:00", "09:00")]
    s = builder([carer("c1", breaks=[brk("07:30", "08:00", 30)], max_working_min=50)], one).schedule(
        0, [-1, 0], {}
    )
    assert s is not None
    assert s.planned[1] == t("09:00")


# --------------------------------------------------------------------------- insertion


def test_insert_single_takes_the_cheapest_slot() -> None:
    cp, nodes = compiled(
        [carer("c1"), carer("c2", start=C)], [visit("v0", B, "09:00", "10:00")]
    )  # c2 lives 5 min away, c1 10 min
    plan = empty_plan(cp)
    assert Inserter(Builder(cp, nodes), plan).insert_single(0)
    assert plan.runs == [[], [0]]
    assert_plan_is_timed(cp, nodes, plan)


def test_insert_single_sends_a_pinned_visit_to_its_carer() -> None:
    cp, nodes = compiled(
        [carer("c1"), carer("c2", start=C)], [visit("v0", B, "09:00", "10:00", pinned_carer="c1")]
    )
    plan = empty_plan(cp)
    assert Inserter(Builder(cp, nodes), plan).insert_single(0)
    assert plan.runs == [[0], []]


def test_insert_single_fails_when_no_run_has_room() -> None:
    cp, nodes = compiled(
        [carer("c1")], [visit("v0", A, "09:00", "09:00", 60), visit("v1", B, "09:30", "09:30")]
    )
    plan = empty_plan(cp)
    ins = Inserter(Builder(cp, nodes), plan)
    assert ins.insert_single(0)
    assert not ins.insert_single(1)
    assert plan.runs == [[0]]


# A single visit at A at 09:00 sharp, and a double-up at A that may start 09:00-10:00.
PAIR_DAY = [visit("s", A, "09:00", "09:00"), visit("d", A, "09:00", "10:00", carers_required=2)]


def test_insert_pair_puts_both_copies_in_two_runs_at_one_fixed_start() -> None:
    cp, nodes = compiled([carer("c1"), carer("c2")], PAIR_DAY)
    plan = Plan(runs=[[0], []])  # c1 already does s at 09:00-09:30
    ins = Inserter(Builder(cp, nodes), plan)
    assert ins.insert_pair(1)
    d0, d1 = nodes.of_visit[1]
    assert visits_of_run(plan, 0, nodes) == [0, 1]  # after s
    assert visits_of_run(plan, 1, nodes) == [1]
    assert {e for run in plan.runs for e in run} == {0, d0, d1}
    # c1 is free at 09:30, so both start then
    assert plan.fixed == {d0: t("09:30"), d1: t("09:30")}
    for c in (0, 1):
        sched = plan.schedules[c]
        assert sched is not None
        k = next(i for i, e in enumerate(plan.runs[c]) if e in (d0, d1))
        assert sched.earliest[k] == sched.latest[k] == sched.planned[k] == t("09:30")
    assert_plan_is_timed(cp, nodes, plan)


def test_insert_pair_fails_with_one_carer() -> None:
    cp, nodes = compiled([carer("c1")], [PAIR_DAY[1]])
    plan = empty_plan(cp)
    assert not Inserter(Builder(cp, nodes), plan).insert_pair(0)
    assert plan.runs == [[]]
    assert plan.fixed == {}


def test_insert_pair_fails_when_only_one_carer_is_allowed() -> None:
    cp, nodes = compiled([carer("c1"), carer("c2")], [{**PAIR_DAY[1], "excluded_carers": ["c2"]}])
    plan = empty_plan(cp)
    assert not Inserter(Builder(cp, nodes), plan).insert(0)
    assert plan.runs == [[], []]


def test_insert_pair_gives_the_first_copy_to_the_pinned_carer() -> None:
    d = {**PAIR_DAY[1], "pinned_carer": "c3"}
    cp, nodes = compiled([carer("c1"), carer("c2"), carer("c3")], [d])
    plan = empty_plan(cp)
    assert Inserter(Builder(cp, nodes), plan).insert(0)
    first, _ = nodes.of_visit[0]
    assert first in plan.runs[2]
    assert sum(len(r) for r in plan.runs) == 2


def test_insert_with_ejection_moves_a_single_to_make_room_for_a_double_up() -> None:
    # Only c1 and c2 hold 'hoist'; c1 is at B at 09:00 for s, which c3 could do as well.
    carers = [carer("c1", skills=["hoist"]), carer("c2", skills=["hoist"]), carer("c3")]
    visits = [
        visit("s", B, "09:00", "09:00"),
        visit("d", A, "09:00", "09:00", carers_required=2, skills=["hoist"]),
    ]
    cp, nodes = compiled(carers, visits)
    plan = Plan(runs=[[0], [], []])
    ins = Inserter(Builder(cp, nodes), plan)
    assert not ins.insert(1)  # plain insertion: c1 is busy at 09:00
    assert plan.runs == [[0], [], []]
    assert ins.insert_with_ejection(1, deadline=INF)
    assert visits_of_run(plan, 0, nodes) == [1]
    assert visits_of_run(plan, 1, nodes) == [1]
    assert visits_of_run(plan, 2, nodes) == [0]  # s moved to c3
    d0, d1 = nodes.of_visit[1]
    assert plan.fixed == {d0: t("09:00"), d1: t("09:00")}
    assert_plan_is_timed(cp, nodes, plan)


def test_insert_with_ejection_restores_the_plan_when_nothing_helps() -> None:
    # s is pinned to c1, so it cannot be moved away
    carers = [carer("c1", skills=["hoist"]), carer("c2", skills=["hoist"]), carer("c3")]
    visits = [
        visit("s", B, "09:00", "09:00", pinned_carer="c1"),
        visit("d", A, "09:00", "09:00", carers_required=2, skills=["hoist"]),
    ]
    cp, nodes = compiled(carers, visits)
    plan = Plan(runs=[[0], [], []])
    ins = Inserter(Builder(cp, nodes), plan)
    assert not ins.insert_with_ejection(1, deadline=INF)
    assert plan.runs == [[0], [], []]
    assert plan.fixed == {}
    assert_plan_is_timed(cp, nodes, plan)


# --------------------------------------------------------------------------- ordering

# Eight carers; only c0 holds 'rare'. x needs it (low priority, one allowed carer), y is
# critical (eight allowed), z is a normal double-up (eight allowed, two needed).
EIGHT = [carer("c0", skills=["rare"]), *(carer(f"c{i}") for i in range(1, 8))]
XYZ = [
    visit("x", A, "08:00", "09:00", skills=["rare"], priority="low"),
    visit("y", B, "12:00", "13:00", priority="critical"),
    visit("z", C, "09:00", "10:00", carers_required=2),
]


def test_priority_ordering_puts_critical_first() -> None:
    cp, _ = compiled(EIGHT, XYZ)
    assert insertion_order(cp, [0, 1, 2], seed=0, ordering="priority") == [1, 2, 0]


def test_scarcity_ordering_puts_scarce_visits_first() -> None:
    cp, _ = compiled(EIGHT, XYZ)
    assert insertion_order(cp, [0, 1, 2], seed=0, ordering="scarcity") == [0, 2, 1]


def test_time_ordering_is_critical_then_window_start() -> None:
    cp, _ = compiled(EIGHT, XYZ)
    assert insertion_order(cp, [0, 1, 2], seed=0, ordering="time") == [1, 0, 2]


def test_priority_ordering_puts_double_ups_first_within_a_priority() -> None:
    cp, _ = compiled(
        EIGHT, [visit("s", A, "09:00", "10:00"), visit("d", B, "09:00", "10:00", carers_required=2)]
    )
    assert insertion_order(cp, [0, 1], seed=0) == [1, 0]


def test_same_seed_same_order_and_seeds_break_ties() -> None:
    cp, _ = compiled([carer("c1")], [visit(f"v{i}", A, "09:00", "10:00") for i in range(10)])
    visits = list(range(10))
    orders = {tuple(insertion_order(cp, visits, seed=s)) for s in range(5)}
    assert insertion_order(cp, visits, seed=3) == insertion_order(cp, visits, seed=3)
    assert all(sorted(o) == visits for o in orders)
    assert len(orders) > 1


# --------------------------------------------------------------------------- construct / repair

DAY_CARERS = [
    carer("c1", breaks=[brk("11:00", "13:00", 30)]),
    carer("c2", start=C, skills=["hoist"]),
]
DAY_VISITS = [
    visit("v0", A, "08:00", "09:00"),
    visit("v1", B, "08:00", "09:00"),
    visit("v2", C, "09:00", "10:00", 45, carers_required=2),
    visit("v3", A, "10:00", "12:00", skills=["hoist"]),
    visit("early", B, "05:00", "06:00"),  # before every shift
    visit("v5", C, "12:00", "13:30", 60, priority="critical"),
]


def test_construct_returns_a_timed_plan_and_lists_what_it_left_out() -> None:
    cp, nodes = compiled(DAY_CARERS, DAY_VISITS)
    plan, unplaced = construct(cp, nodes, seed=0, budget_s=INF, attempts=4)
    assert unplaced == [4]
    assert_plan_is_timed(cp, nodes, plan)
    placed = [e for run in plan.runs for e in run if e >= 0]
    assert sorted(placed) == [n for v in range(cp.n_visits) if v not in unplaced for n in nodes.of_visit[v]]
    # the double-up: two runs, one fixed start, inside its window, planned at that start
    d0, d1 = nodes.of_visit[2]
    (c_a,) = [c for c, r in enumerate(plan.runs) if d0 in r]
    (c_b,) = [c for c, r in enumerate(plan.runs) if d1 in r]
    assert c_a != c_b
    assert plan.fixed[d0] == plan.fixed[d1]
    assert t("09:00") <= plan.fixed[d0] <= t("10:00")
    for c, node in ((c_a, d0), (c_b, d1)):
        sched = plan.schedules[c]
        assert sched is not None
        assert sched.planned[plan.runs[c].index(node)] == plan.fixed[node]
    # the hoist visit went to c2; c1 keeps its break element
    assert 3 in visits_of_run(plan, 1, nodes)
    assert -1 in plan.runs[0]
    # every planned visit start lies in its window
    for c, run in enumerate(plan.runs):
        sched = plan.schedules[c]
        assert sched is not None
        for k, e in enumerate(run):
            if e >= 0:
                v = int(nodes.visit[e])
                assert cp.v_ws[v] <= sched.planned[k] <= cp.v_we[v]


def test_construct_is_reproducible_for_a_seed() -> None:
    cp, nodes = compiled(DAY_CARERS, DAY_VISITS)
    first = construct(cp, nodes, seed=7, budget_s=INF, attempts=4)
    second = construct(cp, nodes, seed=7, budget_s=INF, attempts=4)
    assert first[0].runs == second[0].runs
    assert first[0].fixed == second[0].fixed
    assert first[1] == second[1]


def test_construct_with_nothing_to_do() -> None:
    cp, nodes = compiled(DAY_CARERS, [])
    plan, unplaced = construct(cp, nodes)
    assert unplaced == []
    assert plan.runs == [[-1], []]


def test_repair_inserts_missing_visits_into_a_feasible_plan() -> None:
    cp, nodes = compiled(DAY_CARERS, DAY_VISITS)
    plan = empty_plan(cp)
    left = repair(cp, nodes, plan, [0, 2, 4], seed=0, deadline=INF)
    assert left == [4]
    assert sorted(v for c in range(2) for v in visits_of_run(plan, c, nodes)) == [0, 2, 2]


def test_repair_gives_up_once_more_visits_are_out_than_the_caller_allows(monkeypatch: Any) -> None:
    """Eight one-hour visits due at 09:00 in three places, one carer: one fits. Asked to give up
    after two are out, the repair tries four (one fits) and counts the four it did not try as out, the
    same seven the full repair leaves."""
    visits = [visit(f"v{i}", [A, B, C][i % 3], "09:00", "09:00", 60) for i in range(8)]
    cp, nodes = compiled([carer("c1")], visits)
    full = repair(cp, nodes, empty_plan(cp), list(range(8)), seed=0, deadline=INF)
    tries: list[int] = []
    original = Inserter.insert_with_ejection

    def counted(self: Inserter, v: int, until: Any) -> bool:
        tries.append(v)
        return original(self, v, until)

    monkeypatch.setattr(Inserter, "insert_with_ejection", counted)
    short = repair(cp, nodes, empty_plan(cp), list(range(8)), seed=0, deadline=INF, give_up_after=2)
    assert len(full) == 7 and sorted(short) == sorted(full)
    assert len(tries) == 4  # the one that fits, then three that do not


# --------------------------------------------------------------------------- plan_from_runs


def test_plan_from_runs_fixes_double_ups_and_slots_breaks_in() -> None:
    carers = [carer("c1", breaks=[brk("10:00", "11:00", 30)]), carer("c2")]
    visits = [visit("s", A, "09:00", "09:30"), visit("d", B, "11:00", "13:00", carers_required=2)]
    cp, nodes = compiled(carers, visits)
    d0, d1 = nodes.of_visit[1]
    runs = [[(0, t("09:00")), (d0, t("12:00"))], [(d1, t("12:00"))]]
    plan = plan_from_runs(cp, nodes, runs)
    assert plan is not None
    assert plan.fixed == {d0: t("12:00"), d1: t("12:00")}
    assert plan.runs == [[0, -1, d0], [d1]]  # the break goes between s and d
    assert_plan_is_timed(cp, nodes, plan)


def test_timed_runs_gives_each_visit_its_planned_start_and_breaks_by_index() -> None:
    carers = [carer("c1", breaks=[brk("12:00", "13:00", 20), brk("10:00", "11:00", 30)]), carer("c2")]
    visits = [visit("s", A, "09:00", "09:30"), visit("d", B, "11:00", "13:00", carers_required=2)]
    cp, nodes = compiled(carers, visits)
    d0, d1 = nodes.of_visit[1]
    plan = plan_from_runs(cp, nodes, [[(0, t("09:00")), (d0, t("12:00"))], [(d1, t("12:00"))]])
    assert plan is not None
    runs, breaks = plan.timed_runs()
    sched = [s for s in plan.schedules if s is not None]
    at = {e: sched[c].planned[k] for c, elems in enumerate(plan.runs) for k, e in enumerate(elems)}
    assert runs == [[(0, at[0]), (d0, t("12:00"))], [(d1, t("12:00"))]]
    assert breaks == [[at[-1], at[-2]], []]  # break 0 (12:00-13:00) first, whatever the run order
    assert at[-2] < at[-1]
    assert Plan(runs=[[0]], schedules=[None]).timed_runs() == ([[]], [[]])


def test_plan_from_runs_gives_empty_runs_their_breaks() -> None:
    cp, nodes = compiled([carer("c1", breaks=[brk("10:00", "11:00", 30)])], [visit("s", A, "09:00", "09:30")])
    plan = plan_from_runs(cp, nodes, [[]])
    assert plan is not None
    assert plan.runs == [[-1]]


def test_plan_from_runs_is_none_when_breaks_cannot_be_timed() -> None:
    # the break must start at 09:15 sharp, in the middle of s
    cp, nodes = compiled([carer("c1", breaks=[brk("09:15", "09:15", 30)])], [visit("s", A, "09:00", "09:00")])
    assert plan_from_runs(cp, nodes, [[(0, t("09:00"))]]) is None


def test_plan_from_runs_is_none_when_a_run_without_breaks_cannot_be_timed() -> None:
    # two visits at 09:00 sharp in one run: the second cannot start on time
    cp, nodes = compiled([carer("c1")], [visit("a", A, "09:00", "09:00"), visit("b", B, "09:00", "09:00")])
    assert plan_from_runs(cp, nodes, [[(0, t("09:00")), (1, t("09:00"))]]) is None


def test_a_break_once_home_bounds_the_latest_departure() -> None:
    """v1 at A (08:00-09:00, 30 min), then a 15-minute break starting 09:00-09:20 once home.

    Leaving as late as the window allows (v1 at 09:00, home 09:40) would push the break past
    its window: v1 must start by 08:40 so that the carer is home at 09:20."""
    cp, nodes = compiled(
        [carer("c1", breaks=[brk("09:00", "09:20", 15)])], [visit("v1", A, "08:00", "09:00")]
    )
    sched = Builder(cp, nodes).schedule(0, [0, -1], {})
    assert sched is not None
    assert sched.planned[0] <= parse_time("08:40")
    assert parse_time("09:00") <= sched.planned[1] <= parse_time("09:20")


def test_clearing_a_carers_early_stretch_makes_room_where_moving_one_visit_does_not() -> None:
    # only c1 may do v (C, 60 min, to start 07:10-07:30); c1 has a at A 07:10 and b at B 08:00.
    # Moving a aside leaves b too soon after v; moving b aside leaves v too late after a. Moving
    # both to c2 makes room for v.
    carers = [carer("c1", skills=["hoist"]), carer("c2")]
    visits = [
        visit("a", A, "07:10", "07:40"),
        visit("b", B, "08:00", "08:05"),
        visit("v", C, "07:10", "07:30", minutes=60, skills=["hoist"]),
    ]
    cp, nodes = compiled(carers, visits)
    ins = Inserter(Builder(cp, nodes), Plan(runs=[[0, 1], []]))
    assert not ins.insert_with_ejection(2, Deadline.after(10))
    assert ins.plan.runs == [[0, 1], []]
    assert ins.insert_clearing(2, Deadline.after(10))
    assert ins.plan.runs == [[2], [0, 1]]
    # as late as each run allows: v at 07:30; a at 07:30, then b at 08:05 (5 minutes A to B)
    assert [s.planned for s in ins.plan.schedules if s is not None] == [
        [parse_time("07:30")],
        [parse_time("07:30"), parse_time("08:05")],
    ]
