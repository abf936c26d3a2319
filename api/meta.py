"""Routes about the service itself: the contract's schema and a health check that really solves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from api import health as health_check
from api.deps import settings_of
from api.views import Health
from solver.model.problem import Problem, Solution

router = APIRouter(tags=["meta"])


@router.get("/v1/schema")
def schema() -> dict[str, Any]:
    """The JSON Schema of the contract's Problem and Solution."""
    return {"problem": Problem.model_json_schema(), "solution": Solution.model_json_schema()}


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(request: Request) -> Response:
    """Solves a tiny problem in a worker process (cached for CARERUN_HEALTH_TTL_S)."""
    result = health_check.cached(request.app.state, settings_of(request))
    return JSONResponse(result.model_dump(mode="json"), status_code=200 if result.solved else 503)
