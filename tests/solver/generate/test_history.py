"""Tests for the seeded visit-history generator (solver/generate/history.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from solver.analysis.pay import DAY_S, WTR_DAILY_REST_S, last_finishes
from solver.engine.search import solve
from solver.generate.day import generate_day
from solver.generate.history import generate_history, main, regular_share
from solver.io.documents import load_problem
from solver.model.problem import HistoryEntry, Problem
from tests.solver.tiny import A, B, C, carer, problem, visit

ROOT = Path(__file__).resolve().parents[3]


def small() -> object:
    carers = [carer(f"c{i}", skills=["hoist"] if i < 3 else []) for i in range(6)]
    visits = [
        visit("v1", A, client_id="k1"),
        visit("v2", B, "12:00", "13:00", client_id="k1"),
        visit("v3", C, skills=["hoist"], client_id="k2", carers_required=2),
    ]
    return problem(carers, visits).model_copy(update={"date": None})


def test_one_entry_per_visit_copy_per_day_on_the_days_before() -> None:
    p = small()
    history = generate_history(p, days=7, seed=1)  # type: ignore[arg-type]
    assert len(history) == 7 * (1 + 1 + 2)
    assert sorted({h["date"] for h in history}) == [f"2026-11-{d}" for d in range(19, 26)]
    per_day = Counter((h["date"], h["client_id"]) for h in history)
    assert set(per_day.values()) == {2}  # k1 two visits, k2 one double-up


def test_only_carers_allowed_to_do_the_visits_appear() -> None:
    history = generate_history(small(), days=7, seed=2)  # type: ignore[arg-type]
    assert {h["carer_id"] for h in history if h["client_id"] == "k2"} <= {"c0", "c1", "c2"}


def test_same_seed_same_history_other_seed_other_history() -> None:
    p = load_problem(ROOT / "instances" / "homecare" / "zone.json")
    assert generate_history(p, seed=3) == generate_history(p, seed=3)
    assert generate_history(p, seed=3) != generate_history(p, seed=4)


def test_zone_history_is_mostly_regular_carers_with_churn() -> None:
    p = load_problem(ROOT / "instances" / "homecare" / "zone.json")
    history = generate_history(p, seed=0)
    share = regular_share(p, history, regulars=3)
    assert 0.75 <= share < 0.98  # mostly regulars, but not a perfect week
    carers_per_client = Counter(
        h["client_id"] for h in {(h["client_id"], h["carer_id"]): h for h in history}.values()
    )
    assert max(carers_per_client.values()) > 3


def test_past_days_keep_each_carer_inside_todays_shift() -> None:
    """A carer's past visits fit her shift, so her days keep the 11 hours of rest between them."""
    p = load_problem(ROOT / "instances" / "homecare" / "zone.json")
    carers = {c.id: c for c in p.carers}
    visits: dict[str, list[object]] = {}
    for v in p.visits:
        visits.setdefault(v.client, []).append(v)
    for h in generate_history(p, seed=0):
        shift = carers[h["carer_id"]].shift
        assert any(
            shift.start <= v.window.start and v.window.end + v.duration_s <= shift.end  # type: ignore[attr-defined]
            for v in visits[h["client_id"]]
        ), h


def test_command_writes_the_contract_document(tmp_path: Path) -> None:
    out = tmp_path / "h.json"
    assert main([str(ROOT / "instances" / "homecare" / "small.json"), "-o", str(out), "--days", "2"]) == 0
    doc = json.loads(out.read_text())
    assert set(doc) == {"history"} and set(doc["history"][0]) == {"date", "client_id", "carer_id", "end"}
    assert main([str(tmp_path / "missing.json")]) == 2


def with_history(problem: Problem, seed: int = 0) -> Problem:
    entries = [HistoryEntry.model_validate(h) for h in generate_history(problem, seed=seed)]
    return problem.model_copy(update={"history": entries})


def test_every_entry_ends_inside_the_carers_shift_and_keeps_eleven_hours_rest() -> None:
    """Each past day's last finish leaves 11 hours before the carer's shift starts today."""
    p = with_history(load_problem(ROOT / "instances" / "homecare" / "zone.json"))
    shifts = {c.id: c.shift for c in p.carers}
    assert all(
        h.end is not None and shifts[h.carer_id].start < h.end <= shifts[h.carer_id].end for h in p.history
    )
    finishes = last_finishes(p)
    assert len(finishes) > len(p.carers) // 2  # most carers worked yesterday
    for carer_id, finish in finishes.items():
        assert DAY_S - finish + shifts[carer_id].start >= WTR_DAILY_REST_S, carer_id


def test_a_planned_generated_day_has_no_working_time_or_wage_flags() -> None:
    """The generator's shifts, breaks and history let a plan keep the Working Time Regulations
    and the National Living Wage: no run is flagged WTR_* or BELOW_NLW."""
    p = with_history(generate_day("Warminster", visits=80, seed=4))
    plan = solve(p, time_limit_s=3, seed=0)
    assert plan.runs and all(r.pay is not None for r in plan.runs if r.stops)
    flags = [(r.carer_id, f) for r in plan.runs if r.pay is not None for f in r.pay.flags]
    assert flags == []
