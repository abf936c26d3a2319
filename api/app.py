"""The FastAPI application: its routers, error shapes, OpenAPI document and lifespan.

Handlers parse the raw body with the contract models themselves (``model_validate_json``, the
same strict JSON mode the CLI uses) instead of letting FastAPI validate a dict in Python mode,
where integers would slip through as times of day. Their request schemas are added to the
OpenAPI document by ``_openapi`` so that clients and Schemathesis still see them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api import meta, plans, rules, screen, solving, versions, vroom
from api.deps import known_query, settings_of
from api.errors import ApiError, FieldError, ProblemDetails, error_response, invalid
from api.limits import BodyLimit, BodyTooLarge
from api.runner import Dispatcher
from api.settings import Settings
from api.store import Store
from api.views import CheckRequest, EvaluateRequest, ReplanRequest
from solver.io.vroom import VroomInput
from solver.model.problem import Problem, Solution


def handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request.url.path, exc.status, exc.title, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, _: BodyTooLarge) -> Response:
        limit = settings_of(request).max_body_bytes
        detail = f"the request body is over {limit} bytes"
        return error_response(request.url.path, 413, "Content Too Large", detail)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            FieldError(path=".".join(str(p) for p in e["loc"][1:]), message=str(e["msg"]))
            for e in exc.errors()
        ]
        err = invalid(errors, "request")
        return error_response(request.url.path, err.status, err.title, err.detail, err.errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.url.path)) or headers.get("Allow", "")
        return error_response(
            request.url.path, exc.status_code, str(exc.detail), str(exc.detail), headers=headers
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        detail = f"{type(exc).__name__}; the error has been logged"
        return error_response(request.url.path, 500, "Internal Server Error", detail)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every documented method at ``path``: Starlette's 405 names only the first route's, though
    ``/v1/plans/{job_id}`` has a GET route and a DELETE route."""
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods |= {m.upper() for m in operations if m.lower() in HTTP_METHODS}
    return sorted(methods)


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the request-body schemas the handlers validate themselves."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in (
        Problem,
        Solution,
        CheckRequest,
        EvaluateRequest,
        ReplanRequest,
        VroomInput,
        versions.VersionRequest,
        ProblemDetails,
    ):
        # The validation schema wins: FastAPI's response schemas of the contract's lean models
        # (Problem, Carer, Visit, Options) are empty, their serializer being a function.
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            components[name] = sub
        components[model.__name__] = schema
    _link_jobs(doc)
    app.openapi_schema = doc
    return doc


def _link_jobs(doc: dict[str, Any]) -> None:
    """OpenAPI links from ``POST /v1/plans``'s answer to every operation on that job, so that
    clients and Schemathesis' stateful tests follow a real job id (``$response.body#/id``)."""
    paths = doc.get("paths", {})
    created = paths.get("/v1/plans", {}).get("post", {}).get("responses", {}).get("202")
    if created is None:
        return
    links = {}
    for path, operations in paths.items():
        if not path.startswith("/v1/plans/{job_id}"):
            continue
        for operation in operations.values():
            if "operationId" in operation:
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": {"job_id": "$response.body#/id"},
                }
    created["links"] = links


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.database_url)  # migrates it first, under a lock
        dispatcher = Dispatcher(store, settings) if settings.in_process_worker else None
        if dispatcher is not None:
            dispatcher.start()
        app.state.store, app.state.dispatcher = store, dispatcher
        try:
            yield
        finally:
            if dispatcher is not None:
                dispatcher.close()
            store.close()

    app = FastAPI(
        title="carerun",
        version="1",
        description="Home-care carer runs over HTTP: queued plan jobs, a synchronous shortcut, the checker, "
        "and a VROOM-compatible endpoint. Errors are application/problem+json.",
        lifespan=lifespan,
        separate_input_output_schemas=False,
        dependencies=[Depends(known_query)],
    )
    app.state.settings = settings
    app.state.sync_slots = threading.BoundedSemaphore(max(settings.sync_concurrency, 1))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    for router in (plans.router, versions.router, solving.router, vroom.router, rules.router, meta.router):
        app.include_router(router)
    screen.mount(app)
    handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
