"""Synchronous routes: solve a small day, check a plan, and the VROOM-compatible endpoint."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import Tenant, body_schema, parse, settings_of, solve_now
from api.errors import documented
from api.limits import checked_problem
from api.views import CheckRequest, CheckResult, ViolationView
from api.vroom import VroomInput, VroomOutput, from_vroom, to_vroom
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


@router.post(
    "/vroom",
    response_model=VroomOutput,
    response_model_exclude_none=True,
    tags=["vroom"],
    responses=documented(401, 413, 422, 429, 503),
    openapi_extra=body_schema(VroomInput),
)
async def vroom(request: Request, who: Tenant) -> VroomOutput:
    """VROOM's input format in, VROOM's output format out, with a reason on each unassigned job."""
    started = time.monotonic()
    settings = settings_of(request)
    vin: VroomInput = parse(VroomInput, await request.body(), "VROOM input")
    problem = checked_problem(from_vroom(vin, settings.vroom_time_limit_s), settings, sync=True)
    loaded = time.monotonic() - started
    solution = await solve_now(request, problem)
    return to_vroom(vin, problem, solution, loading_s=loaded)
