"""What a run costs as a UK provider pays its carers, and the runs the law would flag.

Working time: contact time, travel between visits and paid waiting between visits. Not working
time: the drive from home to the first visit and from the last visit home (the commute), breaks,
and waiting in a gap the provider's rules leave unpaid (a gap of ``pay.unpaid_gap_min`` or more,
or long enough to go home: the carer is free to use it). The wage is paid on working time
(``pay.paid_time = "working"``) or, as many providers still do, on contact time only
(``"contact"``). Mileage is paid on the miles driven between visits only. On top of the wage the
employer pays on-costs: holiday pay, employer National Insurance and pension.

The rates in force depend on the day: ``national_living_wage(date)`` and
``real_living_wage(date)`` read the published tables below. ``PayPolicy`` is the whole set of
rules, resolved for one day and checked once; ``cost_breakdown`` costs a run with it, so a
cached plan can be re-costed under other rules without solving again.

Flags (each one a rule as written, see docs/rules.md "Pay and working time"):

- ``BELOW_NLW``: the wage earned divided by the working time is below the National Living Wage
  (compared unrounded);
- ``WTR_NO_BREAK``: more than 6 hours of working time and no uninterrupted rest break of at least
  20 minutes in it (Working Time Regulations 1998, reg. 12);
- ``WTR_DAILY_REST``: less than 11 hours between the carer's last finish the day before (from
  ``history`` entries with an ``end``) and the first visit (reg. 10).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from typing import Literal

from pydantic import ValidationError

from solver.analysis.legs import Legs
from solver.model.errors import InputError, issues_of
from solver.model.problem import Carer, HistoryEntry, Pay, Problem, Run, RunPay, Solution, Stop

METRES_PER_MILE = 1609.344
WTR_STRETCH_S = 6 * 3600
WTR_BREAK_S = 20 * 60
WTR_DAILY_REST_S = 11 * 3600
DAY_S = 24 * 3600

# National Living Wage, GBP per hour, from its effective date (GOV.UK, "National Minimum Wage
# and National Living Wage rates"; the age band it covers widened to 23+ in 2021, 21+ in 2024).
NLW_RATES: tuple[tuple[Date, float], ...] = (
    (Date(2016, 4, 1), 7.20),
    (Date(2017, 4, 1), 7.50),
    (Date(2018, 4, 1), 7.83),
    (Date(2019, 4, 1), 8.21),
    (Date(2020, 4, 1), 8.72),
    (Date(2021, 4, 1), 8.91),
    (Date(2022, 4, 1), 9.50),
    (Date(2023, 4, 1), 10.42),
    (Date(2024, 4, 1), 11.44),
    (Date(2025, 4, 1), 12.21),
    (Date(2026, 4, 1), 12.71),
)
# The Real Living Wage (UK rate outside London), voluntary, set by the Living Wage Foundation and
# dated here from each announcement; accredited employers have until the following May to pay it.
REAL_LIVING_WAGE_RATES: tuple[tuple[Date, float], ...] = (
    (Date(2020, 11, 9), 9.50),
    (Date(2021, 11, 15), 9.90),
    (Date(2022, 9, 22), 10.90),
    (Date(2023, 10, 24), 12.00),
    (Date(2024, 10, 23), 12.60),
    (Date(2025, 10, 21), 13.45),
)


def _rate_on(table: tuple[tuple[Date, float], ...], on: Date | None, name: str) -> float:
    """The rate in force on ``on``; an undated problem gets the newest rate."""
    if on is None:
        return table[-1][1]
    rate = None
    for since, value in table:
        if since <= on:
            rate = value
    if rate is None:
        message = f"date {on} is before the first {name} ({table[0][0]}): set it in pay"
        raise InputError.at("date", message)
    return rate


def national_living_wage(on: Date | None) -> float:
    """The National Living Wage in force on ``on`` (the newest when ``on`` is None)."""
    return _rate_on(NLW_RATES, on, "National Living Wage")


def real_living_wage(on: Date | None) -> float:
    """The Real Living Wage announced by ``on`` (the newest when ``on`` is None)."""
    return _rate_on(REAL_LIVING_WAGE_RATES, on, "Real Living Wage")


@dataclass(frozen=True)
class PayPolicy:
    """A provider's pay rules resolved for one day: immutable, and checked when made.

    ``PayPolicy.of(problem)`` reads ``problem.pay`` on ``problem.date``; ``policy.replace(...)``
    gives the same rules with some changed (a Real Living Wage scenario, say)."""

    wage_per_hour: float
    national_living_wage: float
    paid_time: Literal["working", "contact"] = "working"
    mileage_per_mile: float = 0.45
    holiday_pay_rate: float = 0.1207
    employer_ni_rate: float = 0.112
    pension_rate: float = 0.021
    unpaid_gap_min: float | None = None
    unpaid_if_home_for_min: float | None = None
    fee_per_care_hour: float = 25.0

    def __post_init__(self) -> None:
        """Every field checked through the contract's own ``Pay`` bounds, named on failure."""
        try:
            Pay.model_validate(dataclasses.asdict(self))
        except ValidationError as error:
            raise InputError(issues_of(error, "pay")) from None

    @classmethod
    def of(cls, problem: Problem) -> PayPolicy:
        return cls.from_pay(problem.pay, problem.date)

    @classmethod
    def from_pay(cls, pay: Pay, on: Date | None) -> PayPolicy:
        nlw = pay.national_living_wage if pay.national_living_wage is not None else national_living_wage(on)
        wage = pay.wage_per_hour
        if wage is None:
            wage = nlw if pay.wage_preset == "national_living_wage" else real_living_wage(on)
        return cls(
            wage_per_hour=wage,
            national_living_wage=nlw,
            paid_time=pay.paid_time,
            mileage_per_mile=pay.mileage_per_mile,
            holiday_pay_rate=pay.holiday_pay_rate,
            employer_ni_rate=pay.employer_ni_rate,
            pension_rate=pay.pension_rate,
            unpaid_gap_min=pay.unpaid_gap_min,
            unpaid_if_home_for_min=pay.unpaid_if_home_for_min,
            fee_per_care_hour=pay.fee_per_care_hour,
        )

    def replace(self, **changes: object) -> PayPolicy:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def on_cost_rate(self) -> float:
        """What the employer adds to every pound of wage."""
        return self.holiday_pay_rate + self.employer_ni_rate + self.pension_rate

    def wage_of(self, carer: Carer | None) -> float:
        """The carer's own wage where set, else the policy's."""
        return (
            carer.wage_per_hour
            if carer is not None and carer.wage_per_hour is not None
            else self.wage_per_hour
        )


@dataclass(frozen=True)
class CostBreakdown:
    """Time and money of one run (or, summed with ``+``, of a plan), unrounded.

    Seconds: contact, travel between visits, paid and unpaid waiting between visits, commute.
    Money (GBP): wages for care, travel and waiting, mileage, on-costs on the wages."""

    care_s: int = 0
    travel_s: int = 0
    paid_wait_s: int = 0
    unpaid_wait_s: int = 0
    commute_s: int = 0
    miles: float = 0.0
    care: float = 0.0
    travel: float = 0.0
    waiting: float = 0.0
    mileage: float = 0.0
    on_costs: float = 0.0

    @property
    def working_s(self) -> int:
        return self.care_s + self.travel_s + self.paid_wait_s

    @property
    def wages(self) -> float:
        return self.care + self.travel + self.waiting

    @property
    def total(self) -> float:
        return self.wages + self.on_costs + self.mileage

    def per_care_hour(self) -> float | None:
        return self.total / (self.care_s / 3600) if self.care_s else None

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        return CostBreakdown(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self))
        )


HomeTrip = Callable[[Carer, str, str], int | None]


def home_trip(problem: Problem, legs: Legs | None = None) -> HomeTrip:
    """Seconds to drive home from one visit and on to the next, read from the problem's travel
    (None where a leg has no route)."""
    legs = legs if legs is not None else Legs(problem)
    places = {v.id: v.location for v in problem.visits}

    def trip(carer: Carer, before: str, after: str) -> int | None:
        there, _ = legs.leg(carer.travel_mode, places[before], carer.end_location)
        back, _ = legs.leg(carer.travel_mode, carer.start, places[after])
        return None if there is None or back is None else there + back

    return trip


def cost_breakdown(
    policy: PayPolicy, problem: Problem, run: Run, trip: HomeTrip | None = None
) -> CostBreakdown:
    """The run costed under ``policy``; ``trip`` gives home-and-back times when the policy
    leaves gaps long enough to go home unpaid (read from ``problem.travel`` if not given)."""
    if not run.stops:
        return CostBreakdown()
    carer = next((c for c in problem.carers if c.id == run.carer_id), None)
    if policy.unpaid_if_home_for_min is not None and trip is None:
        trip = home_trip(problem)
    paid_wait = unpaid_wait = 0
    for before, stop, gap, wait in gap_waits(run):
        if _unpaid_gap(policy, gap, carer, before.visit_id, stop.visit_id, trip):
            unpaid_wait += wait
        else:
            paid_wait += wait
    times = CostBreakdown(
        care_s=sum(s.end - s.start for s in run.stops),
        travel_s=sum(s.travel_s for s in run.stops[1:]),
        paid_wait_s=paid_wait,
        unpaid_wait_s=unpaid_wait,
        commute_s=run.stops[0].travel_s + (run.travel_s - sum(s.travel_s for s in run.stops)),
        miles=sum(s.distance_m for s in run.stops[1:]) / METRES_PER_MILE,
    )
    return priced(policy, times, policy.wage_of(carer))


def gap_waits(run: Run) -> Iterator[tuple[Stop, Stop, int, int]]:
    """Each gap between consecutive visits of a run as (visit before, visit after, gap, waiting)
    in seconds: the waiting is the gap less the drive and any break taken inside it."""
    for before, stop in zip(run.stops, run.stops[1:], strict=False):
        gap = stop.start - before.end
        resting = sum(b.end - b.start for b in run.breaks if before.end <= b.start and b.end <= stop.start)
        yield before, stop, gap, max(0, gap - stop.travel_s - resting)


def priced(policy: PayPolicy, times: CostBreakdown, wage: float | None = None) -> CostBreakdown:
    """``times`` (seconds and miles) with the money ``policy`` pays for them: the one place time
    becomes money, so a cached plan's summed times can be re-costed under other rules."""
    wage = policy.wage_per_hour if wage is None else wage
    paid = 1.0 if policy.paid_time == "working" else 0.0
    care = times.care_s / 3600 * wage
    travel = paid * times.travel_s / 3600 * wage
    waiting = paid * times.paid_wait_s / 3600 * wage
    return dataclasses.replace(
        times,
        care=care,
        travel=travel,
        waiting=waiting,
        mileage=times.miles * policy.mileage_per_mile,
        on_costs=(care + travel + waiting) * policy.on_cost_rate,
    )


def _unpaid_gap(
    policy: PayPolicy, gap: int, carer: Carer | None, before: str, after: str, trip: HomeTrip | None
) -> bool:
    """Whether the waiting in a gap of ``gap`` seconds between two visits is the carer's own time."""
    if policy.unpaid_gap_min is not None and gap >= round(policy.unpaid_gap_min * 60):
        return True
    if policy.unpaid_if_home_for_min is None or carer is None or trip is None:
        return False
    home_and_back = trip(carer, before, after)
    return home_and_back is not None and gap >= home_and_back + round(policy.unpaid_if_home_for_min * 60)


def plan_cost(policy: PayPolicy, problem: Problem, runs: list[Run]) -> CostBreakdown:
    """A whole plan costed under ``policy`` (cheap: no solving, one travel reader)."""
    trip = home_trip(problem) if policy.unpaid_if_home_for_min is not None else None
    total = CostBreakdown()
    for run in runs:
        total = total + cost_breakdown(policy, problem, run, trip)
    return total


def run_pay(
    problem: Problem,
    carer: Carer,
    run: Run,
    policy: PayPolicy | None = None,
    trip: HomeTrip | None = None,
    last_finish: int | None = None,
) -> RunPay:
    """The run's ``pay`` as the contract reports it: pence-rounded money and the flags.

    ``last_finish`` is the carer's last finish the day before, in seconds after that midnight
    (``last_finishes`` reads it from history)."""
    policy = policy if policy is not None else PayPolicy.of(problem)
    if not run.stops:
        return RunPay(working_s=0, paid_s=0, unpaid_commute_s=0, wage_cost=0.0, mileage_cost=0.0, cost=0.0)
    cost = cost_breakdown(policy, problem, run, trip)
    working = cost.working_s
    paid = working if policy.paid_time == "working" else cost.care_s
    wage = policy.wage_of(carer)
    flags = []
    if wage * paid < policy.national_living_wage * working:
        flags.append("BELOW_NLW")
    if working > WTR_STRETCH_S and not _rested(run, cost):
        flags.append("WTR_NO_BREAK")
    if last_finish is not None and DAY_S - last_finish + run.stops[0].start < WTR_DAILY_REST_S:
        flags.append("WTR_DAILY_REST")
    return RunPay(
        working_s=working,
        paid_s=paid,
        unpaid_commute_s=cost.commute_s,
        wage_cost=round(cost.wages, 2),
        mileage_cost=round(cost.mileage, 2),
        cost=round(cost.total, 2),
        pay_per_working_hour=round(wage * paid / working, 2) if working else None,
        flags=flags,
        care_cost=round(cost.care, 2),
        travel_cost=round(cost.travel, 2),
        wait_cost=round(cost.waiting, 2),
        on_cost=round(cost.on_costs, 2),
        unpaid_wait_s=cost.unpaid_wait_s,
    )


def _rested(run: Run, cost: CostBreakdown) -> bool:
    """One uninterrupted rest of 20 minutes or more inside the working day: a break taken, or
    unpaid waiting (the carer's own time) of that length in one gap."""
    first, last = run.stops[0].start, run.stops[-1].end
    if any(b.end - b.start >= WTR_BREAK_S and first <= b.start and b.end <= last for b in run.breaks):
        return True
    if cost.unpaid_wait_s < WTR_BREAK_S:
        return False
    return any(_gap_rest(run, i) >= WTR_BREAK_S for i in range(1, len(run.stops)))


def _gap_rest(run: Run, i: int) -> int:
    """The waiting in the gap before stop ``i`` (no break inside it)."""
    before, stop = run.stops[i - 1], run.stops[i]
    inside = [b for b in run.breaks if before.end <= b.start and b.end <= stop.start]
    return 0 if inside else stop.start - before.end - stop.travel_s


def last_finishes(problem: Problem) -> dict[str, int]:
    """carer id -> the latest ``end`` of their history entries on the day before ``problem.date``."""
    if problem.date is None:
        return {}
    eve = problem.date - timedelta(days=1)
    out: dict[str, int] = {}
    for entry in problem.history:
        if entry.date == eve and entry.end is not None:
            out[entry.carer_id] = max(out.get(entry.carer_id, 0), entry.end)
    return out


def history_of(problem: Problem, solution: Solution) -> list[HistoryEntry]:
    """A day's plan as history entries (with end times), to carry into the next day's problem."""
    if problem.date is None:
        raise InputError.at("date", "a plan becomes history only for a dated problem")
    clients = {v.id: v.client for v in problem.visits}
    return [
        HistoryEntry(date=problem.date, client_id=clients[s.visit_id], carer_id=run.carer_id, end=s.end)
        for run in solution.runs
        for s in run.stops
    ]


def with_pay(problem: Problem, runs: list[Run]) -> list[Run]:
    """The runs with their pay filled in."""
    policy = PayPolicy.of(problem)
    trip = home_trip(problem) if policy.unpaid_if_home_for_min is not None else None
    finishes = last_finishes(problem)
    carers = {c.id: c for c in problem.carers}
    return [
        r.model_copy(
            update={"pay": run_pay(problem, carers[r.carer_id], r, policy, trip, finishes.get(r.carer_id))}
        )
        if r.carer_id in carers
        else r
        for r in runs
    ]
