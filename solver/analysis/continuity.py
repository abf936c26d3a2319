"""Continuity of care: which carers a client already knows, from preferences and history.

A client's *regular* carers are the ``continuity.regular_carers`` carers of today's rota with
the most past visits to that client (ties broken by carer id), each with at least
``continuity.regular_min_share`` of those visits: a carer who came once in a fortnight is not a
face the client knows. Only carers on today's rota count: an absent regular cannot be sent, and
the next most familiar face is the better choice. A visit's *familiar* carers are its
``preferred_carers`` plus its client's regular carers.

A client's *primary* carer is the one with the most past visits, on today's rota or not: the
face the client sees most, against which "seeing the same faces" is measured. The *week* is
the six days of history before the problem's date plus today (all history when the date is
not given); ``week_carers`` is who a client has seen in it so far.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from solver.model.problem import HistoryEntry, Problem, Visit

WEEK_DAYS = 7  # today and the six days before it


def _past_counts(history: list[HistoryEntry]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {}
    for entry in history:
        counts.setdefault(entry.client_id, Counter())[entry.carer_id] += 1
    return counts


def _most_first(seen: Counter[str]) -> list[str]:
    return [cid for cid, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))]


def regular_carers(problem: Problem) -> dict[str, list[str]]:
    """client id -> its regular carers, most visits first."""
    rota = {c.id for c in problem.carers}
    keep = problem.continuity.regular_carers
    floor = problem.continuity.regular_min_share
    out: dict[str, list[str]] = {}
    for client, seen in _past_counts(problem.history).items():
        total = sum(seen.values())
        regular = [c for c in _most_first(seen) if c in rota and seen[c] >= floor * total - 1e-9]
        if keep > 0 and regular:
            out[client] = regular[:keep]
    return out


def primary_carers(problem: Problem) -> dict[str, str]:
    """client id -> the carer with the most past visits to the client (ties by carer id)."""
    return {client: _most_first(seen)[0] for client, seen in _past_counts(problem.history).items()}


def week_carers(problem: Problem) -> dict[str, set[str]]:
    """client id -> carers who visited the client in the six days before the problem's date."""
    first = None if problem.date is None else problem.date - timedelta(days=WEEK_DAYS - 1)
    out: dict[str, set[str]] = {}
    for entry in problem.history:
        if first is None or first <= entry.date < (problem.date or entry.date + timedelta(days=1)):
            out.setdefault(entry.client_id, set()).add(entry.carer_id)
    return out


def familiar_carers(problem: Problem) -> dict[str, set[str]]:
    """visit id -> carers that keep continuity for it (empty: the visit has no continuity)."""
    regular = regular_carers(problem)
    return {v.id: _familiar(v, regular) for v in problem.visits}


def _familiar(visit: Visit, regular: dict[str, list[str]]) -> set[str]:
    return set(visit.preferred_carers) | set(regular.get(visit.client, []))
