"""Care rules (continuity, promised times, gaps, the carer cap, pay) on the tiny world,
solved by the engine and re-checked independently.

Home H and places A, B, C: 10 minutes (5 km) from H to anywhere, 5 minutes (2 km) between A, B
and C. Every expected figure below can be added up by hand.
"""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.analysis.check import check
from solver.engine.search import solve
from solver.io.documents import load_problem
from solver.model.clock import parse_time
from solver.model.problem import Carer, Problem, Solution, rest_break
from tests.solver.tiny import A, B, C, brk, carer, problem, visit


def planned(p: Problem) -> Solution:
    solution = solve(p)
    assert check(p, solution) == []
    assert not any("rejected" in n for n in solution.solver.notes), solution.solver.notes
    return solution


def carers_of(s: Solution, vid: str) -> list[str]:
    return sorted(r.carer_id for r in s.runs for st in r.stops if st.visit_id == vid)


def start_of(s: Solution, vid: str) -> int:
    return next(st.start for r in s.runs for st in r.stops if st.visit_id == vid)


def code_of(s: Solution, vid: str) -> str:
    return next(u.code for u in s.unassigned if u.visit_id == vid)


# --------------------------------------------------------------------------- continuity

# c1 lives at H (20 min of driving for a visit at A); c2 lives at B (10 min).
NEAR_AND_FAR = [carer("c1"), carer("c2", start=B)]


def test_preferred_carer_is_worth_up_to_cost_min_of_travel() -> None:
    """Sending c1 costs 10 more minutes of travel: worth it at 20 min, not at 5 or 0."""
    v = visit("v1", A, client_id="k", preferred_carers=["c1"])
    for cost, who in ((20, "c1"), (5, "c2"), (0, "c2")):
        s = planned(problem(NEAR_AND_FAR, [v], {"continuity": {"cost_min": cost}}))
        assert carers_of(s, "v1") == [who], cost
        assert s.kpis.continuity_rate == (1.0 if who == "c1" else 0.0)


def test_history_makes_the_most_frequent_carer_regular() -> None:
    """c1 came three times, c2 once; with one regular carer, c1 keeps continuity."""
    history = [{"date": f"2026-11-2{d}", "client_id": "k", "carer_id": c} for d, c in enumerate("1112")]
    history = [{**h, "carer_id": f"c{h['carer_id']}"} for h in history]
    extra: dict[str, Any] = {"history": history, "continuity": {"regular_carers": 1}}
    s = planned(problem(NEAR_AND_FAR, [visit("v1", A, client_id="k")], extra))
    assert carers_of(s, "v1") == ["c1"]
    assert s.kpis.continuity_rate == 1.0
    assert s.kpis.distinct_carers_per_client == 1.0
    # No history for this client: no continuity cost, the nearer carer goes.
    s = planned(problem(NEAR_AND_FAR, [visit("v1", A, client_id="other")], extra))
    assert carers_of(s, "v1") == ["c2"]
    assert s.kpis.continuity_rate is None


def test_carer_cap_leaves_a_visit_out_with_its_reason() -> None:
    """Two visits of client k at 09:00 sharp, at A and B: one carer cannot do both."""
    visits = [visit(f"v{i}", at, "09:00", "09:00", client_id="k") for i, at in ((1, A), (2, B))]
    free = planned(problem([carer("c1"), carer("c2")], visits))
    assert free.kpis.visits_assigned == 2 and free.kpis.max_carers_per_client == 2
    capped = planned(
        problem([carer("c1"), carer("c2")], visits, {"continuity": {"max_carers_per_client": 1}})
    )
    assert capped.kpis.visits_assigned == 1
    assert capped.kpis.max_carers_per_client == 1
    missing = capped.unassigned[0]
    assert missing.code == "CONTINUITY_CAP", missing
    assert "max_carers_per_client" in missing.reason


def test_carer_cap_keeps_a_double_up_client_to_its_two_carers() -> None:
    """A double-up at 09:00 and a single at 11:00 for client k, cap 2: the single goes to one of
    the pair, though c3 lives next door at C."""
    visits = [
        visit("v1", A, "09:00", "09:00", client_id="k", carers_required=2),
        visit("v2", C, "11:00", "11:00", client_id="k"),
    ]
    carers = [carer("c1"), carer("c2"), carer("c3", start=C)]
    s = planned(problem(carers, visits, {"continuity": {"max_carers_per_client": 2}}))
    assert s.kpis.visits_assigned == 2
    assert set(carers_of(s, "v2")) <= set(carers_of(s, "v1"))


# --------------------------------------------------------------------------- promised times


def test_promised_time_orders_visits_by_their_lateness_price() -> None:
    """One carer, two 30-minute visits promised for 09:30 (no tolerance), windows from 09:00:
    the dearer one (5 per minute late) goes first and ends by 09:30; the other starts 09:35 at
    the earliest (5 min drive), 5 min late. Objective: 25 min travel + 5 min late = 1800 s."""
    promise = {"time": "09:30", "tolerance_min": 0}
    visits = [
        visit("cheap", B, "09:00", "12:00", promised={**promise, "late_cost_per_min": 1}),
        visit("dear", C, "09:00", "12:00", promised={**promise, "late_cost_per_min": 5}),
    ]
    s = planned(problem([carer("c1")], visits))
    assert start_of(s, "dear") == parse_time("09:00")
    assert start_of(s, "cheap") == parse_time("09:35")
    assert (s.kpis.late_visits, s.kpis.lateness_min, s.kpis.max_lateness_min) == (1, 5.0, 5.0)
    assert s.solver.objective == 1800


def test_early_cost_holds_a_visit_back_to_its_promised_time() -> None:
    """Window opens 08:00 but the client was promised 10:00 +/- 15 min, and early costs."""
    promise = {"time": "10:00", "tolerance_min": 15, "early_cost_per_min": 1}
    s = planned(problem([carer("c1")], [visit("v1", A, "08:00", "11:00", promised=promise)]))
    assert parse_time("09:45") <= start_of(s, "v1") <= parse_time("10:15")
    assert s.kpis.late_visits == 0


def test_fractional_lateness_price_is_kept() -> None:
    """0.5 per minute late: still cheaper than dropping the visit, and still priced."""
    promise = {"time": "09:00", "tolerance_min": 0, "late_cost_per_min": 0.5}
    visits = [visit("v1", A, "09:00", "09:00", 60), visit("v2", B, "09:00", "12:00", promised=promise)]
    s = planned(problem([carer("c1")], visits))
    assert start_of(s, "v2") == parse_time("10:05")
    assert s.kpis.lateness_min == 65.0


# --------------------------------------------------------------------------- after gaps


def test_min_gap_holds_medication_four_hours_apart() -> None:
    """v2 may start any time from 08:00, but only 4 h after v1 (window 08:00-09:00)."""
    visits = [
        visit("v1", A, "08:00", "09:00", priority="critical"),
        visit("v2", B, "08:00", "14:00", after=[{"visit_id": "v1", "min_gap_min": 240}]),
    ]
    s = planned(problem([carer("c1"), carer("c2")], visits))
    assert s.kpis.visits_assigned == 2
    assert start_of(s, "v2") - start_of(s, "v1") >= 4 * 3600


def test_max_gap_keeps_two_visits_close() -> None:
    """v2 (window 08:00-13:00) must start 30-45 min after v1, whose window is 12:00-12:30."""
    visits = [
        visit("v1", A, "12:00", "12:30"),
        visit("v2", B, "08:00", "13:00", after=[{"visit_id": "v1", "min_gap_min": 30, "max_gap_min": 45}]),
    ]
    s = planned(problem([carer("c1"), carer("c2")], visits))
    assert 30 * 60 <= start_of(s, "v2") - start_of(s, "v1") <= 45 * 60


def test_gap_that_cannot_be_met_is_explained() -> None:
    """v2 must close by 10:00 but start 4 h after v1 (08:00-09:00): it is left out as MIN_GAP."""
    visits = [
        visit("v1", A, "08:00", "09:00", priority="critical"),
        visit("v2", B, "08:00", "10:00", after=[{"visit_id": "v1", "min_gap_min": 240}]),
    ]
    s = planned(problem([carer("c1")], visits))
    assert carers_of(s, "v1") == ["c1"]
    assert code_of(s, "v2") == "MIN_GAP"


def test_gap_to_a_double_up() -> None:
    """A double-up v2 at least 2 h after v1: both copies start together, 2 h or more later."""
    visits = [
        visit("v1", A, "08:00", "09:00"),
        visit("v2", B, "08:00", "13:00", carers_required=2, after=[{"visit_id": "v1", "min_gap_min": 120}]),
    ]
    s = planned(problem([carer("c1"), carer("c2")], visits))
    assert s.kpis.visits_assigned == 2
    assert start_of(s, "v2") - start_of(s, "v1") >= 2 * 3600


# --------------------------------------------------------------------------- pay


def test_run_pay_by_hand() -> None:
    """Leave 08:50, v1 at A 09:00-09:30, drive 5 min to B, wait, v2 10:00-10:30, home 10:40.

    Working time 09:00-10:30 = 90 min; commute 10 + 10 min unpaid; wage 12/h: 18.00; on-costs
    25.37% of it (holiday 12.07%, NI 11.2%, pension 2.1%): 4.57; mileage on the 2 km between
    visits at 0.45/mile = 0.56. Paid on contact time only (60 min): 12.00, or
    8.00 per working hour, under a 10.00 floor."""
    visits = [visit("v1", A, "09:00", "09:00"), visit("v2", B, "10:00", "10:00")]
    pay = {"wage_per_hour": 12.0, "national_living_wage": 10.0}
    s = planned(problem([carer("c1")], visits, {"pay": pay}))
    run_pay = s.runs[0].pay
    assert run_pay is not None
    assert (run_pay.working_s, run_pay.paid_s, run_pay.unpaid_commute_s) == (5400, 5400, 1200)
    assert (run_pay.wage_cost, run_pay.on_cost, run_pay.mileage_cost, run_pay.cost) == (
        18.0,
        4.57,
        0.56,
        23.13,
    )
    assert (run_pay.care_cost, run_pay.travel_cost, run_pay.wait_cost) == (12.0, 1.0, 5.0)
    assert run_pay.pay_per_working_hour == 12.0 and run_pay.flags == []
    assert s.kpis.pay_cost == 23.13 and s.kpis.flagged_runs == 0
    assert s.kpis.cost_per_care_hour == 23.13  # one hour of care
    contact = planned(problem([carer("c1")], visits, {"pay": pay | {"paid_time": "contact"}}))
    run_pay = contact.runs[0].pay
    assert run_pay is not None and (run_pay.paid_s, run_pay.wage_cost) == (3600, 12.0)
    assert run_pay.pay_per_working_hour == 8.0 and run_pay.flags == ["BELOW_NLW"]
    assert contact.kpis.flagged_runs == 1


# --------------------------------------------------------------------------- property


@st.composite
def rule_days(draw: st.DrawFn) -> Problem:
    """Up to 6 visits of 2-3 clients for 2-3 carers, with random gaps (to earlier visits only,
    so never a cycle), preferences, promises and a carer cap."""
    n_carers = draw(st.integers(2, 3))
    carers = [carer(f"c{i}", start=draw(st.sampled_from([A, B, C]))) for i in range(n_carers)]
    visits = []
    for i in range(draw(st.integers(2, 6))):
        start = draw(st.integers(8 * 4, 12 * 4)) * 15
        end = start + draw(st.integers(0, 12)) * 15
        extra: dict[str, Any] = {"client_id": f"k{draw(st.integers(0, 2))}"}
        if i and draw(st.booleans()):
            low = draw(st.integers(0, 4)) * 30
            high = draw(st.one_of(st.none(), st.integers(low // 30, 8).map(lambda h: h * 30)))
            extra["after"] = [
                {"visit_id": f"v{draw(st.integers(0, i - 1))}", "min_gap_min": low, "max_gap_min": high}
            ]
        if draw(st.booleans()):
            extra["preferred_carers"] = [f"c{draw(st.integers(0, n_carers - 1))}"]
        if draw(st.booleans()):
            extra["promised"] = {"time": f"{start // 60:02d}:{start % 60:02d}", "late_cost_per_min": 0.5}
        visits.append(
            visit(
                f"v{i}",
                draw(st.sampled_from([A, B, C])),
                f"{start // 60:02d}:{start % 60:02d}",
                f"{end // 60:02d}:{end % 60:02d}",
                draw(st.sampled_from([20, 30, 45])),
                carers_required=draw(st.sampled_from([1, 1, 2])),
                **extra,
            )
        )
    cap = draw(st.sampled_from([None, 1, 2, 3]))
    return problem(carers, visits, {"continuity": {"max_carers_per_client": cap}}, solution_limit=20)


@settings(
    max_examples=int(os.environ.get("RULE_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(rule_days())
def test_random_rule_days_pass_the_checker(p: Problem) -> None:
    s = solve(p)
    assert check(p, s) == []
    assert len({u.visit_id for u in s.unassigned}) + s.kpis.visits_assigned == len(p.visits)


# --------------------------------------------------------------------------- at zone scale


@pytest.mark.slow
def test_zone_with_every_rule_passes_the_checker() -> None:
    """zone.json with each client's visits at least 2 h apart, a cap of 3 carers per client,
    promised times mid-window and a week of history: a valid plan serving most visits."""
    zone = load_problem(Path(__file__).resolve().parents[3] / "instances" / "homecare" / "v1" / "zone.json")
    data = zone.model_dump()
    by_client: dict[str, list[dict[str, Any]]] = {}
    for v in data["visits"]:
        by_client.setdefault(v.get("client_id") or v["id"], []).append(v)
        mid = (parse_time(v["window"]["start"]) + parse_time(v["window"]["end"])) // 2
        v["promised"] = {"time": f"{mid // 3600:02d}:{mid % 3600 // 60:02d}", "tolerance_min": 15}
    history = []
    for i, (client, visits) in enumerate(sorted(by_client.items())):
        visits.sort(key=lambda v: parse_time(v["window"]["start"]))
        for earlier, later in pairwise(visits):
            later["after"] = [{"visit_id": earlier["id"], "min_gap_min": 120}]
        regular = [c["id"] for c in data["carers"]][i % 7 :: 7][:2]
        history += [
            {"date": f"2026-11-1{d}", "client_id": client, "carer_id": c} for d in range(7) for c in regular
        ]
    data.update(history=history, continuity={"max_carers_per_client": 3})
    problem = Problem.model_validate(data)
    s = solve(problem, time_limit_s=10)
    assert check(problem, s) == []
    assert s.kpis.visits_assigned >= 0.85 * len(problem.visits)
    assert s.kpis.max_carers_per_client is not None and s.kpis.max_carers_per_client <= 3
    assert s.kpis.continuity_rate is not None and s.kpis.late_visits is not None


# --------------------------------------------------------------------------- rest breaks (reg. 12)


def test_rest_break_window_falls_inside_any_run_over_six_hours() -> None:
    """Shift 07:00-14:00: the break starts 07:40-13:00, so it cannot end before a run longer
    than 6 h begins (at 07:40 at the latest) nor start after such a run ends (13:00 at the
    earliest); none on a 6-hour shift or for a carer with a 20-minute break of their own."""
    c = Carer.model_validate(carer("c1"))
    brk_ = rest_break(c)
    assert brk_ is not None and brk_.duration_min == 20
    assert (brk_.window.start, brk_.window.end) == (parse_time("07:40"), parse_time("13:00"))
    six = Carer.model_validate(carer("c1", shift={"start": "07:00", "end": "13:00"}))
    assert rest_break(six) is None
    own = Carer.model_validate(carer("c1", breaks=[brk("09:00", "12:00", 20)]))
    assert rest_break(own) is None


def test_engine_places_the_rest_break_inside_a_long_day() -> None:
    """07:10-08:40 at A, 2 h at B from 09:00-10:00, 13:00-13:30 at C: 6 h 20 min of work. Without
    the option the run has no break and is flagged; with it the break is taken between v2 and v3."""
    visits = [
        visit("v1", A, "07:10", "07:10", minutes=90),
        visit("v2", B, "09:00", "10:00", minutes=120),
        visit("v3", C, "13:00", "13:00", minutes=30),
    ]
    plain = planned(problem([carer("c1")], visits))
    assert plain.runs[0].pay is not None and plain.runs[0].pay.flags == ["WTR_NO_BREAK"]
    p = problem([carer("c1")], visits, rest_breaks=True)
    rested = planned(p)
    run = rested.runs[0]
    assert rested.status == "solved" and len(run.breaks) == 1
    taken = run.breaks[0]
    assert run.stops[1].end <= taken.start and taken.end <= run.stops[2].start
    assert run.pay is not None and run.pay.flags == []
