"""Routes a provider's system drives over HTTP during the day: scoring a
hand-made rota (``/v1/evaluate``) and re-planning during the day (``/v1/replan``).

Both reuse the CLI's functions unchanged (``solver.day.evaluate``, ``solver.day.replan``). Their input
errors are ``InputError``s whose issues carry paths relative to their own input
(``plan.runs[1].visit_ids[3]``, ``events[0].carer_id``); here those paths are placed under the
request body's fields.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import Tenant, body_schema, in_slot, parse, settings_of, sync_slot, timed_out
from api.errors import ApiError, FieldError, documented, field_errors, from_issues, invalid
from api.limits import checked_problem
from api.runner import Outcome, evaluate_json, replan_json, run_local
from api.views import EvaluateBody, EvaluateRequest, EvaluateResult, ReplanRequest
from solver.day.evaluate import PlanDocument, plan_of_solution
from solver.model.errors import FieldIssue, join_path
from solver.model.problem import Solution

router = APIRouter(prefix="/v1")


def plan_errors(issues: list[FieldIssue]) -> list[FieldError]:
    """``solver.day.evaluate`` issues (``plan.runs[0].carer_id``) under the body's ``plan``."""
    return from_issues(FieldIssue(_under("plan", i.path), i.message) for i in issues)


def replan_errors(issues: list[FieldIssue]) -> list[FieldError]:
    """``solver.day.replan`` issues under the body's fields: its events document is the body's
    ``events``; its other issues already name ``published`` or ``problem`` paths."""
    return from_issues(FieldIssue(_replan_path(i), i.message) for i in issues)


def _under(document: str, path: str) -> str:
    inside = path == document or path.startswith((f"{document}.", f"{document}["))
    return path if inside else join_path(document, path)


def _replan_path(issue: FieldIssue) -> str:
    if issue.path.startswith("events["):
        return join_path("events", issue.path)
    return issue.path


def _plan_of(raw: object) -> PlanDocument:
    """A Solution (it has ``status``: its stop order is kept) or the short form, as
    ``solver.day.evaluate.parse_plan`` reads a file; re-read as JSON so times stay strict."""
    text = json.dumps(raw)
    try:
        if isinstance(raw, dict) and "status" in raw:
            return plan_of_solution(Solution.model_validate_json(text))
        return PlanDocument.model_validate_json(text)
    except ValidationError as exc:
        raise invalid(field_errors(exc, prefix="plan"), "plan") from None


@router.post(
    "/evaluate",
    response_model=EvaluateResult,
    tags=["rules"],
    responses=documented(401, 413, 422, 429, 503),
    openapi_extra=body_schema(EvaluateRequest),
)
async def evaluate_plan(request: Request, who: Tenant) -> EvaluateResult:
    """Re-time a given plan (a Solution, or each carer's visit ids in order) from the problem:
    its KPIs and every rule it breaks, so a hand-made rota compares with an optimised one."""
    settings = settings_of(request)
    body: EvaluateBody = parse(EvaluateBody, await request.body(), "evaluate request")
    plan = _plan_of(body.plan)
    checked_problem(body.problem, settings, sync=False, prefix="problem")
    payload = json.dumps(
        {"problem": json.loads(body.problem.model_dump_json()), "plan": json.loads(plan.model_dump_json())}
    )
    outcome = await in_slot(request, payload, settings.check_timeout_s, evaluate_json, "evaluate")
    if outcome.kind == "invalid":
        raise invalid(plan_errors(list(outcome.issues)), "plan")
    if outcome.solution is None:
        raise timed_out(outcome, "Evaluate", settings.check_timeout_s)
    return EvaluateResult.model_validate_json(outcome.solution)


async def _replan_in_slot(request: Request, body: str, time_limit_s: float) -> Outcome:
    """One of the synchronous solve slots, as ``POST /v1/solve`` takes: 429 when all are busy."""
    with sync_slot(request) as settings:
        return await run_in_threadpool(
            run_local, body, time_limit_s, settings.grace_s, lambda: False, replan_json
        )


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
        raise invalid(replan_errors(list(outcome.issues)), "replan request")
    if outcome.solution is None:
        raise ApiError(503, "Re-plan failed", outcome.error or "the solver returned no plan")
    return Solution.model_validate_json(outcome.solution)
