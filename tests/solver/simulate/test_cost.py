"""Commissioner's figures (solver/simulate/cost.py) on a hand-checkable plan."""

from __future__ import annotations

import pytest

from solver.analysis.pay import plan_cost
from solver.engine.search import solve
from solver.generate.day import METRES_PER_MILE
from solver.model.problem import Problem
from solver.simulate.cost import Rates, money, paid_figures, plan_figures, ratios, total


def _problem() -> Problem:
    """One carer, two one-hour visits due 08:00 and 10:00, 1 km and 2 km north of home."""
    visits = [
        {"id": f"v{i}", "location": {"lat": 51.2 + 0.009 * (i + 1), "lon": -2.0},
         "window": {"start": start, "end": start}, "duration_min": 60}
        for i, start in enumerate(("08:00", "10:00"))
    ]  # fmt: skip
    carer = {"id": "c1", "start": {"lat": 51.2, "lon": -2.0}, "shift": {"start": "07:00", "end": "14:00"}}
    return Problem.model_validate({"id": "p", "carers": [carer], "visits": visits})


def test_working_time_between_visits_is_paid_not_the_commute() -> None:
    problem = _problem()
    solution = solve(problem, time_limit_s=5, seed=0, solution_limit=5)
    first, second = solution.runs[0].stops
    policy = Rates(wage_gbp_h=10.0, mileage_gbp_mile=0.5, fee_gbp_h=20.0, on_costs=False).policy(None)
    f = paid_figures(plan_figures(problem, solution, fleet=1), policy)
    assert f["care_h"] == 2.0 and f["carers"] == 1 and f["fleet"] == 1
    assert f["travel_h"] == pytest.approx(second.travel_s / 3600)
    commute = first.travel_s + solution.runs[0].travel_s - first.travel_s - second.travel_s
    assert f["commute_h"] == pytest.approx(commute / 3600)
    assert f["miles"] == pytest.approx(second.distance_m / METRES_PER_MILE)
    assert f["paid_h"] == pytest.approx(3.0)  # 08:00 to 11:00: both visits, the drive and the wait
    assert f["waiting_h"] == pytest.approx(1.0 - f["travel_h"]) == pytest.approx(f["paid_waiting_h"])
    cost = money(total([f]), policy)
    assert cost["cost_gbp"] == pytest.approx(10.0 * 3.0 + 0.5 * f["miles"], abs=0.01)
    assert cost["cost_care_gbp"] == 20.0 and cost["cost_on_costs_gbp"] == 0.0
    assert cost["cost_waiting_gbp"] == pytest.approx(10.0 * f["waiting_h"])
    pay_model = plan_cost(policy, problem, solution.runs)  # the same money as the pay model's
    assert cost["cost_gbp"] == pytest.approx(pay_model.total)
    r = ratios(total([f, f]), policy)
    assert r["travel_min_per_care_h"] == pytest.approx(60 * f["travel_h"] / 2.0)
    assert r["cost_per_care_h_gbp"] == pytest.approx(cost["cost_gbp"] / 2.0)
    assert r["fee_less_cost_per_care_h_gbp"] == pytest.approx(20.0 - cost["cost_gbp"] / 2.0)
    assert r["all_travel_min_per_care_h"] == pytest.approx(60 * (f["travel_h"] + f["commute_h"]) / 2.0)


def test_unpaid_gaps_and_on_costs_apply_without_a_solve() -> None:
    """The same figures under other rules: the 55-minute wait unpaid from a 30-minute gap rule,
    on-costs from the pay model, the Real Living Wage on the day."""
    problem = _problem()
    solution = solve(problem, time_limit_s=5, seed=0, solution_limit=5)
    figures = plan_figures(problem, solution, fleet=1)
    strict = Rates(wage_gbp_h=10.0, unpaid_gap_min=30).policy(None)
    f = paid_figures(figures, strict)
    assert f["paid_waiting_h"] == 0.0 and f["paid_h"] == pytest.approx(2.0 + f["travel_h"])
    cost = money(total([f]), strict)
    assert cost["cost_on_costs_gbp"] == pytest.approx(strict.on_cost_rate * 10.0 * f["paid_h"])
    assert cost["cost_gbp"] == pytest.approx(plan_cost(strict, problem, solution.runs).total)
    assert Rates(wage_preset="real_living_wage").policy("2026-11-26").wage_per_hour == 13.45
    assert Rates().policy("2026-11-26").wage_per_hour == 12.71
