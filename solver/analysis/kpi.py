"""Plan-level figures a provider or commissioner compares plans by."""

from __future__ import annotations

from collections import Counter
from typing import Any

from solver.analysis.continuity import familiar_carers, primary_carers, week_carers
from solver.model.problem import Kpis, Problem, Run, Unassigned


def travel_per_care_hour(travel_s: int, care_s: int) -> float:
    """Minutes of driving per hour of care: the efficiency figure councils quote."""
    return round((travel_s / 60) / (care_s / 3600), 2) if care_s else 0.0


def _carers_of(runs: list[Run]) -> dict[str, set[str]]:
    carers_of: dict[str, set[str]] = {}
    for run in runs:
        for stop in run.stops:
            carers_of.setdefault(stop.visit_id, set()).add(run.carer_id)
    return carers_of


def continuity_rate(problem: Problem, runs: list[Run]) -> float | None:
    """Share of carer-visits by a preferred or regular carer, over assigned visits that have one.

    Counted per carer: a double-up with one familiar carer and one stranger is half continuous,
    since the client meets a stranger all the same."""
    carers_of = _carers_of(runs)
    familiar = familiar_carers(problem)
    wanted = [v.id for v in problem.visits if familiar[v.id] and v.id in carers_of]
    if not wanted:
        return None
    visits = sum(len(carers_of[vid]) for vid in wanted)
    kept = sum(len(carers_of[vid] & familiar[vid]) for vid in wanted)
    return round(kept / visits, 4)


def primary_carer_share(problem: Problem, runs: list[Run]) -> float | None:
    """Share of assigned visits of clients with history that their primary carer attends."""
    carers_of = _carers_of(runs)
    primary = primary_carers(problem)
    counted = [v for v in problem.visits if v.client in primary and v.id in carers_of]
    if not counted:
        return None
    return round(sum(primary[v.client] in carers_of[v.id] for v in counted) / len(counted), 4)


def carers_per_client_week(problem: Problem, runs: list[Run]) -> dict[str, set[str]]:
    """client id -> distinct carers in the week: the six days of history before today, and today."""
    week = week_carers(problem)
    today = carers_per_client(problem, runs)
    return {client: week.get(client, set()) | seen for client, seen in today.items()}


def carers_per_client(problem: Problem, runs: list[Run]) -> dict[str, set[str]]:
    """client id -> distinct carers serving it (both carers of a double-up count)."""
    carers_of = _carers_of(runs)
    out: dict[str, set[str]] = {}
    for v in problem.visits:
        if v.id in carers_of:
            out.setdefault(v.client, set()).update(carers_of[v.id])
    return out


def lateness_s(problem: Problem, runs: list[Run]) -> dict[str, int]:
    """visit id -> seconds its start is past promised time + tolerance (promised visits only)."""
    starts = {s.visit_id: s.start for r in runs for s in r.stops}
    return {
        v.id: max(0, starts[v.id] - v.promised.latest_s)
        for v in problem.visits
        if v.promised is not None and v.id in starts
    }


def _rules_kpis(problem: Problem, runs: list[Run]) -> dict[str, Any]:
    """Continuity, lateness and pay figures (None where the problem has nothing to measure)."""
    out: dict[str, Any] = {}
    per_client = [len(c) for c in carers_per_client(problem, runs).values()]
    if per_client:
        out["distinct_carers_per_client"] = round(sum(per_client) / len(per_client), 3)
        out["max_carers_per_client"] = max(per_client)
    if problem.history:
        week = [len(c) for c in carers_per_client_week(problem, runs).values()]
        out["primary_carer_share"] = primary_carer_share(problem, runs)
        if week:
            out["carers_per_client_week"] = round(sum(week) / len(week), 3)
            out["max_carers_per_client_week"] = max(week)
    late = lateness_s(problem, runs)
    if any(v.promised is not None for v in problem.visits):
        out["late_visits"] = sum(1 for s in late.values() if s > 0)
        out["lateness_min"] = round(sum(late.values()) / 60, 2)
        out["max_lateness_min"] = round(max(late.values(), default=0) / 60, 2)
    pays = [r.pay for r in runs if r.pay is not None and r.stops]
    if pays:
        cost = round(sum(p.cost for p in pays), 2)
        care = sum(r.care_s for r in runs)
        out["pay_cost"] = cost
        out["cost_per_care_hour"] = round(cost / (care / 3600), 2) if care else None
        out["flagged_runs"] = sum(1 for p in pays if p.flags)
    return out


def kpis(problem: Problem, runs: list[Run], unassigned: list[Unassigned]) -> Kpis:
    care = sum(r.care_s for r in runs)
    travel = sum(r.travel_s for r in runs)
    missing = {u.visit_id for u in unassigned}
    doubles = [v for v in problem.visits if v.carers_required == 2]
    return Kpis(
        visits=len(problem.visits),
        visits_assigned=len(problem.visits) - len(missing),
        double_ups=len(doubles),
        double_ups_assigned=sum(1 for v in doubles if v.id not in missing),
        care_s=care,
        travel_s=travel,
        distance_m=sum(r.distance_m for r in runs),
        wait_s=sum(r.wait_s for r in runs),
        travel_per_care_hour_min=travel_per_care_hour(travel, care),
        carers_used=sum(1 for r in runs if r.stops),
        continuity_rate=continuity_rate(problem, runs),
        **_rules_kpis(problem, runs),
        unassigned_by_code=dict(sorted(Counter(u.code for u in unassigned).items())),
    )
