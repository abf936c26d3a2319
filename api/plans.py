"""``/v1/plans``: queued plan jobs, each visible to its own tenant only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Tenant, body_schema, overloaded, parse, settings_of, store_of
from api.errors import ApiError, FieldError, documented, invalid
from api.limits import checked_problem
from api.store import BadCursor, Job, Overloaded, valid_job_id
from api.views import JobCreated, JobList, JobView, summary, view
from solver.model.problem import Problem

router = APIRouter(prefix="/v1/plans", tags=["plans"])


@router.post(
    "",
    status_code=202,
    response_model=JobCreated,
    responses=documented(401, 413, 422, 429),
    openapi_extra=body_schema(Problem),
)
async def submit(request: Request, who: Tenant) -> JobCreated:
    """Queue a day to plan; poll `GET /v1/plans/{id}` for the plan."""
    settings, store = settings_of(request), store_of(request)
    problem = checked_problem(parse(Problem, await request.body(), "problem"), settings, sync=False)
    limit = min(problem.options.time_limit_s, settings.max_time_limit_s)
    try:
        job_id = await run_in_threadpool(
            store.submit,
            who,
            problem.model_dump_json(),
            len(problem.visits),
            limit,
            settings.per_tenant_jobs,
            settings.queue_size,
        )
    except Overloaded as exc:
        raise overloaded(settings, exc.reason) from None
    if request.app.state.dispatcher is not None:  # else `carerun worker` processes poll the queue
        request.app.state.dispatcher.wake()
    return JobCreated(id=job_id, status="queued")


def unknown(job_id: str) -> ApiError:
    """404 for an id no job of the caller has; a malformed id says what ids look like."""
    hint = "" if valid_job_id(job_id) else " (job ids are 32 lowercase hex digits)"
    return ApiError(404, "Not Found", f"no job {job_id!r}{hint}")


@router.get("", response_model=JobList, responses=documented(401, 422))
def list_plans(
    request: Request,
    who: Tenant,
    limit: Annotated[int, Query(ge=1, le=500, description="Jobs per page.")] = 100,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> JobList:
    """The caller's own jobs, newest first, a page at a time."""
    try:
        page = store_of(request).list_jobs(who, limit, cursor)
    except BadCursor:
        raise invalid(
            [FieldError(path="cursor", message="not a cursor this service handed out")], "query"
        ) from None
    return JobList(jobs=[summary(j) for j in page.jobs], next_cursor=page.cursor)


@router.get("/{job_id}", response_model=JobView, responses=documented(401, 404, 422))
def get_plan(request: Request, job_id: str, who: Tenant) -> JobView:
    """A job's status, and its plan once there is one."""
    job = store_of(request).get(job_id, who)
    if job is None:
        raise unknown(job_id)
    return view(job)


@router.delete(
    "/{job_id}",
    response_model=JobView,
    responses={**documented(401, 404, 422), 204: {"description": "The job and its data are erased."}},
)
def stop_or_erase(request: Request, job_id: str, who: Tenant) -> JobView | Response:
    """Stop a job early: a queued job is cancelled; a solving one ends as `cancelled` with the
    best plan found so far (within a second or two). An ended job is erased with its problem,
    plans and versions (204): DELETE twice erases a job that was still running."""
    store = store_of(request)
    job: Job | None = store.get(job_id, who)
    if job is None:
        raise unknown(job_id)
    if job.status in ("queued", "solving"):
        stopped = store.request_stop(job_id, who)
        if stopped is None:
            raise unknown(job_id)
        return view(stopped)
    if not store.delete_job(job_id, who):
        raise unknown(job_id)
    return Response(status_code=204)
