"""Pay and working time (solver/analysis/pay.py) on hand-made runs: every figure adds up by hand."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from solver.analysis.pay import (
    PayPolicy,
    cost_breakdown,
    history_of,
    last_finishes,
    national_living_wage,
    plan_cost,
    run_pay,
    with_pay,
)
from solver.engine.compiled import compile_problem
from solver.model.clock import parse_time
from solver.model.errors import InputError
from solver.model.problem import BreakTaken, HistoryEntry, Pay, Problem, Run, Solution, Stop
from tests.solver.tiny import B, carer, problem, visit


def stop(vid: str, start: str, minutes: int, travel_s: int, distance_m: int, wait_s: int = 0) -> Stop:
    t = parse_time(start)
    return Stop(
        visit_id=vid,
        arrival=t - wait_s,
        start=t,
        end=t + minutes * 60,
        travel_s=travel_s,
        distance_m=distance_m,
        wait_s=wait_s,
    )


def day(
    stops: list[Stop], breaks: tuple[tuple[str, str], ...] = (), back_s: int = 600, **pay: Any
) -> tuple[Problem, Run]:
    """A run of carer c1 through ``stops``, home ``back_s`` after the last, 5 km commute back."""
    p = problem(
        [carer("c1", shift={"start": "06:00", "end": "20:00"})], [visit()], {"pay": pay} if pay else None
    )
    run = Run(
        carer_id="c1",
        start=stops[0].arrival - stops[0].travel_s,
        end=stops[-1].end + back_s,
        stops=stops,
        breaks=[BreakTaken(start=parse_time(a), end=parse_time(b)) for a, b in breaks],
        travel_s=sum(s.travel_s for s in stops) + back_s,
        distance_m=sum(s.distance_m for s in stops) + 5000,
        care_s=sum(s.end - s.start for s in stops),
        wait_s=sum(s.wait_s for s in stops),
    )
    return p, run


def at(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def seven_hours() -> tuple[Problem, Run]:
    """Visits of 60 min every 65 min from 08:00 (5 min drives), last one ends 15:30 (7.5 h)."""
    stops = [stop("v0", "08:00", 60, 600, 5000)]
    stops += [stop(f"v{i}", at(480 + 65 * i), 60, 300, 2000) for i in range(1, 7)]
    return day(stops)


def test_working_time_excludes_commute_and_breaks() -> None:
    """v1 09:00-09:30, 5 min drive, 25 min wait, v2 10:00-10:30: 90 min working, 20 min commute."""
    p, run = day([stop("v1", "09:00", 30, 600, 5000), stop("v2", "10:00", 30, 300, 3218, wait_s=1500)])
    pay = run_pay(p, p.carers[0], run)
    assert (pay.working_s, pay.unpaid_commute_s) == (5400, 1200)
    assert pay.wage_cost == round(1.5 * 12.71, 2)
    assert pay.mileage_cost == 0.9  # 3218 m = 2.0 miles at 0.45
    assert pay.flags == []  # wage = NLW on all working time; the commute is not working time


def test_paying_contact_time_only_falls_below_the_nlw() -> None:
    """Same run paid on its 60 min of contact only: 12.71 over 1.5 working hours = 8.47 an hour."""
    stops = [stop("v1", "09:00", 30, 600, 5000), stop("v2", "10:00", 30, 300, 3218, wait_s=1500)]
    p, run = day(stops, paid_time="contact")
    pay = run_pay(p, p.carers[0], run)
    assert (pay.working_s, pay.paid_s) == (5400, 3600)
    assert pay.wage_cost == 12.71 and pay.pay_per_working_hour == 8.47
    assert pay.flags == ["BELOW_NLW"]


def test_break_inside_the_working_span_is_unpaid() -> None:
    p, run = day(
        [stop("v1", "09:00", 30, 600, 5000), stop("v2", "10:30", 30, 300, 0, wait_s=1500)],
        (("09:35", "10:05"),),
    )
    assert run_pay(p, p.carers[0], run).working_s == 5400  # 09:00-11:00 less the 30-minute break


def test_wtr_flags_over_six_hours_without_a_20_minute_break() -> None:
    p, run = seven_hours()
    pay = run_pay(p, p.carers[0], run)
    assert pay.working_s > 6 * 3600
    assert "WTR_NO_BREAK" in pay.flags


def test_wtr_break_of_20_minutes_splits_the_stretch() -> None:
    """7.5 h of work, a 20-minute break in a 25-minute wait at 11:20: two stretches under 6 h."""
    stops = [stop("v0", "08:00", 60, 600, 5000)]
    stops += [stop(f"v{i}", at(480 + 65 * i), 60, 300, 2000) for i in range(1, 3)]
    stops += [
        stop(f"v{i}", at(505 + 65 * i), 60, 300, 2000, wait_s=300 if i == 3 else 0) for i in range(3, 7)
    ]
    p, run = day(stops, (("11:20", "11:40"),))
    pay = run_pay(p, p.carers[0], run)
    assert "WTR_NO_BREAK" not in pay.flags
    p, run = day(stops, (("11:20", "11:35"),))  # 15 minutes is not a rest break under reg. 12
    assert "WTR_NO_BREAK" in run_pay(p, p.carers[0], run).flags


def test_carer_wage_overrides_and_empty_run_costs_nothing() -> None:
    p, run = day([stop("v1", "09:00", 60, 600, 5000)], wage_per_hour=10.0, national_living_wage=8.0)
    p.carers[0].wage_per_hour = 20.0
    pay = run_pay(p, p.carers[0], run)
    assert pay.wage_cost == 20.0 and pay.flags == []
    empty = Run(carer_id="c1", start=0, end=0, stops=[], travel_s=0, distance_m=0, care_s=0, wait_s=0)
    assert run_pay(p, p.carers[0], empty).cost == 0.0


# --------------------------------------------------------------------------- the pay model


def test_wage_and_floor_follow_the_problems_date() -> None:
    """12.21 from 1 April 2025, 12.71 from 1 April 2026; an undated problem gets the newest."""
    assert national_living_wage(date(2026, 3, 31)) == 12.21
    assert national_living_wage(date(2026, 4, 1)) == 12.71
    assert national_living_wage(None) == 12.71
    p, _ = day([stop("v1", "09:00", 60, 600, 5000)])
    dated = p.model_copy(update={"date": date(2025, 6, 2)})
    policy = PayPolicy.of(dated)
    assert (policy.wage_per_hour, policy.national_living_wage) == (12.21, 12.21)
    rlw = PayPolicy.of(dated.model_copy(update={"pay": Pay(wage_preset="real_living_wage")}))
    assert (rlw.wage_per_hour, rlw.national_living_wage) == (12.60, 12.21)
    with pytest.raises(InputError) as caught:
        PayPolicy.of(p.model_copy(update={"date": date(2015, 1, 1)}))
    assert caught.value.errors[0].path == "date"


def test_policy_is_immutable_and_names_a_bad_field() -> None:
    policy = PayPolicy(wage_per_hour=12.71, national_living_wage=12.71)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.wage_per_hour = 1.0  # type: ignore[misc]
    with pytest.raises(InputError) as caught:
        policy.replace(holiday_pay_rate=1.5)
    assert caught.value.errors[0].path == "pay.holiday_pay_rate"
    assert policy.replace(pension_rate=0.0).on_cost_rate == pytest.approx(0.1207 + 0.112)


def test_cost_splits_into_care_travel_waiting_mileage_and_on_costs() -> None:
    """v1 09:00-09:30, 5 min drive (2 miles), 25 min wait, v2 10:00-10:30 at 12.00/h, on-costs 25%:
    care 60 min = 12.00, travel 1.00, waiting 5.00, on-costs 4.50, mileage 0.90: 23.40."""
    p, run = day([stop("v1", "09:00", 30, 600, 5000), stop("v2", "10:00", 30, 300, 3218, wait_s=1500)])
    policy = PayPolicy(
        wage_per_hour=12.0,
        national_living_wage=12.0,
        holiday_pay_rate=0.25,
        employer_ni_rate=0,
        pension_rate=0,
    )
    cost = cost_breakdown(policy, p, run)
    assert (cost.care_s, cost.travel_s, cost.paid_wait_s, cost.commute_s) == (3600, 300, 1500, 1200)
    assert (cost.care, cost.travel, cost.waiting) == pytest.approx((12.0, 1.0, 5.0))
    assert (cost.on_costs, cost.mileage, cost.total) == pytest.approx((4.5, 0.9, 23.4), abs=1e-3)
    assert plan_cost(policy, p, [run, run]).total == pytest.approx(46.8, abs=1e-3)
    pay = run_pay(p, p.carers[0], run, policy)
    assert (pay.care_cost, pay.travel_cost, pay.wait_cost, pay.on_cost, pay.cost) == (
        12.0,
        1.0,
        5.0,
        4.5,
        23.4,
    )


def test_a_long_gap_is_unpaid_and_not_working_time() -> None:
    """A 25-minute wait in a 30-minute gap: paid by default, unpaid from a 30-minute threshold
    (the 5-minute drive stays paid); a 10-minute stay at home needs 10 + 10 + 10 minutes."""
    p, run = day([stop("v1", "09:00", 30, 600, 5000), stop("v2", "10:00", 30, 300, 3218, wait_s=1500)])
    base = PayPolicy(wage_per_hour=12.0, national_living_wage=12.0)
    assert cost_breakdown(base, p, run).paid_wait_s == 1500
    gap = cost_breakdown(base.replace(unpaid_gap_min=30), p, run)
    assert (gap.paid_wait_s, gap.unpaid_wait_s, gap.working_s) == (0, 1500, 3900)
    assert cost_breakdown(base.replace(unpaid_gap_min=31), p, run).unpaid_wait_s == 0
    # the tiny world: 10 minutes home from A, 10 minutes back out to A: 30-minute gap, 10 at home
    p2 = p.model_copy(update={"visits": [*p.visits, *problem([carer("c1")], [visit("v2", B)]).visits]})
    assert cost_breakdown(base.replace(unpaid_if_home_for_min=10), p2, run).unpaid_wait_s == 1500
    assert cost_breakdown(base.replace(unpaid_if_home_for_min=11), p2, run).unpaid_wait_s == 0
    pay = run_pay(p2, p2.carers[0], run, base.replace(unpaid_if_home_for_min=10))
    assert (pay.working_s, pay.unpaid_wait_s, pay.wait_cost) == (3900, 1500, 0.0)


def test_nlw_is_compared_unrounded() -> None:
    """46 minutes at exactly the NLW earns 9.7443..., 12.71 an hour: not below the floor."""
    p, run = day([stop("v1", "09:00", 46, 600, 5000)])
    policy = PayPolicy(wage_per_hour=12.71, national_living_wage=12.71)
    assert run_pay(p, p.carers[0], run, policy).flags == []
    assert run_pay(p, p.carers[0], run, policy.replace(wage_per_hour=12.7099)).flags == ["BELOW_NLW"]


def test_wtr_one_break_anywhere_in_a_working_day_over_six_hours() -> None:
    """Reg. 12: one 20-minute break in the day, even early, meets it; 6 h exactly needs none."""
    stops = [stop("v0", "08:00", 40, 600, 5000)]
    stops += [
        stop(f"v{i}", at(505 + 65 * i), 60, 300, 2000, wait_s=300 if i == 1 else 0) for i in range(1, 7)
    ]
    p, run = day(stops, (("08:45", "09:05"),))  # the break then 6 h 45 min of work without one
    assert run_pay(p, p.carers[0], run).flags == []
    six = [stop("v0", "08:00", 360, 600, 5000)]
    p, run = day(six)
    assert run_pay(p, p.carers[0], run).flags == []
    p, run = day([stop("v0", "08:00", 361, 600, 5000)])
    assert run_pay(p, p.carers[0], run).flags == ["WTR_NO_BREAK"]


def test_wtr_daily_rest_from_yesterdays_last_finish() -> None:
    """Finished 22:00 yesterday: a 09:00 start is 11 h later (fine), 08:59 is not."""
    for start, flags in (("09:00", []), ("08:59", ["WTR_DAILY_REST"])):
        p, run = day([stop("v1", start, 30, 600, 5000)])
        history = [
            HistoryEntry(date=date(2026, 5, 3), client_id="v1", carer_id="c1", end=parse_time("22:00")),
            HistoryEntry(date=date(2026, 5, 3), client_id="v1", carer_id="c1", end=parse_time("18:00")),
            HistoryEntry(date=date(2026, 5, 2), client_id="v1", carer_id="c1", end=parse_time("23:00")),
        ]
        p = p.model_copy(update={"date": date(2026, 5, 4), "history": history})
        assert last_finishes(p) == {"c1": parse_time("22:00")}
        assert with_pay(p, [run])[0].pay.flags == flags  # type: ignore[union-attr]


def test_a_days_plan_becomes_the_next_days_history() -> None:
    """Yesterday's run ended its last visit at 21:30: today's 08:00 start is 10.5 h later."""
    p, run = day([stop("v1", "21:00", 30, 600, 5000)])
    yesterday = p.model_copy(update={"date": date(2026, 5, 3)})
    plan = Solution.model_validate(
        {
            "problem_id": "t",
            "status": "solved",
            "runs": [run.model_dump()],
            "kpis": {"visits": 1, "visits_assigned": 1, "care_s": 1800, "travel_s": 1200,
                     "distance_m": 10000, "wait_s": 0, "travel_per_care_hour_min": 40.0, "carers_used": 1},
            "solver": {"engine": "test", "wall_s": 0.0, "seed": 0},
        }
    )  # fmt: skip
    history = history_of(yesterday, plan)
    assert [(h.date, h.carer_id, h.end) for h in history] == [(date(2026, 5, 3), "c1", parse_time("21:30"))]
    today, morning = day([stop("v1", "08:00", 30, 600, 5000)])
    today = today.model_copy(update={"date": date(2026, 5, 4), "history": history})
    assert with_pay(today, [morning])[0].pay.flags == ["WTR_DAILY_REST"]  # type: ignore[union-attr]


def test_a_date_before_the_wage_tables_is_bad_input_before_solving() -> None:
    """The engine reads the pay rules when it compiles the day, so no time is spent first."""
    p, _ = day([stop("v1", "09:00", 60, 600, 5000)])
    with pytest.raises(InputError) as caught:
        compile_problem(p.model_copy(update={"date": date(2016, 3, 31)}))
    assert caught.value.errors[0].path == "date" and "2016-04-01" in str(caught.value)
    set_by_hand = Pay(wage_per_hour=7.0, national_living_wage=6.70)
    assert (
        PayPolicy.of(p.model_copy(update={"date": date(2015, 1, 1), "pay": set_by_hand})).wage_per_hour == 7.0
    )
