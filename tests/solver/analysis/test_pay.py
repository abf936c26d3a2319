"""Pay and working time (solver/analysis/pay.py) on hand-made runs: every figure adds up by hand."""

from __future__ import annotations

from typing import Any

from solver.analysis.pay import run_pay
from solver.model.clock import parse_time
from solver.model.problem import BreakTaken, Problem, Run, Stop
from tests.solver.tiny import carer, problem, visit


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
