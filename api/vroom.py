"""``POST /v1/vroom``: VROOM's input format in, VROOM's output format out.

The translation is ``solver.io.vroom``; this module only runs it on a request and answers.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from api.deps import Tenant, body_schema, parse, settings_of, solve_now
from api.errors import documented, invalid_input
from api.limits import checked_problem
from solver.io.vroom import SOURCE, VroomInput, VroomOutput, from_vroom, to_vroom
from solver.model.errors import InputError

router = APIRouter(prefix="/v1")


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
    vin: VroomInput = parse(VroomInput, await request.body(), SOURCE)
    try:
        problem = from_vroom(vin, settings.vroom_time_limit_s)
    except InputError as exc:
        raise invalid_input(exc, SOURCE) from None
    checked_problem(problem, settings, sync=True)
    loaded = time.monotonic() - started
    solution = await solve_now(request, problem)
    return to_vroom(vin, problem, solution, loading_s=loaded)
