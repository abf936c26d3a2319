"""``POST /v1/vroom``: VROOM's input format in, VROOM's output format out.

The translation is ``solver.io.vroom``; this module only runs it on a request and answers.
Errors here are VROOM's ``{"code", "error"}`` (``api.errors.error_response``).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import Tenant, body_schema, parse, settings_of, solve_now, sync_slot
from api.errors import ApiError, FieldError, documented_vroom, invalid, invalid_input
from api.limits import checked_problem
from solver.io.vroom import (
    SMALL_JOBS,
    SOURCE,
    VroomInput,
    VroomOutput,
    from_vroom,
    solution_limit_for,
    time_limit_for,
    to_vroom,
    vroom_path,
)
from solver.model.errors import InputError
from solver.model.problem import Problem, Solution

router = APIRouter(prefix="/v1")
# A request this small is solved in the server's own threads: a fresh solver process costs
# seconds to start, the solve itself milliseconds (construction and a short search).
IN_PROCESS_JOBS = SMALL_JOBS


async def solve_here(request: Request, problem: Problem) -> Solution:
    """The engine in a thread of this process, under the same synchronous slots as ``solve_now``;
    bounded by its own time limit, which ``time_limit_for`` keeps short for small requests."""
    with sync_slot(request) as settings:
        from solver.engine.search import solve

        limit = min(problem.options.time_limit_s, settings.sync_max_time_limit_s)
        return await run_in_threadpool(
            solve, problem, time_limit_s=limit, solution_limit=problem.options.solution_limit
        )


@router.post(
    "/vroom",
    response_model=VroomOutput,
    response_model_exclude_none=True,
    tags=["vroom"],
    responses=documented_vroom(401, 413, 422, 429, 503),
    openapi_extra=body_schema(VroomInput),
)
async def vroom(request: Request, who: Tenant) -> VroomOutput:
    """VROOM's input format in, VROOM's output format out, with a reason on each unassigned job.
    The search time grows with the number of jobs, up to ``CARERUN_VROOM_TIME_LIMIT_S``."""
    started = time.monotonic()
    settings = settings_of(request)
    vin: VroomInput = parse(VroomInput, await request.body(), SOURCE)
    try:
        problem = from_vroom(vin, time_limit_for(vin, settings.vroom_time_limit_s), solution_limit_for(vin))
    except InputError as exc:
        raise invalid_input(exc, SOURCE) from None
    try:
        checked_problem(problem, settings, sync=True)
    except ApiError as exc:
        errors = [FieldError(path=vroom_path(e.path), message=e.message) for e in exc.errors]
        raise invalid(errors, SOURCE) from None
    loaded = time.monotonic() - started
    solution = await (
        solve_here(request, problem) if len(vin.jobs) <= IN_PROCESS_JOBS else solve_now(request, problem)
    )
    return to_vroom(vin, problem, solution, loading_s=loaded)
