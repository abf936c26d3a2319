"""The small hand-checkable world the rule tests share.

Home H and places A, B, C: 10 minutes (5 km) from H to anywhere, 5 minutes (2 km) between A, B
and C, so every figure in a test can be added up by hand. Shifts run 07:00-14:00 by default.
"""

from __future__ import annotations

from typing import Any

from solver.engine.compiled import Compiled, compile_problem
from solver.engine.construct import Nodes
from solver.model.problem import Problem

H, A, B, C = ({"lat": 51.0 + i / 100, "lon": -2.0} for i in range(4))
DUR = [[0, 600, 600, 600], [600, 0, 300, 300], [600, 300, 0, 300], [600, 300, 300, 0]]
DIST = [[0, 5000, 5000, 5000], [5000, 0, 2000, 2000], [5000, 2000, 0, 2000], [5000, 2000, 2000, 0]]
MIN = 60
QUICK = {"time_limit_s": 2, "seed": 0, "solution_limit": 200}


def carer(cid: str, **kw: Any) -> dict[str, Any]:
    return {"id": cid, "start": H, "shift": {"start": "07:00", "end": "14:00"}, **kw}


def visit(
    vid: str = "v1",
    at: dict[str, float] = A,
    start: str = "09:00",
    end: str = "10:00",
    minutes: float = 30,
    **kw: Any,
) -> dict[str, Any]:
    return {"id": vid, "location": at, "window": {"start": start, "end": end}, "duration_min": minutes, **kw}


def brk(start: str, end: str, minutes: float) -> dict[str, Any]:
    return {"window": {"start": start, "end": end}, "duration_min": minutes}


def problem(
    carers: list[dict[str, Any]],
    visits: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    **options: Any,
) -> Problem:
    """The tiny world; ``extra`` adds top-level fields (history, continuity, pay)."""
    travel = {
        "model": "matrix",
        "locations": [H, A, B, C],
        "durations_s": {"car": DUR},
        "distances_m": {"car": DIST},
    }
    return Problem.model_validate(
        {
            "id": "t",
            "carers": carers,
            "visits": visits,
            "travel": travel,
            "options": {**QUICK, **options},
            **(extra or {}),
        }
    )


def compiled(carers: list[dict[str, Any]], visits: list[dict[str, Any]]) -> tuple[Compiled, Nodes]:
    cp = compile_problem(problem(carers, visits))
    return cp, Nodes.of(cp)
