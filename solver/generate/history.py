"""A seeded week of visit history for a problem: who served which client on the days before.

Continuity of care needs history (contract "Visit history"), and real history is personal
data a public repository cannot hold. This draws a plausible one instead: each client has a
small team of regular carers (two or three, nearby, with the skills and on shift at the
client's times), who do most of the visits. Churn is what a coordinator sees in a real week:
carers off for a day or a spell (sickness, leave), cover by whoever is free, and now and then
a regular replaced for good half-way through the week (a carer leaving, a rota change).

Run ``python -m solver.generate.history PROBLEM [-o FILE] [--days 7] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date as Date
from datetime import timedelta

import numpy as np

from solver.engine.compiled import Compiled, compile_problem
from solver.model.clock import format_time
from solver.model.problem import Problem, Visit

DEFAULT_DATE = Date(2026, 11, 26)
REGULAR_SHARE = 0.85  # visits done by a regular carer when one is free
OFF_PER_DAY = 0.06  # chance a carer starts a spell off on a given day
SPELL_DAYS = (1, 4)  # length of a spell off, days (inclusive range)
REPLACED = 0.12  # chance a client's regular is replaced for good mid-week
NEAREST = 6  # regulars are drawn from this many nearest suitable carers


def _on_shift(cp: Compiled, v: int) -> list[int]:
    """Carers who may do visit ``v`` and whose shift covers its window."""
    start, end = int(cp.v_ws[v]), int(cp.v_we[v]) + int(cp.v_dur[v])
    return [c for c in cp.allowed(v) if int(cp.c_shift_s[c]) <= start and end <= int(cp.c_shift_e[c])]


def _suitable(cp: Compiled, v: int) -> list[int]:
    """Carers on shift for visit ``v``; if none is, any carer who may do it (to pick a team)."""
    return _on_shift(cp, v) or cp.allowed(v)


def _team(cp: Compiled, visits: list[int], rng: np.random.Generator) -> list[int]:
    """Two or three regulars for a client: suitable for most of its visits, and nearby."""
    counts: dict[int, int] = {}
    for v in visits:
        for c in _suitable(cp, v):
            counts[c] = counts.get(c, 0) + 1
    if not counts:
        return []
    place = int(cp.v_place[visits[0]])
    best = max(counts.values())

    def distance(c: int) -> int:
        return int(cp.dur_by_mode[int(cp.c_mode[c])][cp.c_start[c], place])

    pool = sorted((c for c, n in counts.items() if n >= best - 1), key=lambda c: (distance(c), c))[:NEAREST]
    size = min(len(pool), 3 if rng.random() < 0.4 else 2) + (
        1 if any(cp.v_req[v] == 2 for v in visits) else 0
    )
    size = min(size, len(pool))
    picks = rng.choice(len(pool), size=size, replace=False)
    team = [pool[int(i)] for i in picks]
    for v in visits:  # no shift spans a whole day: a bed call may need an evening regular
        on_shift = _on_shift(cp, v)
        if on_shift and not set(team) & set(on_shift):
            team.append(min(on_shift, key=lambda c: (distance(c), c)))
    return team


def _absences(n_carers: int, days: int, rng: np.random.Generator) -> np.ndarray:
    """off[d, c]: carer c is off on day d (spells of one to four days)."""
    off = np.zeros((days, n_carers), dtype=bool)
    for c in range(n_carers):
        d = 0
        while d < days:
            if rng.random() < OFF_PER_DAY:
                length = int(rng.integers(SPELL_DAYS[0], SPELL_DAYS[1] + 1))
                off[d : d + length, c] = True
                d += length
            d += 1
    return off


def _choose(
    cp: Compiled, v: int, team: list[int], off: np.ndarray, taken: list[int], rng: np.random.Generator
) -> int | None:
    """A regular who is in, most of the time; otherwise any suitable carer who is in.

    Only carers whose shift covers the visit are sent, so that every past day of a carer stays
    inside the shift of today's rota, which keeps 11 hours of rest between days (generate.day)."""
    on_shift = set(_on_shift(cp, v))
    regulars = [c for c in team if not off[c] and c not in taken and cp.eligible[v, c] and c in on_shift]
    if regulars and rng.random() < REGULAR_SHARE:
        weights = np.array([2.0 if i == 0 else 1.0 for i, c in enumerate(team) if c in regulars])
        return regulars[int(rng.choice(len(regulars), p=weights / weights.sum()))]
    cover = [c for c in on_shift if not off[c] and c not in taken]
    if not cover:
        return regulars[0] if regulars else None
    return cover[int(rng.integers(len(cover)))]


def visit_end(visit: Visit) -> int:
    """When the visit ended on a past day: at its promised time (the window's opening without
    one) plus its length. Only carers whose shift covers the whole window are sent, so this end
    lies inside the carer's shift and keeps 11 hours of rest before the next day's start."""
    start = visit.promised.time if visit.promised is not None else visit.window.start
    return min(max(start, visit.window.start), visit.window.end) + visit.duration_s


def generate_history(problem: Problem, days: int = 7, seed: int = 0) -> list[dict[str, str]]:
    """History entries for the ``days`` days before the problem's date, oldest first.

    Each client is assumed to have the same visits every day (a care package is a weekly
    pattern), so every visit of today appears once per past day, with its carer(s) and when it
    ended (``end``: the pay model's daily-rest check, WTR_DAILY_REST, reads it)."""
    rng = np.random.default_rng(seed)
    cp = compile_problem(problem)
    today = problem.date or DEFAULT_DATE
    by_client: dict[str, list[int]] = {}
    for v, visit in enumerate(problem.visits):
        by_client.setdefault(visit.client, []).append(v)
    teams = {client: _team(cp, vs, rng) for client, vs in sorted(by_client.items())}
    swap_day = {
        client: int(rng.integers(2, days)) if days > 2 and rng.random() < REPLACED else days
        for client in teams
    }
    off = _absences(cp.n_carers, days, rng)
    out: list[dict[str, str]] = []
    for d in range(days):
        day = (today - timedelta(days=days - d)).isoformat()
        for client, visits in sorted(by_client.items()):
            team = teams[client]
            if d == swap_day[client] and team:
                spare = [c for c in _suitable(cp, visits[0]) if c not in team]
                if spare:
                    team[-1] = spare[int(rng.integers(len(spare)))]
            for v in visits:
                taken: list[int] = []
                for _ in range(int(cp.v_req[v])):
                    c = _choose(cp, v, team, off[d], taken, rng)
                    if c is None:
                        break
                    taken.append(c)
                    out.append(
                        {
                            "date": day,
                            "client_id": client,
                            "carer_id": problem.carers[c].id,
                            "end": format_time(visit_end(problem.visits[v])),
                        }
                    )
    return out


def regular_share(problem: Problem, history: list[dict[str, str]], regulars: int = 3) -> float:
    """Share of history entries done by one of the client's ``regulars`` most frequent carers."""
    counts: dict[str, dict[str, int]] = {}
    for h in history:
        per = counts.setdefault(h["client_id"], {})
        per[h["carer_id"]] = per.get(h["carer_id"], 0) + 1
    top = {
        client: {c for c, _ in sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))[:regulars]}
        for client, per in counts.items()
    }
    kept = sum(1 for h in history if h["carer_id"] in top[h["client_id"]])
    return kept / len(history) if history else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m solver.generate.history", description=__doc__.splitlines()[0]
    )
    parser.add_argument("problem")
    parser.add_argument("-o", "--output")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from solver.io.documents import InputError, load_problem

    try:
        problem = load_problem(args.problem)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps({"history": generate_history(problem, args.days, args.seed)}, indent=1)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
