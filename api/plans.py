"""``/v1/plans``: queued plan jobs, each visible to its own tenant only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import Tenant, body_schema, overloaded, parse, settings_of, store_of
from api.errors import ApiError, documented
from api.limits import checked_problem
from api.store import Overloaded
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
    request.app.state.dispatcher.wake()
    return JobCreated(id=job_id, status="queued")


@router.get("", response_model=JobList, responses=documented(401))
def list_plans(request: Request, who: Tenant) -> JobList:
    """The caller's own jobs, newest first (at most 100)."""
    return JobList(jobs=[summary(j) for j in store_of(request).list_jobs(who)])


@router.get("/{job_id}", response_model=JobView, responses=documented(401, 404, 422))
def get_plan(request: Request, job_id: str, who: Tenant) -> JobView:
    """A job's status, and its plan once there is one."""
    job = store_of(request).get(job_id, who)
    if job is None:
        raise ApiError(404, "Not Found", f"no job {job_id!r}")
    return view(job)


@router.delete("/{job_id}", response_model=JobView, responses=documented(401, 404, 422))
def stop_plan(request: Request, job_id: str, who: Tenant) -> JobView:
    """Stop a job early: a queued job is cancelled; a solving one ends as `cancelled` with the
    best plan found so far (within a second or two)."""
    job = store_of(request).request_stop(job_id, who)
    if job is None:
        raise ApiError(404, "Not Found", f"no job {job_id!r}")
    return view(job)
