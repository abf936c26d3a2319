"""Commissioner's figures from one provider's plan, their sums, and what they cost.

A plan's figures are times, miles and counts only, never money: a solve is cached by what
changes the plan, and money (``money``) is applied to the sums afterwards, so a wage or fee
what-if re-costs a finished study in seconds (``carerun simulate --recost``).

Times come from the project's pay model (``solver.analysis.pay.plan_cost``): contact time,
travel and waiting between visits are working time; the commute to the first visit and home
from the last, and breaks, are not; mileage is paid on between-visit miles only. Each gap's
waiting is kept with the gap's length, so a policy that leaves long gaps unpaid
(``unpaid_gap_min``) applies without a solve. Care hours are carer contact hours: a
double-handed visit counts twice, as it is billed twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as Date
from typing import Any, Literal

from solver.analysis.pay import CostBreakdown, PayPolicy, gap_waits, plan_cost, priced
from solver.model.problem import Pay, Problem, Solution

SUMMED = (
    "providers",
    "fleet",
    "carers",
    "visits",
    "served",
    "unserved",
    "critical_unserved",
    "outside_zones",
    "care_h",
    "travel_h",
    "commute_h",
    "waiting_h",
    "paid_waiting_h",
    "miles",
    "paid_h",
)
MONEY = ("cost_care_gbp", "cost_travel_gbp", "cost_waiting_gbp", "cost_mileage_gbp", "cost_on_costs_gbp")


@dataclass(frozen=True)
class Rates:
    """The money side of a study, read by the pay model (``solver.analysis.pay.PayPolicy``).

    The wage is the ``wage_preset`` rate in force on the study's day (National Living Wage from
    April 2026: £12.71) unless ``wage_gbp_h`` is set; on-costs are the pay model's (holiday pay,
    employer NI, pension) unless ``on_costs`` is False. The fee is England's average for 2025/26,
    the latest published (docs/calibration.md, "Money"): a year older than the wage."""

    wage_gbp_h: float | None = None
    wage_preset: Literal["national_living_wage", "real_living_wage"] = "national_living_wage"
    mileage_gbp_mile: float = 0.45
    fee_gbp_h: float = 24.10
    on_costs: bool = True
    unpaid_gap_min: float | None = None
    paid_time: Literal["working", "contact"] = "working"
    fee_year: str = "2025/26"

    def policy(self, on: str | None) -> PayPolicy:
        """The pay model's rules for a study day ``on`` (ISO date)."""
        pay = Pay(
            wage_per_hour=self.wage_gbp_h,
            wage_preset=self.wage_preset,
            mileage_per_mile=self.mileage_gbp_mile,
            fee_per_care_hour=self.fee_gbp_h,
            unpaid_gap_min=self.unpaid_gap_min,
            paid_time=self.paid_time,
        )
        policy = PayPolicy.from_pay(pay, Date.fromisoformat(on) if on else None)
        if not self.on_costs:
            policy = policy.replace(holiday_pay_rate=0.0, employer_ni_rate=0.0, pension_rate=0.0)
        return policy


def plan_figures(problem: Problem, solution: Solution, fleet: int) -> dict[str, Any]:
    """Times, miles and counts of one provider's plan, from the pay model's breakdown; ``gaps``
    holds [gap, waiting] seconds for every gap between visits with waiting in it."""
    plain = PayPolicy.of(problem.model_copy(update={"pay": Pay()}))
    time = plan_cost(plain, problem, solution.runs)
    gaps: list[list[int]] = []
    for run in solution.runs:
        gaps.extend([gap, wait] for _, _, gap, wait in gap_waits(run) if wait)
    missing = {u.visit_id for u in solution.unassigned}
    critical = sum(1 for v in problem.visits if v.priority == "critical" and v.id in missing)
    return {
        "providers": 1,
        "fleet": fleet,
        "carers": sum(1 for run in solution.runs if run.stops),
        "visits": len(problem.visits),
        "served": len(problem.visits) - len(missing),
        "unserved": len(missing),
        "critical_unserved": critical,
        "outside_zones": 0,
        "care_h": time.care_s / 3600,
        "travel_h": time.travel_s / 3600,
        "commute_h": time.commute_s / 3600,
        "waiting_h": (time.paid_wait_s + time.unpaid_wait_s) / 3600,
        "miles": time.miles,
        "gaps": gaps,
    }


def paid_figures(figures: dict[str, Any], policy: PayPolicy) -> dict[str, Any]:
    """One plan's figures with the waiting the policy pays, and the paid hours."""
    limit = None if policy.unpaid_gap_min is None else round(policy.unpaid_gap_min * 60)
    unpaid = sum(wait for gap, wait in figures["gaps"] if limit is not None and gap >= limit)
    paid_wait = figures["waiting_h"] - unpaid / 3600
    working = figures["care_h"] + figures["travel_h"] + paid_wait
    paid = working if policy.paid_time == "working" else figures["care_h"]
    return {**figures, "paid_waiting_h": paid_wait, "paid_h": paid}


def total(rows: Iterable[dict[str, Any]]) -> dict[str, float]:
    out = dict.fromkeys(SUMMED, 0.0)
    for row in rows:
        for key in SUMMED:
            out[key] += float(row[key])
    return out


def money(sums: dict[str, float], policy: PayPolicy) -> dict[str, float]:
    """The cost of summed figures under ``policy``: wages for care, travel and paid waiting,
    mileage, and on-costs on the wages, priced by the pay model (``solver.analysis.pay.priced``).

    The one place money enters the simulator, applied to sums so a what-if needs no solve."""
    times = CostBreakdown(
        care_s=round(sums["care_h"] * 3600),
        travel_s=round(sums["travel_h"] * 3600),
        paid_wait_s=round(sums["paid_waiting_h"] * 3600),
        miles=sums["miles"],
    )
    cost = priced(policy, times)
    return {
        "cost_care_gbp": cost.care,
        "cost_travel_gbp": cost.travel,
        "cost_waiting_gbp": cost.waiting,
        "cost_mileage_gbp": cost.mileage,
        "cost_on_costs_gbp": cost.on_costs,
        "cost_gbp": cost.total,
    }


def ratios(sums: dict[str, float], policy: PayPolicy) -> dict[str, float]:
    """The comparison figures: travel per care hour, shares, cost per care hour against the fee."""
    costs = money(sums, policy)
    care = sums["care_h"]
    per_care = (lambda x: x / care) if care else (lambda x: 0.0)
    cost_per_care = per_care(costs["cost_gbp"])
    return {
        **costs,
        "all_travel_h": sums["travel_h"] + sums["commute_h"],
        "travel_min_per_care_h": 60 * per_care(sums["travel_h"]),
        "all_travel_min_per_care_h": 60 * per_care(sums["travel_h"] + sums["commute_h"]),
        "waiting_min_per_care_h": 60 * per_care(sums["waiting_h"]),
        "travel_share_of_paid": sums["travel_h"] / sums["paid_h"] if sums["paid_h"] else 0.0,
        "paid_h_per_carer": sums["paid_h"] / sums["carers"] if sums["carers"] else 0.0,
        "care_h_per_carer": care / sums["carers"] if sums["carers"] else 0.0,
        "miles_per_visit": sums["miles"] / sums["served"] if sums["served"] else 0.0,
        "cost_per_care_h_gbp": cost_per_care,
        "fee_less_cost_per_care_h_gbp": policy.fee_per_care_hour - cost_per_care if care else 0.0,
        "served_share": sums["served"] / sums["visits"] if sums["visits"] else 1.0,
    }
