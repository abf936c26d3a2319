"""Tests for the independent plan checker (solver/analysis/check.py) against docs/rules.md.

The base case is small enough to verify with a pencil. Four places on one road (H, A, B, C),
car durations in seconds below, distances always ten times the duration in metres:

         H     A     B     C
    H    0   600   900  1200
    A  600     0   300   600
    B  900   300     0   300
    C 1200   600   300     0

c1 (home H, shift 08:00-14:00, one 30-minute break in 11:00-12:00) does v1, v2 and v3:
    leaves 08:50; +600 -> v1 at A 09:00-09:30; +300 -> arrives B 09:35, waits 1500,
    v2 10:00-10:45; break 11:00-11:30 in that gap, +300 -> arrives C 11:20 (10:45 + 300 +
    1800), waits 600, v3 11:30-12:00; +1200 -> home 12:20.
    travel 2400, distance 24000, care 6300, wait 2100; works 210 - 30 = 180 minutes.
c2 (home H, ends at B, one 15-minute break in 12:30-13:30) does the double-up v3 with c1:
    leaves 11:10; +1200 -> v3 at C 11:30-12:00; +300 -> B at 12:05; break 12:30-12:45 is
    after the run (carer off). travel 1500, distance 15000, care 1800, wait 0.
c3 has no run. v4 needs 'hoist' which nobody holds: unassigned.
KPIs: care 8100, travel 3900 (65 min over 2.25 h of care = 28.89 min per care hour).

Each rule is then broken on purpose, one at a time, and exactly that rule must be reported.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.analysis.check import RULES, Violation, check, format_report
from solver.model.problem import Problem, Solution

Json = dict[str, Any]
Mutation = Callable[[Json, Json], None]

ROOT = Path(__file__).resolve().parents[3]
H, A, B, C = ({"lat": 51.0 + i / 100, "lon": -2.0} for i in range(4))
DURATIONS = [
    [0, 600, 900, 1200],
    [600, 0, 300, 600],
    [900, 300, 0, 300],
    [1200, 600, 300, 0],
]


def hm(seconds: int) -> str:
    """Seconds since midnight as 'HH:MM:SS' (the tests write times in seconds when adding up)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def at(text: str) -> int:
    """'HH:MM' as seconds since midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def stop(vid: str, arrival: str, start: str, end: str, travel_s: int, wait_s: int) -> Json:
    """A stop; distance is always ten times travel in these matrices."""
    return {
        "visit_id": vid,
        "arrival": arrival,
        "start": start,
        "end": end,
        "travel_s": travel_s,
        "distance_m": 10 * travel_s,
        "wait_s": wait_s,
    }


def run(
    cid: str, start: str, end: str, stops: list[Json], breaks: list[tuple[str, str]], **totals: int
) -> Json:
    """A run; ``totals`` are travel_s, care_s, wait_s (distance is ten times travel)."""
    return {
        "carer_id": cid,
        "start": start,
        "end": end,
        "stops": stops,
        "breaks": [{"start": s, "end": e} for s, e in breaks],
        "travel_s": totals["travel_s"],
        "distance_m": 10 * totals["travel_s"],
        "care_s": totals["care_s"],
        "wait_s": totals["wait_s"],
    }


def c1_run() -> Json:
    """c1's hand-timed base run (see the module docstring)."""
    stops = [
        stop("v1", "09:00", "09:00", "09:30", 600, 0),
        stop("v2", "09:35", "10:00", "10:45", 300, 1500),
        stop("v3", "11:20", "11:30", "12:00", 300, 600),
    ]
    return run("c1", "08:50", "12:20", stops, [("11:00", "11:30")], travel_s=2400, care_s=6300, wait_s=2100)


def c2_run() -> Json:
    """c2's hand-timed base run: the other half of the double-up v3, ending at B."""
    stops = [stop("v3", "11:30", "11:30", "12:00", 1200, 0)]
    return run("c2", "11:10", "12:05", stops, [("12:30", "12:45")], travel_s=1500, care_s=1800, wait_s=0)


def base_problem() -> Json:
    visit: Json = {"window": {"start": "09:00", "end": "12:00"}, "duration_min": 30}
    return {
        "id": "chk-base",
        "carers": [
            {
                "id": "c1",
                "start": H,
                "shift": {"start": "08:00", "end": "14:00"},
                "breaks": [{"window": {"start": "11:00", "end": "12:00"}, "duration_min": 30}],
                "skills": ["med"],
                "max_working_min": 360,
                "max_visits": 5,
                "gender": "f",
                "capacity": 10,
            },
            {
                "id": "c2",
                "start": H,
                "end": B,
                "shift": {"start": "08:00", "end": "14:00"},
                "breaks": [{"window": {"start": "12:30", "end": "13:30"}, "duration_min": 15}],
                "gender": "m",
            },
            {"id": "c3", "start": H, "shift": {"start": "08:00", "end": "14:00"}},
        ],
        "visits": [
            {**visit, "id": "v1", "location": A, "window": {"start": "09:00", "end": "09:30"},
             "skills": ["med"], "pinned_carer": "c1", "demand": 2},
            {**visit, "id": "v2", "location": B, "window": {"start": "10:00", "end": "11:00"},
             "duration_min": 45, "carer_gender": "f", "excluded_carers": ["c2"]},
            {**visit, "id": "v3", "location": C, "carers_required": 2},
            {**visit, "id": "v4", "location": B, "skills": ["hoist"]},
        ],
        "travel": {
            "model": "matrix",
            "locations": [H, A, B, C],
            "durations_s": {"car": DURATIONS},
            "distances_m": {"car": [[10 * d for d in row] for row in DURATIONS]},
        },
    }  # fmt: skip


def base_solution() -> Json:
    return {
        "problem_id": "chk-base",
        "status": "partial",
        "runs": [c1_run(), c2_run()],
        "unassigned": [{"visit_id": "v4", "code": "NO_SKILLED_CARER", "reason": "nobody holds 'hoist'"}],
        "kpis": {
            "visits": 4,
            "visits_assigned": 3,
            "double_ups": 1,
            "double_ups_assigned": 1,
            "care_s": 8100,
            "travel_s": 3900,
            "distance_m": 39000,
            "wait_s": 2100,
            "travel_per_care_hour_min": 28.89,
            "carers_used": 2,
        },
        "solver": {"engine": "hand", "wall_s": 0.0, "seed": 0},
    }


def fresh_kpis(p: Json, s: Json) -> Json:
    """KPIs re-added from the runs, for mutations whose point is elsewhere."""
    runs = s["runs"]
    known = {v["id"]: v for v in p["visits"]}
    assigned = {st["visit_id"] for r in runs for st in r["stops"]} & known.keys()
    care, travel = sum(r["care_s"] for r in runs), sum(r["travel_s"] for r in runs)
    return {
        "visits": len(known),
        "visits_assigned": len(assigned),
        "double_ups": sum(1 for v in known.values() if v.get("carers_required") == 2),
        "double_ups_assigned": sum(1 for v in assigned if known[v].get("carers_required") == 2),
        "care_s": care,
        "travel_s": travel,
        "distance_m": sum(r["distance_m"] for r in runs),
        "wait_s": sum(r["wait_s"] for r in runs),
        "travel_per_care_hour_min": round(travel / 60 / (care / 3600), 2) if care else 0.0,
        "carers_used": sum(1 for r in runs if r["stops"]),
    }


def run_check(p: Json, s: Json) -> list[Violation]:
    return check(Problem.model_validate(p), Solution.model_validate(s))


def carer(p: Json, cid: str) -> Json:
    return next(c for c in p["carers"] if c["id"] == cid)


def visit(p: Json, vid: str) -> Json:
    return next(v for v in p["visits"] if v["id"] == vid)


def run_of(s: Json, cid: str) -> Json:
    return next(r for r in s["runs"] if r["carer_id"] == cid)


def shift_run(r: Json, delta: int) -> None:
    """Move a whole run (not its breaks) by ``delta`` seconds."""
    r["start"], r["end"] = hm(at(r["start"]) + delta), hm(at(r["end"]) + delta)
    for s in r["stops"]:
        s.update({key: hm(at(s[key]) + delta) for key in ("arrival", "start", "end")})


@pytest.fixture
def chk_problem() -> Json:
    return base_problem()


@pytest.fixture
def chk_solution() -> Json:
    return base_solution()


# --------------------------------------------------------------------------- valid plans


def test_hand_timed_plan_is_valid(chk_problem: Json, chk_solution: Json) -> None:
    assert run_check(chk_problem, chk_solution) == []


def test_fresh_kpis_helper_agrees_with_hand_sums(chk_problem: Json, chk_solution: Json) -> None:
    assert fresh_kpis(chk_problem, chk_solution) == chk_solution["kpis"]


def test_empty_run_of_unused_carer_is_valid(chk_problem: Json, chk_solution: Json) -> None:
    chk_solution["runs"].append(run("c3", "08:00", "08:00", [], [], travel_s=0, care_s=0, wait_s=0))
    assert run_check(chk_problem, chk_solution) == []


@pytest.mark.parametrize(
    "taken",
    [("10:00", "10:15"), ("10:55", "11:10"), ("12:05", "12:20"), ("13:00", "13:15")],
    ids=["before-run", "ends-at-run-start", "starts-at-run-end", "after-run"],
)
def test_break_outside_the_run_is_valid(
    chk_problem: Json, chk_solution: Json, taken: tuple[str, str]
) -> None:
    carer(chk_problem, "c2")["breaks"][0]["window"] = {"start": "08:00", "end": "13:30"}
    run_of(chk_solution, "c2")["breaks"] = [{"start": taken[0], "end": taken[1]}]
    assert run_check(chk_problem, chk_solution) == []


@pytest.mark.parametrize("ratio", [28.885, 28.895, 28.9])
def test_kpi_ratio_tolerates_rounding(chk_problem: Json, chk_solution: Json, ratio: float) -> None:
    chk_solution["kpis"]["travel_per_care_hour_min"] = ratio
    assert run_check(chk_problem, chk_solution) == []


def test_unassigned_by_code_when_given_must_match(chk_problem: Json, chk_solution: Json) -> None:
    chk_solution["kpis"]["unassigned_by_code"] = {"NO_SKILLED_CARER": 1}
    assert run_check(chk_problem, chk_solution) == []
    chk_solution["kpis"]["unassigned_by_code"] = {"TRAVEL_TOO_FAR": 1}
    assert [v.rule for v in run_check(chk_problem, chk_solution)] == ["kpis"]


# --------------------------------------------------------------------------- max_working and breaks


def c1_break_after_run(p: Json, s: Json) -> None:
    """c1 takes its break after the run instead: the 30 minutes become waiting at C.

    v3: arrives 10:50 (10:45 + 300), waits 2400 to 11:30; home 12:20; break 12:20-12:50.
    """
    carer(p, "c1")["breaks"][0]["window"] = {"start": "12:20", "end": "13:00"}
    r = run_of(s, "c1")
    r["stops"][2] = stop("v3", "10:50", "11:30", "12:00", 300, 2400)
    r["breaks"] = [{"start": "12:20", "end": "12:50"}]
    r["wait_s"] = 3900
    s["kpis"] = fresh_kpis(p, s)


@pytest.mark.parametrize(
    ("break_outside", "limit_min", "expected"),
    [(False, 180, []), (False, 179, ["max_working"]), (True, 180, ["max_working"]), (True, 210, [])],
)
def test_max_working_counts_only_breaks_inside_the_run(
    chk_problem: Json, chk_solution: Json, break_outside: bool, limit_min: int, expected: list[str]
) -> None:
    """Same 08:50-12:20 span: a break inside the run is not work, one after it does not help."""
    if break_outside:
        c1_break_after_run(chk_problem, chk_solution)
    carer(chk_problem, "c1")["max_working_min"] = limit_min
    violations = run_check(chk_problem, chk_solution)
    assert [v.rule for v in violations] == expected
    assert all(v.carer_id == "c1" for v in violations)


# --------------------------------------------------------------------------- one rule at a time


def set_(path: str, value: Any) -> Mutation:
    """Mutation setting ``p.<...>`` or ``s.<...>`` (dotted, with carer/visit/run ids as keys)."""

    def mutate(p: Json, s: Json) -> None:
        root, *keys = path.split(".")
        node: Any = p if root == "p" else s
        for key in keys[:-1]:
            if isinstance(node, list):
                node = next(x for x in node if key in (x.get("id"), x.get("carer_id"), x.get("visit_id")))
            else:
                node = node[key]
        if isinstance(node, list):
            node[int(keys[-1])] = value
        else:
            node[keys[-1]] = value

    return mutate


def then_kpis(*mutations: Mutation) -> Mutation:
    """Apply mutations, then make the KPIs agree with the (changed) runs again."""

    def mutate(p: Json, s: Json) -> None:
        for m in mutations:
            m(p, s)
        s["kpis"] = fresh_kpis(p, s)

    return mutate


def add_unassigned(vid: str) -> Mutation:
    def mutate(p: Json, s: Json) -> None:
        s["unassigned"].append({"visit_id": vid, "code": "OPTIMISER_DROPPED", "reason": "test"})

    return mutate


def drop_c2_run(p: Json, s: Json) -> None:
    s["runs"] = [r for r in s["runs"] if r["carer_id"] != "c2"]


def all_assigned(p: Json, s: Json) -> None:
    """Drop v4 from the problem and the plan, so that nothing is unassigned."""
    p["visits"] = [v for v in p["visits"] if v["id"] != "v4"]
    s["unassigned"] = []


def c1_does_v1_twice(p: Json, s: Json) -> None:
    """v1 09:00-09:30 then again 09:30-10:00 (travel 0); v2 arrives 10:05 and starts at once,
    ends 10:50; break 11:00-11:30; v3 arrives 11:25 (10:50 + 300 + 1800), waits 300."""
    stops = [
        stop("v1", "09:00", "09:00", "09:30", 600, 0),
        stop("v1", "09:30", "09:30", "10:00", 0, 0),
        stop("v2", "10:05", "10:05", "10:50", 300, 0),
        stop("v3", "11:25", "11:30", "12:00", 300, 300),
    ]
    s["runs"][0] = run(
        "c1", "08:50", "12:20", stops, [("11:00", "11:30")], travel_s=2400, care_s=8100, wait_s=300
    )


def c1_does_both_halves_of_v3(p: Json, s: Json) -> None:
    """The double-up twice in c1's run: v3 11:30-12:00, again 12:00-12:30, home 12:50."""
    r = run_of(s, "c1")
    r["stops"].append(stop("v3", "12:00", "12:00", "12:30", 0, 0))
    r.update(end="12:50", care_s=8100)
    drop_c2_run(p, s)


def c1_gap_too_short(p: Json, s: Json) -> None:
    """v2 10:15-11:00 leaves 30 minutes before v3 at 11:30 for 5 minutes' drive and a 30-minute break."""
    r = run_of(s, "c1")
    r["stops"][1] = stop("v2", "09:35", "10:15", "11:00", 300, 2400)
    r["stops"][2] = stop("v3", "11:35", "11:30", "12:00", 300, 0)
    r["wait_s"] = 2400


def c1_two_overlapping_breaks(p: Json, s: Json) -> None:
    """A second 10-minute break inside the first: the gap sum (300 + 1800 + 600 = 45 min) fits."""
    carer(p, "c1")["breaks"].append({"window": {"start": "11:00", "end": "12:00"}, "duration_min": 10})
    r = run_of(s, "c1")
    r["breaks"].append({"start": "11:10", "end": "11:20"})
    r["stops"][2] = stop("v3", "11:30", "11:30", "12:00", 300, 0)
    r["wait_s"] = 1500


def c2_break_window(start: str, end: str, taken: tuple[str, str]) -> Mutation:
    def mutate(p: Json, s: Json) -> None:
        carer(p, "c2")["breaks"][0]["window"] = {"start": start, "end": end}
        run_of(s, "c2")["breaks"] = [{"start": taken[0], "end": taken[1]}]

    return mutate


def late_c2(p: Json, s: Json) -> None:
    shift_run(run_of(s, "c2"), 60)


def c1_starts_late(p: Json, s: Json) -> None:
    """Leaving at 08:55 the carer reaches v1 at 09:05, after its planned 09:00 start."""
    r = run_of(s, "c1")
    r["start"] = "08:55"
    r["stops"][0]["arrival"] = "09:05"


def set_reason(code: str, reason: str) -> Mutation:
    def mutate(p: Json, s: Json) -> None:
        s["unassigned"][0].update(code=code, reason=reason)

    return mutate


CASES = [
    # (id, mutation, rule, carer ids, visit ids) -- ids are the sets over the violations reported
    ("problem_id", set_("s.problem_id", "other"), "problem_id", {None}, {None}),
    ("status-solved-with-unassigned", set_("s.status", "solved"), "status", {None}, {None}),
    ("status-partial-all-assigned", then_kpis(all_assigned), "status", {None}, {None}),
    ("coverage-missing", then_kpis(set_("s.unassigned", []), set_("s.status", "solved")),
     "coverage", {None}, {"v4"}),
    ("coverage-unassigned-twice", add_unassigned("v4"), "coverage", {None}, {"v4"}),
    ("coverage-assigned-and-unassigned", add_unassigned("v1"), "coverage", {None}, {"v1"}),
    ("coverage-unknown-unassigned", add_unassigned("v99"), "coverage", {None}, {"v99"}),
    ("coverage-unknown-in-run", then_kpis(set_("s.runs.c1.stops.v1.visit_id", "v99")),
     "coverage", {"c1", None}, {"v99", "v1"}),
    ("coverage-double-up-one-run", then_kpis(drop_c2_run), "coverage", {None}, {"v3"}),
    ("coverage-twice-in-one-run", then_kpis(c1_does_v1_twice), "coverage", {"c1", None}, {"v1"}),
    ("unknown_carer", set_("s.runs.c2.carer_id", "c9"), "unknown_carer", {"c9"}, {None}),
    ("window-before", set_("p.visits.v1.window", {"start": "09:10", "end": "09:30"}),
     "window", {"c1"}, {"v1"}),
    ("window-after", set_("p.visits.v2.window", {"start": "09:00", "end": "09:50"}),
     "window", {"c1"}, {"v2"}),
    ("travel-to-stop", c1_starts_late, "travel", {"c1"}, {"v1"}),
    ("travel-home", set_("s.runs.c2.end", "12:04"), "travel", {"c2"}, {None}),
    ("timing-arrival", set_("s.runs.c1.stops.v2.arrival", "09:36"), "timing", {"c1"}, {"v2"}),
    ("timing-end", set_("s.runs.c1.stops.v2.end", "10:46"), "timing", {"c1"}, {"v2"}),
    ("timing-travel", then_kpis(set_("s.runs.c1.stops.v2.travel_s", 400), set_("s.runs.c1.travel_s", 2500)),
     "timing", {"c1"}, {"v2"}),
    ("timing-distance",
     then_kpis(set_("s.runs.c1.stops.v2.distance_m", 3100), set_("s.runs.c1.distance_m", 24100)),
     "timing", {"c1"}, {"v2"}),
    ("timing-wait", then_kpis(set_("s.runs.c1.stops.v2.wait_s", 1400), set_("s.runs.c1.wait_s", 2000)),
     "timing", {"c1"}, {"v2"}),
    ("totals-travel", then_kpis(set_("s.runs.c1.travel_s", 2500)), "totals", {"c1"}, {None}),
    ("totals-distance", then_kpis(set_("s.runs.c2.distance_m", 15001)), "totals", {"c2"}, {None}),
    ("totals-care", then_kpis(set_("s.runs.c2.care_s", 1700)), "totals", {"c2"}, {None}),
    ("totals-wait", then_kpis(set_("s.runs.c1.wait_s", 2000)), "totals", {"c1"}, {None}),
    ("totals-end-late", set_("s.runs.c1.end", "12:21"), "totals", {"c1"}, {None}),
    ("shift-end", set_("p.carers.c1.shift.end", "12:00"), "shift", {"c1"}, {None}),
    ("shift-start", set_("p.carers.c2.shift.start", "11:15"), "shift", {"c2"}, {None}),
    ("skill", set_("p.visits.v3.skills", ["med"]), "skill", {"c2"}, {"v3"}),
    ("excluded", set_("p.visits.v3.excluded_carers", ["c2"]), "excluded", {"c2"}, {"v3"}),
    ("gender", set_("p.visits.v2.carer_gender", "m"), "gender", {"c1"}, {"v2"}),
    ("pinned", set_("p.visits.v1.pinned_carer", "c2"), "pinned", {"c2"}, {"v1"}),
    ("double_up-different-starts", late_c2, "double_up", {None}, {"v3"}),
    ("double_up-twice-in-one-run", then_kpis(c1_does_both_halves_of_v3), "double_up", {"c1"}, {"v3"}),
    ("max_visits", set_("p.carers.c1.max_visits", 2), "max_visits", {"c1"}, {None}),
    ("max_working", set_("p.carers.c1.max_working_min", 179), "max_working", {"c1"}, {None}),
    ("capacity", set_("p.carers.c1.capacity", 1), "capacity", {"c1"}, {None}),
    ("break-missing", set_("s.runs.c2.breaks", []), "break", {"c2"}, {None}),
    ("break-duration", set_("s.runs.c2.breaks.0", {"start": "12:30", "end": "12:40"}),
     "break", {"c2"}, {None}),
    ("break-outside-window", set_("s.runs.c2.breaks.0", {"start": "13:35", "end": "13:50"}),
     "break", {"c2"}, {None}),
    ("break-overlaps-visit", c2_break_window("11:00", "12:00", ("11:40", "11:55")), "break", {"c2"}, {"v3"}),
    ("break-straddles-run-start", c2_break_window("11:00", "13:30", ("11:00", "11:15")),
     "break", {"c2"}, {None}),
    ("break-straddles-run-end", c2_break_window("11:00", "13:30", ("12:00", "12:15")),
     "break", {"c2"}, {None}),
    ("break-gap-too-short", then_kpis(c1_gap_too_short), "break", {"c1"}, {"v3"}),
    ("break-overlaps-break", then_kpis(c1_two_overlapping_breaks), "break", {"c1"}, {None}),
    ("min_gap-too-close", set_("p.visits.v2.after", [{"visit_id": "v1", "min_gap_min": 90}]),
     "min_gap", {None}, {"v2"}),
    ("min_gap-too-far", set_("p.visits.v3.after", [{"visit_id": "v1", "max_gap_min": 120}]),
     "min_gap", {None}, {"v3"}),
    ("carers_per_client_cap", set_("p.continuity", {"max_carers_per_client": 1}),
     "carers_per_client_cap", {None}, {None}),
    ("reason_code-blank", set_reason("NO_SKILLED_CARER", "  "), "reason_code", {None}, {"v4"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "rule", "carer_ids", "visit_ids"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_each_rule_is_reported_alone(
    chk_problem: Json,
    chk_solution: Json,
    mutate: Mutation,
    rule: str,
    carer_ids: set[str | None],
    visit_ids: set[str | None],
) -> None:
    mutate(chk_problem, chk_solution)
    violations = run_check(chk_problem, chk_solution)
    assert violations, "the broken plan passed"
    assert {v.rule for v in violations} == {rule}, format_report(violations)
    assert {v.carer_id for v in violations} == carer_ids
    assert {v.visit_id for v in violations} == visit_ids


def test_every_rule_has_a_case() -> None:
    tested = {c[2] for c in CASES} | {"kpis", "reason_code"}
    assert tested == set(RULES)


@pytest.mark.parametrize(
    "field",
    ["visits", "visits_assigned", "double_ups", "double_ups_assigned", "care_s", "travel_s", "distance_m",
     "wait_s", "carers_used", "travel_per_care_hour_min"],
)  # fmt: skip
def test_each_kpi_is_checked(chk_problem: Json, chk_solution: Json, field: str) -> None:
    chk_solution["kpis"][field] += 1
    violations = run_check(chk_problem, chk_solution)
    assert [v.rule for v in violations] == ["kpis"]
    assert field in violations[0].message


def test_unknown_reason_code_is_reported(chk_problem: Json, chk_solution: Json) -> None:
    """The model only admits contract codes; a Solution built without validation may not."""
    solution = Solution.model_validate(chk_solution)
    solution.unassigned[0].code = "BOGUS"  # type: ignore[assignment]
    violations = check(Problem.model_validate(chk_problem), solution)
    assert [(v.rule, v.visit_id) for v in violations] == [("reason_code", "v4")]


# --------------------------------------------------------------------------- several at once, report


def test_every_violation_is_reported_in_a_stable_order(chk_problem: Json, chk_solution: Json) -> None:
    chk_solution["problem_id"] = "other"
    set_("p.visits.v1.window", {"start": "09:10", "end": "09:30"})(chk_problem, chk_solution)
    carer(chk_problem, "c1")["capacity"] = 1
    chk_solution["runs"][1]["breaks"] = []
    first = run_check(chk_problem, chk_solution)
    assert [v.rule for v in first] == ["problem_id", "window", "capacity", "break"]
    assert run_check(chk_problem, chk_solution) == first


def test_format_report_and_to_dict() -> None:
    assert format_report([]).startswith("OK")
    violations = [Violation("window", "starts too early", "c1", "v1"), Violation("status", "wrong")]
    text = format_report(violations)
    assert text.splitlines()[0] == "2 violations (status 1, window 1):"
    assert "[window] carer c1, visit v1: starts too early" in text
    assert "[status] wrong" in text
    assert violations[0].to_dict() == {"rule": "window", "message": "starts too early", "carer_id": "c1",
                                       "visit_id": "v1"}  # fmt: skip


def test_checker_does_not_import_ortools() -> None:
    code = "import sys, solver.analysis.check; assert 'ortools' not in sys.modules, 'ortools imported'"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- property: forward timing


def square(n: int) -> st.SearchStrategy[list[list[int]]]:
    """An n x n matrix of 0-1800 with a zero diagonal."""
    row = st.lists(st.integers(0, 1800), min_size=n, max_size=n)
    return st.lists(row, min_size=n, max_size=n).map(
        lambda m: [[0 if i == j else x for j, x in enumerate(r)] for i, r in enumerate(m)]
    )


def around(draw: st.DrawFn, lo: int, hi: int) -> Json:
    """A window containing [lo, hi], up to an hour wider on either side."""
    return {"start": max(0, lo - draw(st.integers(0, 3600))), "end": hi + draw(st.integers(0, 3600))}


def forward_time(draw: st.DrawFn, plan: Json) -> tuple[list[Json], list[Json], int, tuple[int, int] | None]:
    """Visits, stops, run end and the break taken, by leaving at ``plan['start']`` and going on.

    The break is taken as soon as its gap opens (gap index ``plan['break_gap']``), or after
    the run when that index is -1; each stop starts after a random wait.
    """
    dur, dist, places = plan["dur"], plan["dist"], plan["places"]
    visits: list[Json] = []
    stops: list[Json] = []
    taken: tuple[int, int] | None = None
    t, prev = plan["start"], 0
    for k, (here, minutes) in enumerate([*plan["route"], (plan["end_place"], None)]):
        in_gap = plan["break_s"] if plan["break_gap"] == k else 0
        if plan["break_gap"] == k:
            taken = (t, t + in_gap)
        arrival = t + dur[prev][here] + in_gap
        if minutes is None:
            break
        start = arrival + draw(st.integers(0, 1200))
        vid = f"v{k}"
        visits.append({"id": vid, "location": places[here], "window": around(draw, start, start),
                       "duration_min": minutes, "demand": draw(st.integers(0, 3))})  # fmt: skip
        stops.append({"visit_id": vid, "arrival": arrival, "start": start, "end": start + 60 * minutes,
                      "travel_s": dur[prev][here], "distance_m": dist[prev][here],
                      "wait_s": start - arrival})  # fmt: skip
        t, prev = start + 60 * minutes, here
    if plan["break_gap"] == -1:
        after = arrival + draw(st.integers(0, 600))
        taken = (after, after + plan["break_s"])
    return visits, stops, arrival, taken


@st.composite
def single_run_plans(draw: st.DrawFn) -> tuple[Json, Json]:
    """A random problem and a valid one-carer plan for it, built by forward timing.

    Place 0 is home; the carer may end elsewhere; shift, break window and limits are drawn
    wide enough to contain what was built.
    """
    n = draw(st.integers(2, 5))
    route = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 60)), max_size=6))
    plan = {
        "places": [{"lat": 50.0 + i / 100, "lon": 0.5} for i in range(n)],
        "dur": draw(square(n)),
        "dist": draw(square(n)),
        "route": route,
        "end_place": draw(st.integers(0, n - 1)),
        "break_gap": draw(st.integers(-2, len(route))),  # -2: no break, -1: after the run
        "break_s": 60 * draw(st.integers(0, 45)),
        "start": draw(st.integers(6 * 3600, 8 * 3600)),
    }
    visits, stops, end, taken = forward_time(draw, plan)
    working = end - plan["start"] - (plan["break_s"] if plan["break_gap"] >= 0 else 0)
    carer = {
        "id": "c",
        "start": plan["places"][0],
        "end": plan["places"][plan["end_place"]],
        "shift": around(draw, plan["start"], end + 1),
        "breaks": [] if taken is None else [{"window": around(draw, taken[0], taken[0]),
                                             "duration_min": plan["break_s"] // 60}],
        "max_working_min": math.ceil(working / 60) + draw(st.integers(0, 30)),
        "max_visits": len(stops) + draw(st.integers(0, 2)),
        "capacity": sum(v["demand"] for v in visits) + draw(st.integers(0, 2)),
    }  # fmt: skip
    travel = {"model": "matrix", "locations": plan["places"],
              "durations_s": {"car": plan["dur"]}, "distances_m": {"car": plan["dist"]}}  # fmt: skip
    problem = {"id": "prop", "carers": [carer], "visits": visits, "travel": travel}
    last = route[-1][0] if route else 0
    home_s, home_m = plan["dur"][last][plan["end_place"]], plan["dist"][last][plan["end_place"]]
    the_run = {
        "carer_id": "c", "start": plan["start"], "end": end, "stops": stops,
        "breaks": [] if taken is None else [{"start": taken[0], "end": taken[1]}],
        "travel_s": sum(s["travel_s"] for s in stops) + home_s,
        "distance_m": sum(s["distance_m"] for s in stops) + home_m,
        "care_s": sum(60 * m for _, m in route), "wait_s": sum(s["wait_s"] for s in stops),
    }  # fmt: skip
    solution = {"problem_id": "prop", "status": "solved", "runs": [the_run], "kpis": {},
                "solver": {"engine": "forward", "wall_s": 0.0, "seed": 0}}  # fmt: skip
    solution["kpis"] = fresh_kpis(problem, solution)
    return problem, solution


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_run_plans())
def test_forward_timed_single_runs_are_valid(plan: tuple[Json, Json]) -> None:
    problem, solution = plan
    violations = run_check(problem, solution)
    assert violations == [], format_report(violations)


def test_gaps_and_cap_that_hold_pass(chk_problem: Json, chk_solution: Json) -> None:
    """v2 starts 60 min after v1 and v3 150 min after it; v3's client sees two carers."""
    visit(chk_problem, "v2")["after"] = [{"visit_id": "v1", "min_gap_min": 60, "max_gap_min": 60}]
    visit(chk_problem, "v3")["after"] = [{"visit_id": "v1", "min_gap_min": 150}]
    visit(chk_problem, "v4")["after"] = [{"visit_id": "v1", "min_gap_min": 600}]  # v4 unassigned
    chk_problem["continuity"] = {"max_carers_per_client": 2}
    assert run_check(chk_problem, chk_solution) == []


def test_cap_counts_carers_across_a_clients_visits(chk_problem: Json, chk_solution: Json) -> None:
    for vid in ("v1", "v2"):
        visit(chk_problem, vid)["client_id"] = "k"
    chk_problem["continuity"] = {"max_carers_per_client": 2}
    assert run_check(chk_problem, chk_solution) == []  # k: c1 only; v3: c1 and c2
    visit(chk_problem, "v3")["client_id"] = "k"
    violations = run_check(chk_problem, chk_solution)
    assert [v.rule for v in violations] == []  # still c1, c2
    chk_problem["continuity"] = {"max_carers_per_client": 1}
    violations = run_check(chk_problem, chk_solution)
    assert [v.rule for v in violations] == ["carers_per_client_cap"]
    assert "client k is served by 2 carers (c1, c2)" in violations[0].message
