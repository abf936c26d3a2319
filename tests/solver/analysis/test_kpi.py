"""Tests for solver/analysis/kpi.py: plan-level figures, on runs written by hand."""

from __future__ import annotations

from typing import Any

import pytest

from solver.analysis.kpi import continuity_rate, kpis, travel_per_care_hour
from solver.model.problem import Problem, Run, Stop, Unassigned

H = {"lat": 51.0, "lon": -2.0}


def problem(visits: list[dict[str, Any]]) -> Problem:
    carers = [{"id": c, "start": H, "shift": {"start": "07:00", "end": "14:00"}} for c in ("c1", "c2", "c3")]
    return Problem.model_validate({"id": "t", "carers": carers, "visits": visits})


def visit(vid: str, **kw: Any) -> dict[str, Any]:
    return {"id": vid, "location": H, "window": {"start": "09:00", "end": "10:00"}, "duration_min": 30, **kw}


def stop(vid: str, start: int, travel_s: int = 600, distance_m: int = 5000, wait_s: int = 0) -> Stop:
    return Stop(
        visit_id=vid,
        arrival=start - wait_s,
        start=start,
        end=start + 1800,
        travel_s=travel_s,
        distance_m=distance_m,
        wait_s=wait_s,
    )


def run(carer_id: str, stops: list[Stop], travel_s: int = 0, distance_m: int = 0) -> Run:
    return Run(
        carer_id=carer_id,
        start=stops[0].arrival - stops[0].travel_s if stops else 0,
        end=stops[-1].end + 600 if stops else 0,
        stops=stops,
        travel_s=travel_s,
        distance_m=distance_m,
        care_s=sum(s.end - s.start for s in stops),
        wait_s=sum(s.wait_s for s in stops),
    )


@pytest.mark.parametrize(
    ("travel_s", "care_s", "minutes"),
    [
        (1800, 3600, 30.0),  # half an hour of driving for an hour of care
        (600, 7200, 5.0),
        (1000, 3600, 16.67),  # rounded to 2 decimals
        (0, 3600, 0.0),
        (1800, 0, 0.0),  # no care: 0, not a division by zero
        (0, 0, 0.0),
    ],
)
def test_travel_per_care_hour(travel_s: int, care_s: int, minutes: float) -> None:
    assert travel_per_care_hour(travel_s, care_s) == minutes


def test_continuity_is_none_without_preferences() -> None:
    p = problem([visit("v1"), visit("v2")])
    assert continuity_rate(p, [run("c1", [stop("v1", 32400), stop("v2", 36000)])]) is None


def test_continuity_is_the_share_of_visits_with_a_preferred_carer() -> None:
    p = problem([visit("v1", preferred_carers=["c1"]), visit("v2", preferred_carers=["c1"])])
    runs = [run("c1", [stop("v1", 32400)]), run("c2", [stop("v2", 32400)])]
    assert continuity_rate(p, runs) == 0.5
    assert continuity_rate(p, [run("c1", [stop("v1", 32400), stop("v2", 36000)])]) == 1.0
    assert continuity_rate(p, [run("c3", [stop("v1", 32400), stop("v2", 36000)])]) == 0.0


def test_continuity_ignores_unassigned_visits_and_visits_without_preferences() -> None:
    p = problem(
        [
            visit("kept", preferred_carers=["c1"]),
            visit("lost", preferred_carers=["c2"]),  # not served: not counted
            visit("any"),  # no preference: not counted
            visit("other", preferred_carers=["c2", "c3"]),
        ]
    )
    runs = [run("c1", [stop("kept", 32400), stop("any", 36000), stop("other", 39600)])]
    assert continuity_rate(p, runs) == 0.5
    assert continuity_rate(p, []) is None


def test_continuity_of_a_double_up_counts_each_of_its_two_carers() -> None:
    p = problem([visit("d", carers_required=2, preferred_carers=["c2"])])
    runs = [run("c1", [stop("d", 32400)]), run("c2", [stop("d", 32400)])]
    assert continuity_rate(p, runs) == 0.5  # one familiar face and one stranger


def test_continuity_rounds_to_four_decimals() -> None:
    p = problem([visit(f"v{i}", preferred_carers=["c1"]) for i in range(3)])
    runs = [run("c1", [stop("v0", 32400)]), run("c2", [stop("v1", 32400), stop("v2", 36000)])]
    assert continuity_rate(p, runs) == 0.3333


def test_kpis_add_up_the_runs() -> None:
    p = problem(
        [
            visit("v1", preferred_carers=["c1"]),
            visit("v2"),
            visit("d", carers_required=2),
            visit("lost1"),
            visit("lost2", carers_required=2),
            visit("lost3"),
        ]
    )
    runs = [
        run(
            "c1",
            [stop("v1", 32400), stop("d", 36000, travel_s=300, wait_s=120)],
            travel_s=1500,
            distance_m=12000,
        ),
        run("c2", [stop("v2", 32400), stop("d", 36000)], travel_s=1800, distance_m=15000),
        run("c3", []),  # an empty run is not a carer used
    ]
    unassigned = [
        Unassigned(visit_id="lost1", code="SHIFT_CAPACITY", reason="busy"),
        Unassigned(visit_id="lost2", code="DOUBLE_UP_PARTNER", reason="one carer"),
        Unassigned(visit_id="lost3", code="SHIFT_CAPACITY", reason="busy"),
    ]
    k = kpis(p, runs, unassigned)
    assert k.visits == 6
    assert k.visits_assigned == 3
    assert (k.double_ups, k.double_ups_assigned) == (2, 1)
    assert k.care_s == 4 * 1800
    assert k.travel_s == 3300
    assert k.distance_m == 27000
    assert k.wait_s == 120
    assert k.travel_per_care_hour_min == 27.5  # 55 min of driving for 2 h of care
    assert k.carers_used == 2
    assert k.continuity_rate == 1.0
    assert k.unassigned_by_code == {"DOUBLE_UP_PARTNER": 1, "SHIFT_CAPACITY": 2}
    assert list(k.unassigned_by_code) == sorted(k.unassigned_by_code)


def test_kpis_of_an_empty_plan() -> None:
    p = problem([visit("v1")])
    k = kpis(p, [], [Unassigned(visit_id="v1", code="NO_SKILLED_CARER", reason="nobody")])
    assert (k.visits, k.visits_assigned, k.carers_used, k.care_s, k.travel_s) == (1, 0, 0, 0, 0)
    assert k.travel_per_care_hour_min == 0.0
    assert k.continuity_rate is None
    assert k.unassigned_by_code == {"NO_SKILLED_CARER": 1}
    assert kpis(p, [], []).unassigned_by_code == {}


def test_a_double_up_is_continuous_only_for_its_familiar_carer() -> None:
    p = problem([visit("d", carers_required=2, preferred_carers=["c1"])])
    half = [run("c1", [stop("d", 32400)]), run("c2", [stop("d", 32400)])]
    assert continuity_rate(p, half) == 0.5  # c1 counts, the stranger c2 does not
    p2 = problem([visit("d", carers_required=2, preferred_carers=["c1", "c2"])])
    assert continuity_rate(p2, half) == 1.0


def history(client: str, carers: str, day: int = 20) -> list[dict[str, str]]:
    return [
        {"date": f"2026-11-{day + i}", "client_id": client, "carer_id": f"c{c}"} for i, c in enumerate(carers)
    ]


def test_primary_carer_share_and_carers_in_the_week() -> None:
    data = problem(
        [visit("a", client_id="k"), visit("b", client_id="k"), visit("x", client_id="m")]
    ).model_dump()
    # k: c1 three times, c2 once (c1 is primary); m: c3 only. 2026-11-19 is outside the week.
    past = [*history("k", "1121"), *history("m", "3"), *history("k", "2", day=19)]
    p = Problem.model_validate({**data, "date": "2026-11-26", "history": past})
    runs = [run("c1", [stop("a", 32400)]), run("c3", [stop("b", 36000), stop("x", 39600)])]
    figures = kpis(p, runs, [])
    assert figures.primary_carer_share == round(2 / 3, 4)  # a by c1, x by c3; b not by c1
    # week: k saw c1, c2 in history and c1, c3 today -> 3; m saw c3 -> 1
    assert figures.carers_per_client_week == 2.0
    assert figures.max_carers_per_client_week == 3
    assert kpis(problem([visit("a")]), [run("c1", [stop("a", 32400)])], []).primary_carer_share is None
