"""Commissioner's figures from one provider's plan, their sums, and what they cost.

A plan's figures are times, miles and counts only, never money: a solve is cached by what
changes the plan, and money (``money``) is applied to the sums afterwards, so a wage or fee
what-if re-costs a finished study in seconds (``carerun simulate --recost``).

Paid time follows ``solver.analysis.pay`` (one set of UK rules for the whole project): contact
time, travel and waiting between visits are paid working time; the commute to the first visit
and home from the last, and breaks, are not; mileage is paid on between-visit miles only. Care
hours are carer contact hours: a double-handed visit counts twice, as it is billed twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from solver.analysis.pay import run_pay
from solver.generate.day import METRES_PER_MILE
from solver.model.problem import Problem, Solution

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
    "miles",
    "paid_h",
)
MONEY = ("cost_care_gbp", "cost_travel_gbp", "cost_waiting_gbp", "cost_mileage_gbp", "cost_on_costs_gbp")


@dataclass(frozen=True)
class Rates:
    """National Living Wage from April 2026 (2026/27), HMRC mileage, England's average fee for
    2025/26, the latest published (docs/calibration.md, "Money"). ``on_costs`` is the employer's
    share on top of wages (National Insurance, pension, holiday pay), as a fraction: 0 leaves it
    out, so cost is then the carers' pay and mileage only."""

    wage_gbp_h: float = 12.71
    mileage_gbp_mile: float = 0.45
    fee_gbp_h: float = 24.10
    on_costs: float = 0.0
    wage_year: str = "2026/27"
    fee_year: str = "2025/26"


def plan_figures(problem: Problem, solution: Solution, fleet: int) -> dict[str, float]:
    """Sums for one provider's plan (see the module docstring for what is paid)."""
    between_s = commute_s = between_m = paid_s = contact_s = 0
    carer_of = {c.id: c for c in problem.carers}
    used = 0
    for run in solution.runs:
        if not run.stops:
            continue
        used += 1
        paid_s += run_pay(problem, carer_of[run.carer_id], run).working_s
        contact_s += sum(s.end - s.start for s in run.stops)
        legs = sum(s.travel_s for s in run.stops)
        first = run.stops[0].travel_s
        between_s += legs - first
        commute_s += first + (run.travel_s - legs)
        between_m += sum(s.distance_m for s in run.stops[1:])
    missing = {u.visit_id for u in solution.unassigned}
    critical = sum(1 for v in problem.visits if v.priority == "critical" and v.id in missing)
    return {
        "providers": 1,
        "fleet": fleet,
        "carers": used,
        "visits": len(problem.visits),
        "served": len(problem.visits) - len(missing),
        "unserved": len(missing),
        "critical_unserved": critical,
        "outside_zones": 0,
        "care_h": contact_s / 3600,
        "travel_h": between_s / 3600,
        "commute_h": commute_s / 3600,
        "waiting_h": max(0, paid_s - contact_s - between_s) / 3600,
        "miles": between_m / METRES_PER_MILE,
        "paid_h": paid_s / 3600,
    }


def total(rows: Iterable[dict[str, Any]]) -> dict[str, float]:
    out = dict.fromkeys(SUMMED, 0.0)
    for row in rows:
        for key in SUMMED:
            out[key] += float(row[key])
    return out


def money(sums: dict[str, float], rates: Rates) -> dict[str, float]:
    """The cost of summed figures, split by what the wage pays for, plus mileage and on-costs.

    The one place money enters the simulator: a richer pay model replaces this function only."""
    care = rates.wage_gbp_h * sums["care_h"]
    travel = rates.wage_gbp_h * sums["travel_h"]
    waiting = rates.wage_gbp_h * (sums["paid_h"] - sums["care_h"] - sums["travel_h"])
    mileage = rates.mileage_gbp_mile * sums["miles"]
    on_costs = rates.on_costs * (care + travel + waiting)
    return {
        "cost_care_gbp": care,
        "cost_travel_gbp": travel,
        "cost_waiting_gbp": waiting,
        "cost_mileage_gbp": mileage,
        "cost_on_costs_gbp": on_costs,
        "cost_gbp": care + travel + waiting + mileage + on_costs,
    }


def ratios(sums: dict[str, float], rates: Rates) -> dict[str, float]:
    """The comparison figures: travel per care hour, shares, cost per care hour against the fee."""
    costs = money(sums, rates)
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
        "fee_less_cost_per_care_h_gbp": rates.fee_gbp_h - cost_per_care if care else 0.0,
        "served_share": sums["served"] / sums["visits"] if sums["visits"] else 1.0,
    }
