"""Synchronous routes: solve a small day and check a plan (the VROOM endpoint is ``api.vroom``)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import Tenant, body_schema, in_slot, parse, settings_of, solve_now, timed_out
from api.errors import documented
from api.limits import checked_problem
from api.runner import check_json
from api.views import CheckRequest, CheckResult
from solver.model.problem import Problem, Solution

router = APIRouter(prefix="/v1")


@router.post(
    "/solve",
    response_model=Solution,
    tags=["solve"],
    responses=documented(401, 413, 422, 429, 503),
    openapi_extra=body_schema(Problem),
)
async def solve_sync(request: Request, who: Tenant) -> Solution:
    """Plan a small day and wait for it (capped visits and time limit, see the README)."""
    problem = checked_problem(
        parse(Problem, await request.body(), "problem"), settings_of(request), sync=True
    )
    return await solve_now(request, problem)


@router.post(
    "/check",
    response_model=CheckResult,
    tags=["solve"],
    responses=documented(401, 413, 422, 429, 503),
    openapi_extra=body_schema(CheckRequest),
)
async def check_plan(request: Request, who: Tenant) -> CheckResult:
    """Re-time a plan from the problem alone and list every rule it breaks."""
    settings = settings_of(request)
    req: CheckRequest = parse(CheckRequest, await request.body(), "check request")
    checked_problem(req.problem, settings, sync=False, prefix="problem")
    outcome = await in_slot(request, req.model_dump_json(), settings.check_timeout_s, check_json, "check")
    if outcome.solution is None:
        raise timed_out(outcome, "Check", settings.check_timeout_s)
    return CheckResult.model_validate_json(outcome.solution)
