"""Commissioner's figures from one provider's plan, and their sums over zones and designs.

Pay is costed by ``solver.analysis.pay`` (one set of UK rules for the whole project): contact time,
travel and waiting between visits are paid working time; the commute to the first visit and
home from the last, and breaks, are not; mileage is paid on between-visit miles only. Care
hours are carer contact hours: a double-handed visit counts twice, as it is billed twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from solver.analysis.pay import run_pay
from solver.generate.day import METRES_PER_MILE
from solver.model.problem import Pay, Problem, Solution

SUMMED = (
    "providers",
    "carers",
    "visits",
    "served",
    "unserved",
    "critical_unserved",
    "outside_zones",
    "care_h",
    "travel_h",
    "commute_h",
    "miles",
    "paid_h",
    "cost_gbp",
)


@dataclass(frozen=True)
class Rates:
    """National Living Wage 2026-27 (the model's default), HMRC mileage, England's average fee
    (docs/calibration.md, "Money")."""

    wage_gbp_h: float = 12.71
    mileage_gbp_mile: float = 0.45
    fee_gbp_h: float = 24.10


def plan_figures(problem: Problem, solution: Solution, carers: int, rates: Rates) -> dict[str, float]:
    """Sums for one provider's plan (see the module docstring for what is paid)."""
    between_s = commute_s = between_m = paid_s = 0
    cost = 0.0
    pay = Pay(  # wages and mileage only, as these figures are defined: no on-costs
        wage_per_hour=rates.wage_gbp_h,
        mileage_per_mile=rates.mileage_gbp_mile,
        fee_per_care_hour=rates.fee_gbp_h,
        holiday_pay_rate=0.0,
        employer_ni_rate=0.0,
        pension_rate=0.0,
    )
    priced = problem.model_copy(update={"pay": pay})
    carer_of = {c.id: c for c in problem.carers}
    for run in solution.runs:
        run_cost = run_pay(priced, carer_of[run.carer_id], run)
        paid_s += run_cost.paid_s
        cost += run_cost.cost
        legs = sum(s.travel_s for s in run.stops)
        first = run.stops[0].travel_s if run.stops else 0
        between_s += legs - first
        commute_s += first + (run.travel_s - legs)
        between_m += sum(s.distance_m for s in run.stops[1:])
    care_s = sum(run.care_s for run in solution.runs)
    missing = {u.visit_id for u in solution.unassigned}
    critical = sum(1 for v in problem.visits if v.priority == "critical" and v.id in missing)
    paid_h = paid_s / 3600
    miles = between_m / METRES_PER_MILE
    return {
        "providers": 1,
        "carers": carers,
        "visits": len(problem.visits),
        "served": len(problem.visits) - len(missing),
        "unserved": len(missing),
        "critical_unserved": critical,
        "outside_zones": 0,
        "care_h": care_s / 3600,
        "travel_h": between_s / 3600,
        "commute_h": commute_s / 3600,
        "miles": miles,
        "paid_h": paid_h,
        "cost_gbp": cost,
    }


def total(rows: Iterable[dict[str, Any]]) -> dict[str, float]:
    out = dict.fromkeys(SUMMED, 0.0)
    for row in rows:
        for key in SUMMED:
            out[key] += float(row[key])
    return out


def ratios(sums: dict[str, float], rates: Rates) -> dict[str, float]:
    """The comparison figures: travel per care hour, shares, cost per care hour against the fee."""
    care = sums["care_h"]
    per_care = (lambda x: x / care) if care else (lambda x: 0.0)
    cost_per_care = per_care(sums["cost_gbp"])
    return {
        "travel_min_per_care_h": 60 * per_care(sums["travel_h"]),
        "all_travel_min_per_care_h": 60 * per_care(sums["travel_h"] + sums["commute_h"]),
        "travel_share_of_paid": sums["travel_h"] / sums["paid_h"] if sums["paid_h"] else 0.0,
        "miles_per_visit": sums["miles"] / sums["served"] if sums["served"] else 0.0,
        "cost_per_care_h_gbp": cost_per_care,
        "margin_per_care_h_gbp": rates.fee_gbp_h - cost_per_care if care else 0.0,
        "served_share": sums["served"] / sums["visits"] if sums["visits"] else 1.0,
    }
