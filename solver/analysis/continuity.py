"""Continuity of care: which carers a client already knows, from preferences and history.

A client's *regular* carers are the ``continuity.regular_carers`` carers of today's rota with
the most past visits to that client (ties broken by carer id). Only carers on today's rota
count: an absent regular cannot be sent, and the next most familiar face is the better choice.
A visit's *familiar* carers are its ``preferred_carers`` plus its client's regular carers.
"""

from __future__ import annotations

from collections import Counter

from solver.model.problem import Problem, Visit


def regular_carers(problem: Problem) -> dict[str, list[str]]:
    """client id -> its regular carers, most visits first."""
    rota = {c.id for c in problem.carers}
    counts: dict[str, Counter[str]] = {}
    for entry in problem.history:
        if entry.carer_id in rota:
            counts.setdefault(entry.client_id, Counter())[entry.carer_id] += 1
    keep = problem.continuity.regular_carers
    return {
        client: [cid for cid, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]]
        for client, seen in counts.items()
        if keep > 0
    }


def familiar_carers(problem: Problem) -> dict[str, set[str]]:
    """visit id -> carers that keep continuity for it (empty: the visit has no continuity)."""
    regular = regular_carers(problem)
    return {v.id: _familiar(v, regular) for v in problem.visits}


def _familiar(visit: Visit, regular: dict[str, list[str]]) -> set[str]:
    return set(visit.preferred_carers) | set(regular.get(visit.client, []))
