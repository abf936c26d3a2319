"""Plan-level figures a provider or commissioner compares plans by."""

from __future__ import annotations

from collections import Counter

from solver.model import Kpis, Problem, Run, Unassigned


def travel_per_care_hour(travel_s: int, care_s: int) -> float:
    """Minutes of driving per hour of care: the efficiency figure councils quote."""
    return round((travel_s / 60) / (care_s / 3600), 2) if care_s else 0.0


def continuity_rate(problem: Problem, runs: list[Run]) -> float | None:
    """Share of assigned visits with a preference that got at least one preferred carer."""
    carers_of: dict[str, set[str]] = {}
    for run in runs:
        for stop in run.stops:
            carers_of.setdefault(stop.visit_id, set()).add(run.carer_id)
    wanted = [
        (v, set(v.preferred_carers)) for v in problem.visits if v.preferred_carers and v.id in carers_of
    ]
    if not wanted:
        return None
    kept = sum(1 for v, preferred in wanted if carers_of[v.id] & preferred)
    return round(kept / len(wanted), 4)


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
        unassigned_by_code=dict(sorted(Counter(u.code for u in unassigned).items())),
    )
