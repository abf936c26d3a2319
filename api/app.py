"""The FastAPI application: its routers, error shapes, OpenAPI document and lifespan.

Handlers parse the raw body with the contract models themselves (``model_validate_json``, the
same strict JSON mode the CLI uses) instead of letting FastAPI validate a dict in Python mode,
where integers would slip through as times of day. Their request schemas are added to the
OpenAPI document by ``_openapi`` so that clients and Schemathesis still see them.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api import meta, plans, rules, screen, solving, versions, vroom
from api.deps import settings_of
from api.errors import ApiError, FieldError, ProblemDetails, invalid, response
from api.limits import BodyLimit, BodyTooLarge
from api.runner import Dispatcher
from api.settings import Settings
from api.store import Store
from api.views import CheckRequest, EvaluateRequest, ReplanRequest
from solver.io.vroom import VroomInput
from solver.model.problem import Problem, Solution


def handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return response(exc.status, exc.title, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, _: BodyTooLarge) -> Response:
        limit = settings_of(request).max_body_bytes
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
