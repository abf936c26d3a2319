"""Tests for solver/engine/extract.py: gaps, break placement and contract runs from solved sequences.

Travel is the explicit matrix of test_engine.py (home H and places A, B, C; 10 minutes from H to
anywhere, 5 minutes between A, B and C), with distances of 5 km from H and 2 km between places.
"""

from __future__ import annotations

import pytest

from solver.engine.extract import BreakPlacementError, Gap, build_run, build_solution, place_breaks
from solver.model.clock import parse_time
from tests.solver.tiny import MIN, A, B, C, brk, carer, compiled, visit


def t(text: str) -> int:
    return parse_time(text)


# --------------------------------------------------------------------------- Gap: between two visits


def middle() -> Gap:
    """A visit ends 09:30, the next starts 10:00, 10 min of driving between them."""
    return Gap(t("09:30"), t("10:00"), 10 * MIN)


def test_middle_gap_bounds_are_its_ends() -> None:
    assert middle().bounds() == (t("09:30"), t("10:00"))
    assert middle().used() == 10 * MIN


def test_middle_gap_takes_a_break_only_if_travel_and_breaks_fit() -> None:
    g = middle()
    assert g.accepts(t("09:35"), 20 * MIN)  # 10 + 20 = 30 min, the whole gap
    assert not g.accepts(t("09:35"), 21 * MIN)  # 31 min
    assert not g.accepts(t("09:25"), 10 * MIN)  # over the visit before
    assert not g.accepts(t("09:45"), 20 * MIN)  # runs into the next visit


def test_middle_gap_bounds_fail_when_overfilled() -> None:
    g = Gap(t("09:30"), t("10:00"), 10 * MIN, breaks=[(t("09:30"), 15 * MIN), (t("09:45"), 10 * MIN)])
    assert g.used() == 35 * MIN
    assert g.bounds() is None


def test_middle_gap_earliest_fit() -> None:
    assert middle().earliest_fit(t("09:00"), t("10:00"), 20 * MIN) == t("09:30")
    assert middle().earliest_fit(t("09:40"), t("10:00"), 20 * MIN) == t("09:40")  # ends 10:00
    assert middle().earliest_fit(t("09:41"), t("10:00"), 20 * MIN) is None  # would end 10:01
    assert middle().earliest_fit(t("09:00"), t("10:00"), 25 * MIN) is None  # 10 + 25 > 30
    assert middle().earliest_fit(t("09:00"), t("09:20"), 5 * MIN) is None  # window closes first


def test_middle_gap_earliest_fit_skips_a_break_already_there() -> None:
    g = Gap(t("09:30"), t("10:10"), 10 * MIN, breaks=[(t("09:30"), 10 * MIN)])
    assert g.earliest_fit(t("09:00"), t("10:00"), 10 * MIN) == t("09:40")
    assert not g.accepts(t("09:35"), 10 * MIN)  # overlaps the break at 09:30


# --------------------------------------------------------------------------- Gap: leaving home


def start_gap() -> Gap:
    """Shift starts 07:00, the first visit at 09:00 is 10 min from home."""
    return Gap(t("07:00"), t("09:00"), 10 * MIN, "start")


def test_start_gap_leaves_as_late_as_possible() -> None:
    assert start_gap().bounds() == (t("08:50"), t("09:00"))


def test_start_gap_break_before_departure_is_outside_the_run() -> None:
    g = start_gap()
    assert g.accepts(t("08:00"), 30 * MIN)
    g.breaks.append((t("08:00"), 30 * MIN))
    assert g.bounds() == (t("08:50"), t("09:00"))  # departure unchanged
    assert g.inside(t("08:50"), t("12:00")) == 0


def test_start_gap_break_before_the_shift_is_not_bound_by_it() -> None:
    g = start_gap()
    assert g.accepts(t("06:00"), 30 * MIN)
    g.breaks.append((t("06:00"), 30 * MIN))
    assert g.bounds() == (t("08:50"), t("09:00"))


def test_start_gap_break_inside_moves_the_departure_earlier() -> None:
    g = start_gap()
    assert g.accepts(t("08:45"), 15 * MIN)
    g.breaks.append((t("08:45"), 15 * MIN))
    assert g.bounds() == (t("08:35"), t("09:00"))  # 10 min driving + 15 min break
    assert g.inside(t("08:35"), t("12:00")) == 15 * MIN


def test_start_gap_rejects_a_break_that_needs_leaving_before_the_shift() -> None:
    g = Gap(t("08:40"), t("09:00"), 10 * MIN, "start")  # shift starts 08:40
    assert not g.accepts(t("08:45"), 15 * MIN)  # would need to leave at 08:35
    assert g.accepts(t("08:45"), 10 * MIN)  # leave 08:40
    assert not g.accepts(t("08:55"), 10 * MIN)  # over the first visit


def test_start_gap_earliest_fit() -> None:
    assert start_gap().earliest_fit(t("08:00"), t("08:30"), 30 * MIN) == t("08:00")
    assert start_gap().earliest_fit(t("09:30"), t("10:00"), 30 * MIN) is None  # after the visit starts


# --------------------------------------------------------------------------- Gap: going home


def end_gap(shift_end: str = "14:00") -> Gap:
    """The last visit ends 12:00, home is 10 min away."""
    return Gap(t("12:00"), t(shift_end), 10 * MIN, "end")


def test_end_gap_comes_home_as_early_as_possible() -> None:
    assert end_gap().bounds() == (t("12:00"), t("12:10"))


def test_end_gap_break_after_the_return_is_not_bound_by_the_shift() -> None:
    g = end_gap()
    assert g.accepts(t("13:50"), 30 * MIN)  # ends 14:20, after the shift: the carer is home
    g.breaks.append((t("13:50"), 30 * MIN))
    assert g.bounds() == (t("12:00"), t("12:10"))
    assert g.inside(t("08:00"), t("12:10")) == 0


def test_end_gap_break_inside_makes_the_return_later() -> None:
    g = end_gap()
    assert g.accepts(t("12:05"), 15 * MIN)
    g.breaks.append((t("12:05"), 15 * MIN))
    assert g.bounds() == (t("12:00"), t("12:25"))
    assert g.inside(t("08:00"), t("12:25")) == 15 * MIN


def test_end_gap_break_inside_is_bound_by_the_shift_end() -> None:
    g = end_gap("12:20")
    assert not g.accepts(t("12:05"), 15 * MIN)  # home at 12:25, shift ends 12:20
    assert g.accepts(t("12:10"), 15 * MIN)  # once home: off the run
    assert not g.accepts(t("11:50"), 15 * MIN)  # over the last visit


def test_end_gap_earliest_fit_falls_back_to_after_the_return() -> None:
    assert end_gap("12:20").earliest_fit(t("12:00"), t("13:00"), 15 * MIN) == t("12:10")


def test_end_gap_earliest_fit() -> None:
    assert end_gap().earliest_fit(t("11:00"), t("13:00"), 30 * MIN) == t("12:00")
    assert end_gap().earliest_fit(t("13:00"), t("15:00"), 30 * MIN) == t("13:00")


# --------------------------------------------------------------------------- place_breaks


def three_gaps() -> list[Gap]:
    """Visits 09:00-09:30 at A and 10:00-10:30 at B for a carer on shift 07:00-14:00."""
    return [
        Gap(t("07:00"), t("09:00"), 10 * MIN, "start"),
        Gap(t("09:30"), t("10:00"), 5 * MIN),
        Gap(t("10:30"), t("14:00"), 10 * MIN, "end"),
    ]


def test_place_breaks_prefers_a_valid_hint() -> None:
    cp, _ = compiled([carer("c1", breaks=[brk("09:30", "10:30", 20)])], [])
    gaps = three_gaps()
    assert place_breaks(cp, 0, gaps, [t("09:35")]) == [t("09:35")]
    assert gaps[1].breaks == [(t("09:35"), 20 * MIN)]


def test_place_breaks_without_a_hint_takes_the_earliest_fit_between_visits() -> None:
    cp, _ = compiled([carer("c1", breaks=[brk("09:30", "10:30", 20)])], [])
    assert place_breaks(cp, 0, three_gaps(), []) == [t("09:30")]


def test_place_breaks_ignores_a_hint_outside_the_window_or_without_room() -> None:
    cp, _ = compiled([carer("c1", breaks=[brk("09:30", "10:30", 20)])], [])
    assert place_breaks(cp, 0, three_gaps(), [t("09:00")]) == [t("09:30")]  # outside the window
    # 10:00 is inside the window but during the visit at B: the break goes after it
    gaps = three_gaps()
    assert place_breaks(cp, 0, gaps, [t("10:00")]) == [t("09:30")]


def test_place_breaks_returns_starts_in_the_carers_order() -> None:
    breaks = [brk("12:00", "13:00", 30), brk("08:00", "08:30", 15)]
    cp, _ = compiled([carer("c1", breaks=breaks)], [])
    gaps = three_gaps()
    assert place_breaks(cp, 0, gaps, []) == [t("12:00"), t("08:00")]
    assert gaps[0].breaks == [(t("08:00"), 15 * MIN)]
    assert gaps[2].breaks == [(t("12:00"), 30 * MIN)]


def test_place_breaks_is_none_when_no_gap_has_room() -> None:
    cp, _ = compiled([carer("c1", breaks=[brk("09:05", "09:10", 20)])], [])  # during the visit at A
    assert place_breaks(cp, 0, three_gaps(), []) is None


# --------------------------------------------------------------------------- build_run

TWO_VISITS = [visit("v0", A, "08:00", "09:00"), visit("v1", B, "10:00", "10:00")]


def test_build_run_figures_by_hand() -> None:
    cp, nodes = compiled([carer("c1", breaks=[brk("09:30", "10:30", 20)])], TWO_VISITS)
    run = build_run(cp, nodes, 0, [(0, t("09:00")), (1, t("10:00"))], [t("09:30")])
    assert run.carer_id == "c1"
    # leaves as late as possible for A at 09:00, not at shift start nor at A's window start
    assert run.start == t("08:50")
    first, second = run.stops
    assert (first.visit_id, first.arrival, first.start, first.end) == (
        "v0",
        t("09:00"),
        t("09:00"),
        t("09:30"),
    )
    assert (first.travel_s, first.distance_m, first.wait_s) == (600, 5000, 0)
    # 09:30 + break 20 min + 5 min drive = 09:55, then waits 5 min for 10:00
    assert (second.visit_id, second.arrival, second.start, second.end) == (
        "v1",
        t("09:55"),
        t("10:00"),
        t("10:30"),
    )
    assert (second.travel_s, second.distance_m, second.wait_s) == (300, 2000, 300)
    assert [(b.start, b.end) for b in run.breaks] == [(t("09:30"), t("09:50"))]
    assert run.end == t("10:40")
    assert (run.travel_s, run.distance_m, run.care_s, run.wait_s) == (1500, 12000, 3600, 300)


def test_build_run_break_before_departure_leaves_the_start_alone() -> None:
    cp, nodes = compiled([carer("c1", breaks=[brk("07:30", "08:30", 30)])], TWO_VISITS)
    run = build_run(cp, nodes, 0, [(0, t("09:00")), (1, t("10:00"))], [t("08:00")])
    assert [(b.start, b.end) for b in run.breaks] == [(t("08:00"), t("08:30"))]
    assert run.start == t("08:50")
    assert run.stops[0].arrival == t("09:00")


def test_build_run_break_on_the_way_moves_the_start_earlier() -> None:
    cp, nodes = compiled([carer("c1", breaks=[brk("08:30", "08:45", 15)])], TWO_VISITS)
    run = build_run(cp, nodes, 0, [(0, t("09:00")), (1, t("10:00"))], [t("08:45")])
    assert [(b.start, b.end) for b in run.breaks] == [(t("08:45"), t("09:00"))]
    assert run.start == t("08:35")
    assert run.stops[0].arrival == t("09:00")  # 08:35 + 10 min drive + 15 min break
    assert run.stops[0].wait_s == 0


def test_build_run_break_after_return_leaves_the_end_alone() -> None:
    cp, nodes = compiled([carer("c1", breaks=[brk("13:00", "14:00", 30)])], TWO_VISITS)
    run = build_run(cp, nodes, 0, [(0, t("09:00")), (1, t("10:00"))], [t("13:45")])
    assert [(b.start, b.end) for b in run.breaks] == [(t("13:45"), t("14:15"))]  # past shift end: off
    assert run.end == t("10:40")


def test_build_run_waits_when_the_next_visit_starts_later() -> None:
    cp, nodes = compiled([carer("c1")], [visit("v0", A, "09:00", "09:00"), visit("v1", C, "11:00", "11:00")])
    run = build_run(cp, nodes, 0, [(0, t("09:00")), (1, t("11:00"))], [])
    assert run.stops[1].arrival == t("09:35")
    assert run.stops[1].wait_s == t("11:00") - t("09:35")
    assert run.wait_s == run.stops[1].wait_s
    assert run.breaks == []


def test_build_run_raises_when_breaks_cannot_be_placed() -> None:
    cp, nodes = compiled([carer("c1", breaks=[brk("09:05", "09:10", 20)])], TWO_VISITS)
    with pytest.raises(BreakPlacementError, match="c1"):
        build_run(cp, nodes, 0, [(0, t("09:00")), (1, t("10:00"))], [])


def test_build_run_without_a_hint_takes_a_break_once_home() -> None:
    # shift ends 09:45: the break (09:30-10:30, 15 min) fits only once home at 09:40
    carers = [carer("c1", shift={"start": "07:00", "end": "09:45"}, breaks=[brk("09:30", "10:30", 15)])]
    cp, nodes = compiled(carers, [visit("v0", A, "09:00", "09:00")])
    assert build_run(cp, nodes, 0, [(0, t("09:00"))], [t("09:40")]).end == t("09:40")  # with the hint
    run = build_run(cp, nodes, 0, [(0, t("09:00"))], [])
    assert [(b.start, b.end) for b in run.breaks] == [(t("09:40"), t("09:55"))]
    assert run.end == t("09:40")


def test_build_solution_reports_runs_unassigned_and_kpis() -> None:
    cp, nodes = compiled(
        [carer("c1"), carer("c2")],
        [*TWO_VISITS, visit("early", C, "05:00", "06:00")],
    )
    solution = build_solution(
        cp,
        nodes,
        [[(0, t("09:00")), (1, t("10:00"))], []],
        [[], []],
        engine="test",
        wall_s=0.0,
        seed=0,
        objective=None,
        time_limit_s=1.0,
        notes=[],
        first_solution="none",
    )
    assert solution.status == "partial"
    assert [r.carer_id for r in solution.runs] == ["c1"]  # no run for an idle carer
    assert [(u.visit_id, u.code) for u in solution.unassigned] == [("early", "NO_CARER_IN_WINDOW")]
    assert solution.kpis.visits_assigned == 2
    assert solution.kpis.travel_s == 1500
