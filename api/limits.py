"""Size limits: the request body, and how big a problem the API agrees to plan.

The contract bounds numbers only where the engine's arithmetic needs it (``solver/model/problem.py``);
a shared service must also bound how much work one request is, so these limits live here.
Each refusal names the field, like every other validation error.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import MEDIA_TYPE, FieldError, ProblemDetails, invalid
from api.settings import Settings
from solver.model.problem import HaversineTravel, Problem

MAX_MINUTES = 24 * 60
MAX_MATRIX_VALUE = 10_000_000  # 115 days in seconds, or 10,000 km in metres


class BodyTooLarge(Exception):
    """Raised while reading a body that outgrows the limit without announcing its length."""


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, send: Send) -> None:
        body = ProblemDetails(
            title="Content Too Large", status=413, detail=f"the request body is over {self.max_bytes} bytes"
        )
        payload = json.dumps(body.model_dump()).encode()
        headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _too_big(problem: Problem, settings: Settings, sync: bool) -> list[tuple[str, str]]:
    max_visits = settings.sync_max_visits if sync else settings.max_visits
    out: list[tuple[str, str]] = []
    if len(problem.visits) > max_visits:
        where = "a synchronous solve (use POST /v1/plans)" if sync else "one problem"
        out.append(("visits", f"{len(problem.visits)} visits; at most {max_visits} in {where}"))
    if len(problem.carers) > settings.max_carers:
        out.append(("carers", f"{len(problem.carers)} carers; at most {settings.max_carers} in one problem"))
    return out


def _too_long(problem: Problem) -> list[tuple[str, str]]:
    """Durations past a day overflow nothing useful and only make the engine's numbers huge."""
    out: list[tuple[str, str]] = []
    for i, v in enumerate(problem.visits):
        if v.duration_min > MAX_MINUTES:
            out.append((f"visits[{i}].duration_min", f"at most {MAX_MINUTES} minutes"))
    for i, c in enumerate(problem.carers):
        for j, b in enumerate(c.breaks):
            if b.duration_min > MAX_MINUTES:
                out.append((f"carers[{i}].breaks[{j}].duration_min", f"at most {MAX_MINUTES} minutes"))
        if c.max_working_min is not None and c.max_working_min > 10 * MAX_MINUTES:
            out.append((f"carers[{i}].max_working_min", f"at most {10 * MAX_MINUTES} minutes"))
    return out


def _travel(problem: Problem, settings: Settings) -> list[tuple[str, str]]:
    travel = problem.travel
    if isinstance(travel, HaversineTravel):
        return [
            (f"travel.speed_kmh.{mode}", "at most 1000 km/h")
            for mode, speed in travel.speed_kmh.items()
            if speed > 1000 or speed < 0.01
        ]
    out: list[tuple[str, str]] = []
    cap = settings.max_visits + 2 * settings.max_carers
    if len(travel.locations) > cap:
        out.append(("travel.locations", f"{len(travel.locations)} locations; at most {cap}"))
    for name, per_mode in (("durations_s", travel.durations_s), ("distances_m", travel.distances_m)):
        for mode, matrix in per_mode.items():
            if any(x > MAX_MATRIX_VALUE for row in matrix for x in row):
                out.append((f"travel.{name}.{mode}", f"entries must be at most {MAX_MATRIX_VALUE}"))
    return out


def checked_problem(problem: Problem, settings: Settings, *, sync: bool, prefix: str = "") -> Problem:
    """``problem`` if the service agrees to plan it, else a 422 naming each field over a limit."""
    found = _too_big(problem, settings, sync) + _too_long(problem) + _travel(problem, settings)
    if found:
        errors = [FieldError(path=".".join(p for p in (prefix, path) if p), message=m) for path, m in found]
        raise invalid(errors[:50], "problem")
    return problem
