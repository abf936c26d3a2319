"""The paid-time objective (options.objective = "paid-time") on the tiny world.

v1 at A 09:00-09:30 and v2 at B at 11:00, both fixed: one carer doing both drives 10 + 5 + 10 =
25 minutes and waits 85 minutes (09:35 to 11:00), paid; two carers drive 20 minutes each, 40
in all, and never wait. Travel alone picks one carer; travel plus paid waiting (25 + 85 = 110
against 40) picks two.
"""

from __future__ import annotations

from typing import Any

from solver.analysis.check import check
from solver.engine.compiled import UNLIMITED, compile_problem
from solver.engine.construct import Nodes
from solver.engine.search import paid_wait_cost, solve
from solver.model.problem import Problem
from tests.solver.tiny import A, B, carer, problem, visit


def day(objective: str = "travel", **pay: Any) -> Problem:
    visits = [visit("v1", A, "09:00", "09:00"), visit("v2", B, "11:00", "11:00")]
    extra = {"pay": pay} if pay else None
    return problem([carer("c1"), carer("c2")], visits, extra, objective=objective)


def carers_used(p: Problem) -> int:
    solution = solve(p)
    assert check(p, solution) == [] and solution.status == "solved"
    return solution.kpis.carers_used


def test_compiled_fields_follow_the_option_and_the_pay_rules() -> None:
    assert (compile_problem(day()).wait_cost_per_min, compile_problem(day()).unpaid_gap_min) == (
        0.0,
        UNLIMITED,
    )
    cp = compile_problem(day("paid-time", unpaid_gap_min=59.5))
    assert (cp.wait_cost_per_min, cp.unpaid_gap_min) == (1.0, 60)
    assert compile_problem(day("paid-time", paid_time="contact")).wait_cost_per_min == 0.0  # waiting unpaid


def test_travel_objective_waits_and_paid_time_sends_a_second_carer() -> None:
    assert carers_used(day()) == 1
    assert carers_used(day("paid-time")) == 2


def test_paid_waiting_by_hand_and_an_unpaid_gap_costs_nothing() -> None:
    """One run v1 09:00, v2 11:00: a 90-minute gap, 5 minutes of it driving, 85 waiting."""
    runs = [[(0, 9 * 3600), (1, 11 * 3600)], []]
    cp = compile_problem(day("paid-time"))
    assert paid_wait_cost(cp, Nodes.of(cp), runs, [[], []]) == 85 * 60
    cp = compile_problem(day("paid-time", unpaid_gap_min=90))
    assert paid_wait_cost(cp, Nodes.of(cp), runs, [[], []]) == 0
    cp = compile_problem(day("paid-time", unpaid_gap_min=91))
    assert paid_wait_cost(cp, Nodes.of(cp), runs, [[], []]) == 85 * 60
