"""``GET /health``: proof that a worker process can plan a day, not just that the port is open."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from api.runner import run_local
from api.settings import Settings
from api.views import Health
from solver.model.problem import Problem

HOME = {"lat": 51.2, "lon": -2.18}
TINY = {
    "id": "health",
    "carers": [{"id": "c1", "start": HOME, "shift": {"start": "08:00", "end": "12:00"}}],
    "visits": [
        {
            "id": f"v{i}",
            "location": {"lat": 51.2 + i / 200, "lon": -2.18},
            "window": {"start": "09:00", "end": "11:00"},
            "duration_min": 15,
        }
        for i in (1, 2)
    ],
    "options": {"time_limit_s": 1, "seed": 0, "solution_limit": 5},
}
_lock = threading.Lock()


def probe(settings: Settings) -> Health:
    """Solve the tiny day in a worker process and run the checker on the plan."""
    from solver.analysis.check import check
    from solver.model.problem import Solution

    problem = Problem.model_validate(TINY)
    started = time.monotonic()
    outcome = run_local(problem.model_dump_json(), 1.0, settings.grace_s)
    wall = round(time.monotonic() - started, 3)
    now = datetime.now(UTC)
    if outcome.solution is None:
        return Health(
            status="failing", solved=False, wall_s=wall, detail=outcome.error or "no plan", checked_at=now
        )
    solution = Solution.model_validate_json(outcome.solution)
    broken = check(problem, solution)
    ok = not broken and solution.kpis.visits_assigned == len(problem.visits)
    detail = f"planned {solution.kpis.visits_assigned} of {len(problem.visits)} visits; checker: " + (
        "no violations" if not broken else f"{len(broken)} violation(s)"
    )
    return Health(status="ok" if ok else "failing", solved=ok, wall_s=wall, detail=detail, checked_at=now)


def cached(state: Any, settings: Settings) -> Health:
    """The last probe if younger than CARERUN_HEALTH_TTL_S, so health checks cannot load the box."""
    with _lock:
        last: tuple[float, Health] | None = getattr(state, "health", None)
        if last is not None and time.monotonic() - last[0] < settings.health_ttl_s:
            return last[1]
        result = probe(settings)
        state.health = (time.monotonic(), result)
        return result
