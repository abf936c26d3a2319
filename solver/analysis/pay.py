"""What a run costs as the carer is paid under UK rules, and the runs the law would flag.

Working time: contact time, travel between visits and waiting between visits. Not working
time: the drive from home to the first visit and from the last visit home (the commute), and
breaks. The wage is paid on working time (``pay.paid_time = "working"``) or, as many providers
still do, on contact time only (``"contact"``). Mileage is paid on the miles driven between
visits only. Two flags:

- ``BELOW_NLW``: the wage earned divided by the working time is below the National Living Wage:
  the pattern behind the underpayment findings in English home care, where unpaid travel and
  waiting between visits drag the effective rate under the floor;
- ``WTR_NO_BREAK``: more than 6 hours of working time without a rest break of at least
  20 minutes (Working Time Regulations 1998, reg. 12).
"""

from __future__ import annotations

from solver.model.problem import BreakTaken, Carer, Problem, Run, RunPay

METRES_PER_MILE = 1609.344
WTR_STRETCH_S = 6 * 3600
WTR_BREAK_S = 20 * 60


def run_pay(problem: Problem, carer: Carer, run: Run) -> RunPay:
    rules = problem.pay
    wage = carer.wage_per_hour if carer.wage_per_hour is not None else rules.wage_per_hour
    if not run.stops:
        return RunPay(working_s=0, paid_s=0, unpaid_commute_s=0, wage_cost=0.0, mileage_cost=0.0, cost=0.0)
    first, last = run.stops[0], run.stops[-1]
    inner = _inner_breaks(run.breaks, first.start, last.end)
    working = last.end - first.start - sum(b.end - b.start for b in inner)
    commute = first.travel_s + (run.travel_s - sum(s.travel_s for s in run.stops))
    miles = sum(s.distance_m for s in run.stops[1:]) / METRES_PER_MILE
    paid = working if rules.paid_time == "working" else sum(s.end - s.start for s in run.stops)
    wage_cost = round(paid / 3600 * wage, 2)
    mileage = round(miles * rules.mileage_per_mile, 2)
    per_hour = round(wage_cost / (working / 3600), 2) if working else None
    flags = []
    if per_hour is not None and per_hour < rules.national_living_wage:
        flags.append("BELOW_NLW")
    if _longest_stretch(first.start, last.end, inner) > WTR_STRETCH_S:
        flags.append("WTR_NO_BREAK")
    return RunPay(
        working_s=working,
        paid_s=paid,
        unpaid_commute_s=commute,
        wage_cost=wage_cost,
        mileage_cost=mileage,
        cost=round(wage_cost + mileage, 2),
        pay_per_working_hour=per_hour,
        flags=flags,
    )


def _inner_breaks(breaks: list[BreakTaken], start: int, end: int) -> list[BreakTaken]:
    """Breaks taken between the first visit's start and the last visit's end."""
    return sorted((b for b in breaks if start <= b.start and b.end <= end), key=lambda b: b.start)


def _longest_stretch(start: int, end: int, inner: list[BreakTaken]) -> int:
    """The longest working time between two rest breaks of 20 minutes or more.

    A shorter break is unpaid but does not end the stretch, so it is left out of the stretch's
    working time without splitting it."""
    longest, since, short = 0, start, 0
    for b in inner:
        if b.end - b.start >= WTR_BREAK_S:
            longest = max(longest, b.start - since - short)
            since, short = b.end, 0
        else:
            short += b.end - b.start
    return max(longest, end - since - short)


def with_pay(problem: Problem, runs: list[Run]) -> list[Run]:
    """The runs with their pay filled in."""
    carers = {c.id: c for c in problem.carers}
    return [
        r.model_copy(update={"pay": run_pay(problem, carers[r.carer_id], r)}) if r.carer_id in carers else r
        for r in runs
    ]
