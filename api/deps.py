"""What every route shares: the caller's tenant, the app's store and settings, body parsing, and
the synchronous solve."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError, FieldError, field_errors, invalid, invalid_input
from api.runner import Outcome, Work, run_local
from api.settings import Settings
from api.store import Store
from solver.model.errors import InputError
from solver.model.problem import Problem, Solution


def known_query(request: Request) -> None:
    """Refuse query parameters the route does not declare: a misspelt ``?limt=5`` would otherwise
    be ignored, and the client would read a default page as the answer it asked for."""
    route = request.scope.get("route")
    declared = query_names(route.dependant) if isinstance(route, APIRoute) else set()
    extra = sorted(set(request.query_params) - declared)
    if extra:
        errors = [FieldError(path=name, message="unknown query parameter") for name in extra]
        raise invalid(errors, "query")


def query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads, its dependencies' included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= query_names(sub)
    return names


bearer = HTTPBearer(auto_error=False, description="An API key from `carerun keys create --tenant NAME`.")


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def tenant(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> str:
    """The tenant of the request's bearer key; 401 without a live key."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(
            401, "Unauthorized", "send an API key as 'Authorization: Bearer KEY'", headers=challenge
        )
    found = store_of(request).tenant_of(credentials.credentials)
    if found is None:
        raise ApiError(401, "Unauthorized", "unknown or revoked API key", headers=challenge)
    return found


Tenant = Annotated[str, Depends(tenant)]


def overloaded(settings: Settings, reason: str) -> ApiError:
    return ApiError(429, "Too Many Requests", reason, headers={"Retry-After": str(settings.retry_after_s)})


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON request body of ``model`` (its schema is added to the
    document's components by ``api.app``, because handlers parse bodies themselves)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def parse(model: type[BaseModel], body: bytes, what: str) -> Any:
    """Strict JSON-mode validation, as the CLI does it: a time of day must be a string here, and
    no bool or string passes for a number."""
    try:
        return model.model_validate_json(body, strict=True)
    except ValidationError as exc:
        raise invalid(field_errors(exc), what) from None


@contextmanager
def sync_slot(request: Request, busy: str = "synchronous solve slots are busy") -> Iterator[Settings]:
    """One of the API's synchronous slots, held for the block, so that no request can run
    unbounded beside the others; a 429 ("all N " + ``busy``) when every slot is busy."""
    settings = settings_of(request)
    slots: threading.BoundedSemaphore = request.app.state.sync_slots
    if not slots.acquire(blocking=False):
        raise overloaded(settings, f"all {settings.sync_concurrency} {busy}")
    try:
        yield settings
    finally:
        slots.release()


async def solve_now(request: Request, problem: Problem) -> Solution:
    """A synchronous solve in a worker process; 429 when every synchronous slot is busy."""
    with sync_slot(request) as settings:
        limit = min(problem.options.time_limit_s, settings.sync_max_time_limit_s)
        outcome = await run_in_threadpool(run_local, problem.model_dump_json(), limit, settings.grace_s)
    if outcome.kind == "invalid":  # the engine refused a field the request checks could not see
        raise invalid_input(InputError(list(outcome.issues)), "problem")
    if outcome.solution is None:
        raise ApiError(503, "Solve failed", outcome.error or "the solver returned no plan")
    return Solution.model_validate_json(outcome.solution)


async def in_slot(request: Request, payload: str, time_limit_s: float, work: Work, what: str) -> Outcome:
    """Run ``work`` in a worker process in one of the synchronous slots (429 when all are busy),
    killed after ``time_limit_s``, so no request can hold the API's own CPU or run unbounded.
    ``what`` names the work in the refusal."""
    with sync_slot(request, f"synchronous slots are busy ({what})"):
        return await run_in_threadpool(run_local, payload, time_limit_s, 0.0, lambda: False, work)


def timed_out(outcome: Outcome, what: str, limit_s: float) -> ApiError:
    """503 for work that ended without an answer (killed at its time limit, or crashed)."""
    if outcome.timed_out:
        return ApiError(503, f"{what} timed out", f"no answer within {limit_s:g} s (CARERUN_CHECK_TIMEOUT_S)")
    return ApiError(503, f"{what} failed", outcome.error or "the worker process returned nothing")
