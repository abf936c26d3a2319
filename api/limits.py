"""Size limits: the request body, and how big a problem the API agrees to plan.

The rules of the domain (a visit lasts at most a day, no speed over 1,000 km/h, bounded matrix
entries) are the contract's, in ``solver/model/problem.py``, so the CLI refuses what the API
refuses. A shared service must also bound how much work one request is: those limits, which
depend on the server's settings, live here. Each refusal names the field, like every other
validation error. The engine's priority penalties are proven to fit in 64 bits at the default
``max_visits`` of 5,000 with every leg at the 24 h cap (``docs/contract.md``, Travel); raising it
keeps plans overflow-free but may thin the margin between priorities.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import FieldError, error_response, invalid, invalid_input
from api.settings import Settings
from solver.analysis.pay import PayPolicy
from solver.model.errors import InputError, join_path
from solver.model.problem import MatrixTravel, Problem


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
            await self._refuse(scope, receive, send)
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

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is over {self.max_bytes} bytes"
        await error_response(scope["path"], 413, "Content Too Large", detail)(scope, receive, send)


def _too_big(problem: Problem, settings: Settings, sync: bool) -> list[tuple[str, str]]:
    max_visits = settings.sync_max_visits if sync else settings.max_visits
    out: list[tuple[str, str]] = []
    if len(problem.visits) > max_visits:
        where = "a synchronous solve (use POST /v1/plans)" if sync else "one problem"
        out.append(("visits", f"{len(problem.visits)} visits; at most {max_visits} in {where}"))
    if len(problem.carers) > settings.max_carers:
        out.append(("carers", f"{len(problem.carers)} carers; at most {settings.max_carers} in one problem"))
    return out


def _too_many_places(problem: Problem, settings: Settings) -> list[tuple[str, str]]:
    """A matrix grows with the square of its places: bound them by the visits and carers allowed."""
    travel = problem.travel
    cap = settings.max_visits + 2 * settings.max_carers
    if isinstance(travel, MatrixTravel) and len(travel.locations) > cap:
        return [("travel.locations", f"{len(travel.locations)} locations; at most {cap}")]
    return []


def _road_travel(problem: Problem) -> list[tuple[str, str]]:
    """Road travel names a folder to read (``tiles``) or an address to call (``url``): a
    client must not steer the service to either. Its matrix form is served as any matrix."""
    if problem.travel.model == "valhalla":
        return [
            (
                "travel.model",
                "valhalla travel is not served here; send its matrix form (carerun roads matrix)",
            )
        ]
    return []


def checked_problem(problem: Problem, settings: Settings, *, sync: bool, prefix: str = "") -> Problem:
    """``problem`` if the service agrees to plan it, else a 422 naming each field over a limit,
    or the pay rules that cannot be read for its date (a queued job would only fail later)."""
    found = _too_big(problem, settings, sync) + _too_many_places(problem, settings) + _road_travel(problem)
    if found:
        errors = [FieldError(path=join_path(prefix, path), message=m) for path, m in found]
        raise invalid(errors[:50], "problem")
    try:
        PayPolicy.of(problem)
    except InputError as error:
        raise invalid_input(error, "problem", prefix) from None
    return problem
