"""The FastAPI application: routes, authentication, limits and error shapes.

Handlers parse the raw body with the contract models themselves (``model_validate_json``, the
same strict JSON mode the CLI uses) instead of letting FastAPI validate a dict in Python mode,
where integers would slip through as times of day. Their request schemas are added to the
OpenAPI document by ``_openapi`` so that clients and Schemathesis still see them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from api import health as health_check
from api.errors import ApiError, FieldError, ProblemDetails, documented, field_errors, invalid, response
from api.limits import BodyLimit, BodyTooLarge, checked_problem
from api.runner import Dispatcher, run_local
from api.settings import Settings
from api.store import Overloaded, Store
from api.views import (
    CheckRequest,
    CheckResult,
    Health,
    JobCreated,
    JobList,
    JobView,
    ViolationView,
    summary,
    view,
)
from api.vroom import VroomInput, VroomOutput, from_vroom, to_vroom
from solver.model import Problem, Solution

bearer = HTTPBearer(auto_error=False, description="An API key from `carerun keys create --tenant NAME`.")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
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
    found = _store(request).tenant_of(credentials.credentials)
    if found is None:
        raise ApiError(401, "Unauthorized", "unknown or revoked API key", headers=challenge)
    return found


Tenant = Annotated[str, Depends(tenant)]


def _overloaded(settings: Settings, reason: str) -> ApiError:
    return ApiError(429, "Too Many Requests", reason, headers={"Retry-After": str(settings.retry_after_s)})


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON request body of ``model`` (schemas added by ``_openapi``)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def _parse(model: type[BaseModel], body: bytes, what: str) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise invalid(field_errors(exc), what) from None


async def _solve_now(request: Request, problem: Problem) -> Solution:
    """A synchronous solve in a worker process; 429 when every synchronous slot is busy."""
    settings = _settings(request)
    slots: threading.BoundedSemaphore = request.app.state.sync_slots
    if not slots.acquire(blocking=False):
        raise _overloaded(settings, f"all {settings.sync_concurrency} synchronous solve slots are busy")
    try:
        limit = min(problem.options.time_limit_s, settings.sync_max_time_limit_s)
        outcome = await run_in_threadpool(run_local, problem.model_dump_json(), limit, settings.grace_s)
    finally:
        slots.release()
    if outcome.solution is None:
        raise ApiError(503, "Solve failed", outcome.error or "the solver returned no plan")
    return Solution.model_validate_json(outcome.solution)


def routes(app: FastAPI) -> None:
    @app.post(
        "/v1/plans",
        status_code=202,
        response_model=JobCreated,
        tags=["plans"],
        responses=documented(401, 413, 422, 429),
        openapi_extra=_body(Problem),
    )
    async def submit(request: Request, who: Tenant) -> JobCreated:
        """Queue a day to plan; poll `GET /v1/plans/{id}` for the plan."""
        settings, store = _settings(request), _store(request)
        problem = checked_problem(_parse(Problem, await request.body(), "problem"), settings, sync=False)
        limit = min(problem.options.time_limit_s, settings.max_time_limit_s)
        try:
            job_id = await run_in_threadpool(
                store.submit,
                who,
                problem.model_dump_json(),
                len(problem.visits),
                limit,
                settings.per_tenant_jobs,
                settings.queue_size,
            )
        except Overloaded as exc:
            raise _overloaded(settings, exc.reason) from None
        request.app.state.dispatcher.wake()
        return JobCreated(id=job_id, status="queued")

    @app.get("/v1/plans", response_model=JobList, tags=["plans"], responses=documented(401))
    def list_plans(request: Request, who: Tenant) -> JobList:
        """The caller's own jobs, newest first (at most 100)."""
        return JobList(jobs=[summary(j) for j in _store(request).list_jobs(who)])

    @app.get(
        "/v1/plans/{job_id}", response_model=JobView, tags=["plans"], responses=documented(401, 404, 422)
    )
    def get_plan(request: Request, job_id: str, who: Tenant) -> JobView:
        """A job's status, and its plan once there is one."""
        job = _store(request).get(job_id, who)
        if job is None:
            raise ApiError(404, "Not Found", f"no job {job_id!r}")
        return view(job)

    @app.delete(
        "/v1/plans/{job_id}", response_model=JobView, tags=["plans"], responses=documented(401, 404, 422)
    )
    def stop_plan(request: Request, job_id: str, who: Tenant) -> JobView:
        """Stop a job early: a queued job is cancelled; a solving one ends as `cancelled` with the
        best plan found so far (within a second or two)."""
        job = _store(request).request_stop(job_id, who)
        if job is None:
            raise ApiError(404, "Not Found", f"no job {job_id!r}")
        return view(job)

    @app.post(
        "/v1/solve",
        response_model=Solution,
        tags=["solve"],
        responses=documented(401, 413, 422, 429, 503),
        openapi_extra=_body(Problem),
    )
    async def solve_sync(request: Request, who: Tenant) -> Solution:
        """Plan a small day and wait for it (capped visits and time limit, see the README)."""
        problem = checked_problem(
            _parse(Problem, await request.body(), "problem"), _settings(request), sync=True
        )
        return await _solve_now(request, problem)

    @app.post(
        "/v1/check",
        response_model=CheckResult,
        tags=["solve"],
        responses=documented(401, 413, 422),
        openapi_extra=_body(CheckRequest),
    )
    async def check_plan(request: Request, who: Tenant) -> CheckResult:
        """Re-time a plan from the problem alone and list every rule it breaks."""
        from solver.check import check

        req: CheckRequest = _parse(CheckRequest, await request.body(), "check request")
        checked_problem(req.problem, _settings(request), sync=False, prefix="problem")
        found = await run_in_threadpool(check, req.problem, req.solution)
        return CheckResult(ok=not found, violations=[ViolationView(**v.to_dict()) for v in found])

    @app.post(
        "/v1/vroom",
        response_model=VroomOutput,
        response_model_exclude_none=True,
        tags=["vroom"],
        responses=documented(401, 413, 422, 429, 503),
        openapi_extra=_body(VroomInput),
    )
    async def vroom(request: Request, who: Tenant) -> VroomOutput:
        """VROOM's input format in, VROOM's output format out, with a reason on each unassigned job."""
        started = time.monotonic()
        vin: VroomInput = _parse(VroomInput, await request.body(), "VROOM input")
        problem = checked_problem(
            from_vroom(vin, _settings(request).vroom_time_limit_s), _settings(request), sync=True
        )
        loaded = time.monotonic() - started
        solution = await _solve_now(request, problem)
        return to_vroom(vin, problem, solution, loading_s=loaded)

    @app.get("/v1/schema", tags=["meta"])
    def schema() -> dict[str, Any]:
        """The JSON Schema of the contract's Problem and Solution."""
        return {"problem": Problem.model_json_schema(), "solution": Solution.model_json_schema()}

    @app.get("/health", response_model=Health, tags=["meta"], responses={503: {"model": Health}})
    def health(request: Request) -> Response:
        """Solves a tiny problem in a worker process (cached for CARERUN_HEALTH_TTL_S)."""
        result = health_check.cached(request.app.state, _settings(request))
        return JSONResponse(result.model_dump(mode="json"), status_code=200 if result.solved else 503)


def handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return response(exc.status, exc.title, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, _: BodyTooLarge) -> Response:
        limit = _settings(request).max_body_bytes
        return response(413, "Content Too Large", f"the request body is over {limit} bytes")

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_: Request, exc: RequestValidationError) -> Response:
        errors = [
            FieldError(path=".".join(str(p) for p in e["loc"][1:]), message=str(e["msg"]))
            for e in exc.errors()
        ]
        err = invalid(errors, "request")
        return response(err.status, err.title, err.detail, err.errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        return response(exc.status_code, str(exc.detail), str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> Response:
        return response(500, "Internal Server Error", f"{type(exc).__name__}; the error has been logged")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the request-body schemas the handlers validate themselves."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, Solution, CheckRequest, VroomInput, ProblemDetails):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components.setdefault(model.__name__, schema)
    app.openapi_schema = doc
    return doc


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.database_url)
        store.recover()
        dispatcher = Dispatcher(store, settings)
        dispatcher.start()
        app.state.store, app.state.dispatcher = store, dispatcher
        try:
            yield
        finally:
            dispatcher.close()
            store.close()

    app = FastAPI(
        title="carerun",
        version="1",
        description="Home-care carer runs over HTTP: queued plan jobs, a synchronous shortcut, the checker, "
        "and a VROOM-compatible endpoint. Errors are application/problem+json.",
        lifespan=lifespan,
        separate_input_output_schemas=False,
    )
    app.state.settings = settings
    app.state.sync_slots = threading.BoundedSemaphore(max(settings.sync_concurrency, 1))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    routes(app)
    handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
