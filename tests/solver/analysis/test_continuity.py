"""Regular carers from visit history (solver/analysis/continuity.py)."""

from __future__ import annotations

from typing import Any

from solver.analysis.continuity import familiar_carers, regular_carers
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
