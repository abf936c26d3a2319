"""Synchronous routes: solve a small day and check a plan (the VROOM endpoint is ``api.vroom``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import Tenant, body_schema, parse, settings_of, solve_now
from api.errors import documented
from api.limits import checked_problem
from api.views import CheckRequest, CheckResult, ViolationView
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
    responses=documented(401, 413, 422),
    openapi_extra=body_schema(CheckRequest),
)
async def check_plan(request: Request, who: Tenant) -> CheckResult:
    """Re-time a plan from the problem alone and list every rule it breaks."""
    from solver.analysis.check import check

    req: CheckRequest = parse(CheckRequest, await request.body(), "check request")
    checked_problem(req.problem, settings_of(request), sync=False, prefix="problem")
    found = await run_in_threadpool(check, req.problem, req.solution)
    return CheckResult(ok=not found, violations=[ViolationView(**v.to_dict()) for v in found])
