"""Regular carers from visit history (solver/analysis/continuity.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from solver.analysis.continuity import familiar_carers, primary_carers, regular_carers, week_carers
from solver.engine import solve
from solver.engine.compiled import compile_problem
from tests.solver.tiny import carer, problem, visit


def entries(client: str, carers: str) -> list[dict[str, Any]]:
    """One history entry per character: "1123" = c1 twice, then c2, then c3."""
    return [
        {"date": f"2026-11-{10 + i}", "client_id": client, "carer_id": f"c{c}"} for i, c in enumerate(carers)
    ]


def test_most_frequent_carers_first_ties_by_id() -> None:
    p = problem(
        [carer(f"c{i}") for i in range(1, 5)],
        [visit("v1", client_id="k", preferred_carers=["c4"])],
        {"history": entries("k", "3321144"), "continuity": {"regular_carers": 2}},
    )
    # c1, c3 and c4 came twice each, c2 once: the tie goes by carer id, so c1 and c3
    assert regular_carers(p) == {"k": ["c1", "c3"]}
    assert familiar_carers(p) == {"v1": {"c1", "c3", "c4"}}


def test_carers_off_the_rota_do_not_count() -> None:
    history = [*entries("k", "999"), {"date": "2026-11-20", "client_id": "k", "carer_id": "c2"}]
    p = problem([carer("c1"), carer("c2")], [visit("v1", client_id="k")], {"history": history})
    assert regular_carers(p) == {"k": ["c2"]}


def test_zero_regular_carers_leaves_only_preferences() -> None:
    p = problem(
        [carer("c1")],
        [visit("v1", client_id="k")],
        {"history": entries("k", "1"), "continuity": {"regular_carers": 0}},
    )
    assert regular_carers(p) == {}
    assert familiar_carers(p) == {"v1": set()}


def test_a_regular_needs_a_minimum_share_of_the_past_visits() -> None:
    carers = [carer(f"c{i}") for i in range(1, 4)]
    visits = [visit("v1", client_id="k")]
    # c1 8 of 10 visits, c2 and c3 one each (10%): only c1 is a regular at the default 20%
    p = problem(carers, visits, {"history": entries("k", "1111111123")})
    assert regular_carers(p) == {"k": ["c1"]}
    looser = problem(
        carers, visits, {"history": entries("k", "1111111123"), "continuity": {"regular_min_share": 0.1}}
    )
    assert regular_carers(looser) == {"k": ["c1", "c2", "c3"]}


def test_primary_carer_counts_carers_off_the_rota() -> None:
    p = problem([carer("c1")], [visit("v1", client_id="k")], {"history": entries("k", "9991")})
    assert primary_carers(p) == {"k": "c9"}


def test_week_carers_are_the_six_days_before_the_date() -> None:
    history = [
        {"date": "2026-11-19", "client_id": "k", "carer_id": "c1"},  # seven days before: out
        {"date": "2026-11-20", "client_id": "k", "carer_id": "c2"},
        {"date": "2026-11-25", "client_id": "k", "carer_id": "c3"},
    ]
    p = problem([carer("c1")], [visit("v1", client_id="k")], {"history": history}).model_copy(
        update={"date": date(2026, 11, 26)}
    )
    assert week_carers(p) == {"k": {"c2", "c3"}}


def test_a_new_face_beyond_the_weekly_cap_costs_the_week_cost() -> None:
    history = [{"date": f"2026-11-2{d}", "client_id": "k", "carer_id": c} for d, c in enumerate(["c1", "c2"])]
    carers = [carer("c1"), carer("c2"), carer("c3")]
    rules = {"max_carers_per_week": 2, "week_cost_min": 45, "regular_carers": 0}
    p = problem(
        carers,
        [visit("v1", client_id="k"), visit("v2", client_id="n")],
        {"history": history, "continuity": rules},
    )
    cost = compile_problem(p).r.cont_cost
    assert cost[0].tolist() == [0, 0, 45 * 60]  # k has seen c1 and c2: c3 would be a third face
    assert cost[1].tolist() == [0, 0, 0]  # n has seen nobody this week
    under = problem(
        carers,
        [visit("v1", client_id="k")],
        {"history": history, "continuity": {**rules, "max_carers_per_week": 3}},
    )
    assert compile_problem(under).r.cont_cost[0].tolist() == [0, 0, 0]


def test_the_engine_keeps_a_client_under_the_weekly_cap() -> None:
    """c3 is as good as c1 for travel; only the weekly cap tells them apart for k's visit."""
    history = [{"date": f"2026-11-2{d}", "client_id": "k", "carer_id": c} for d, c in enumerate(["c1", "c2"])]
    rules = {"max_carers_per_week": 2, "regular_carers": 0}
    p = problem(
        [carer("c3"), carer("c1")], [visit("v1", client_id="k")], {"history": history, "continuity": rules}
    )
    plan = solve(p)
    assert [r.carer_id for r in plan.runs if r.stops] == ["c1"]
