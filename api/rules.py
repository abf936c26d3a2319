"""Routes for the home-care rules of issue 5 that a provider's system drives over HTTP: scoring a
hand-made rota (``/v1/evaluate``) and re-planning during the day (``/v1/replan``).

Both reuse the CLI's functions unchanged (``solver.day.evaluate``, ``solver.day.replan``). Their input
errors are ``InputError`` sentences that start with a field path relative to their own input
(``runs[1].visit_ids[3]: unknown visit 'v999'``, ``events[0].carer_id: ...``); here they are
turned into the API's 422 field errors, with paths relative to the request body.
"""

from __future__ import annotations

import json
import re
import threading

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import Tenant, body_schema, overloaded, parse, settings_of
from api.errors import _PATH_FIRST, ApiError, FieldError, documented, field_errors, invalid
from api.limits import checked_problem
from api.runner import Outcome, replan_json, run_local
from api.views import EvaluateBody, EvaluateRequest, EvaluateResult, ReplanRequest, ViolationView
from solver.day.evaluate import PlanDocument, evaluate
from solver.io.documents import InputError
from solver.model.problem import Solution

router = APIRouter(prefix="/v1")
_NEXT_ERROR = re.compile(r"; (?=[A-Za-z_]\w*\[\d+\][\w.\[\]]*: )")


def _split(message: str, prefix: str) -> list[FieldError]:
    """'runs[0].b: x; runs[2]: y' -> one error per path under ``prefix``; a sentence with no
    leading path stays whole, on ``prefix`` itself. Only '; ' before another indexed path
    separates errors: a sentence may hold '; ' of its own."""
    parts = _NEXT_ERROR.split(message)
    out = []
    for part in parts:
        match = _PATH_FIRST.match(part)
        sub, text = (match[1], match[2]) if match else ("", part)
        path = ".".join(p for p in (prefix, sub) if p).replace(".[", "[")
        out.append(FieldError(path=path, message=text))
    return out


def plan_errors(message: str) -> list[FieldError]:
    """``solver.day.evaluate`` errors ('plan: runs[0].carer_id: ...') under the body's ``plan``."""
    return _split(message.removeprefix("plan: "), "plan")


def replan_errors(message: str) -> list[FieldError]:
    """``solver.day.replan`` errors under the body's fields: events are listed in ``events.events``."""
    if message.startswith("events["):  # the events document is the body's ``events``
        return _split(message, "events")
    if message.startswith("published plan is for problem"):
        return [FieldError(path="published.problem_id", message=message)]
    if message.startswith("published plan"):
        return [FieldError(path="published", message=message)]
    if message.startswith("the events"):
        return [FieldError(path="events", message=message)]
    return [FieldError(path="", message=message)]


def _plan_of(raw: object) -> PlanDocument:
    """A Solution (it has ``status``: its stop order is kept) or the short form, as
    ``solver.day.evaluate.parse_plan`` reads a file; re-read as JSON so times stay strict."""
    text = json.dumps(raw)
    try:
        if isinstance(raw, dict) and "status" in raw:
            solution = Solution.model_validate_json(text)
            return PlanDocument.model_validate(
                {
                    "runs": [
                        {"carer_id": r.carer_id, "visit_ids": [s.visit_id for s in r.stops]}
                        for r in solution.runs
                    ]
                }
            )
        return PlanDocument.model_validate_json(text)
    except ValidationError as exc:
        raise invalid(field_errors(exc, prefix="plan"), "plan") from None


@router.post(
    "/evaluate",
    response_model=EvaluateResult,
    tags=["rules"],
    responses=documented(401, 413, 422),
    openapi_extra=body_schema(EvaluateRequest),
)
async def evaluate_plan(request: Request, who: Tenant) -> EvaluateResult:
    """Re-time a given plan (a Solution, or each carer's visit ids in order) from the problem:
    its KPIs and every rule it breaks, so a hand-made rota compares with an optimised one."""
    body: EvaluateBody = parse(EvaluateBody, await request.body(), "evaluate request")
    plan = _plan_of(body.plan)
    checked_problem(body.problem, settings_of(request), sync=False, prefix="problem")
    try:
        solution, found = await run_in_threadpool(evaluate, body.problem, plan)
    except InputError as exc:
        raise invalid(plan_errors(str(exc)), "plan") from None
    views = [ViolationView(**v.to_dict()) for v in found]
    return EvaluateResult(ok=not found, solution=solution, violations=views)


async def _replan_in_slot(request: Request, body: str, time_limit_s: float) -> Outcome:
    """One of the synchronous solve slots, as ``POST /v1/solve`` takes: 429 when all are busy."""
    settings = settings_of(request)
    slots: threading.BoundedSemaphore = request.app.state.sync_slots
    if not slots.acquire(blocking=False):
        raise overloaded(settings, f"all {settings.sync_concurrency} synchronous solve slots are busy")
    try:
        return await run_in_threadpool(
            run_local, body, time_limit_s, settings.grace_s, lambda: False, replan_json
        )
    finally:
        slots.release()


@router.post(
    "/replan",
    response_model=Solution,
    tags=["rules"],
    responses=documented(401, 413, 422, 429, 503),
    openapi_extra=body_schema(ReplanRequest),
)
async def replan_day(request: Request, who: Tenant) -> Solution:
    """Re-plan the rest of the day after events: stops begun before `now` stay as published, the
    rest is re-optimised with a stability cost, and `changes` lists what moved. Waits for the
    plan like `POST /v1/solve` (its time limit cap and slots) but takes a zone-sized day."""
    raw = await request.body()
    req: ReplanRequest = parse(ReplanRequest, raw, "replan request")
    settings = settings_of(request)
    checked_problem(req.problem, settings, sync=False, prefix="problem")
    asked = req.time_limit_s if req.time_limit_s is not None else req.problem.options.time_limit_s
    limit = min(asked, settings.sync_max_time_limit_s)
    outcome = await _replan_in_slot(request, raw.decode(), limit)
    if outcome.kind == "invalid":
        raise invalid(replan_errors(outcome.error or ""), "replan request")
    if outcome.solution is None:
        raise ApiError(503, "Re-plan failed", outcome.error or "the solver returned no plan")
    return Solution.model_validate_json(outcome.solution)
