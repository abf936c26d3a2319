"""``/v1/plans/{id}/versions``: the versions of a job's plan a coordinator kept, on the server.

Version 1 is the job's own plan (its problem and solution, once it has one); every change kept
by hand and every re-plan is stored as the next number, so closing the browser loses nothing
and a colleague of the same tenant sees the same versions. A kept version may break rules (the
coordinator decides), so the checker's count of broken rules is stored with it and shown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import Tenant, body_schema, parse, settings_of, store_of
from api.errors import ApiError, FieldError, documented, invalid
from api.limits import checked_problem
from api.store import Job, Store, VersionInfo
from solver.analysis.check import check
from solver.model.problem import Problem, Solution

router = APIRouter(prefix="/v1/plans", tags=["versions"])

OWN_PLAN = "optimised"
Number = Annotated[int, Path(ge=1, le=2**31 - 1, description="1 is the job's own plan.")]


class VersionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=200, description="What changed, in the coordinator's words.")
    problem: Problem
    solution: Solution


class VersionSummary(BaseModel):
    number: int
    label: str
    created_at: datetime
    violations: int = Field(description="How many rules the version breaks (0: none).")


class VersionList(BaseModel):
    versions: list[VersionSummary]


class VersionView(VersionSummary):
    problem: Problem
    solution: Solution


def _summary(info: VersionInfo) -> VersionSummary:
    when = datetime.fromtimestamp(info.created_at, UTC)
    return VersionSummary(number=info.number, label=info.label, created_at=when, violations=info.violations)


def _job(store: Store, job_id: str, who: str) -> Job:
    job = store.get(job_id, who)
    if job is None:
        raise ApiError(404, "Not Found", f"no job {job_id!r}")
    return job


def _view(info: VersionInfo, problem: Problem, solution: Solution) -> VersionView:
    return VersionView(**_summary(info).model_dump(), problem=problem, solution=solution)


def _own_plan(job: Job) -> VersionView | None:
    """Version 1, read from the job itself; None until the job has a plan."""
    if job.solution is None:
        return None
    problem = Problem.model_validate_json(job.problem)
    solution = Solution.model_validate_json(job.solution)
    return _view(VersionInfo(1, OWN_PLAN, len(check(problem, solution)), job.updated_at), problem, solution)


@router.post(
    "/{job_id}/versions",
    status_code=201,
    response_model=VersionSummary,
    responses=documented(401, 404, 413, 422),
    openapi_extra=body_schema(VersionRequest),
)
async def keep_version(request: Request, job_id: str, who: Tenant) -> VersionSummary:
    """Keep a changed plan as the job's next version (rules it breaks are counted, not refused)."""
    store = store_of(request)
    _job(store, job_id, who)
    req: VersionRequest = parse(VersionRequest, await request.body(), "version")
    checked_problem(req.problem, settings_of(request), sync=False, prefix="problem")
    if req.solution.problem_id != req.problem.id:
        message = f"the solution is for problem {req.solution.problem_id!r}, not {req.problem.id!r}"
        raise invalid([FieldError(path="solution.problem_id", message=message)], "version")
    broken = len(await run_in_threadpool(check, req.problem, req.solution))
    kept = await run_in_threadpool(
        store.add_version,
        job_id,
        who,
        req.label,
        req.problem.model_dump_json(),
        req.solution.model_dump_json(),
        broken,
    )
    if kept is None:
        raise ApiError(404, "Not Found", f"no job {job_id!r}")
    return _summary(kept)


@router.get("/{job_id}/versions", response_model=VersionList, responses=documented(401, 404, 422))
def list_versions(request: Request, job_id: str, who: Tenant) -> VersionList:
    """Every version of the job's plan, oldest first, without their documents."""
    store = store_of(request)
    own = _own_plan(_job(store, job_id, who))
    kept = store.list_versions(job_id, who) or []
    listed = [_summary(v) for v in kept]
    if own is not None:
        listed.insert(0, VersionSummary.model_validate(own.model_dump(exclude={"problem", "solution"})))
    return VersionList(versions=listed)


@router.get("/{job_id}/versions/{number}", response_model=VersionView, responses=documented(401, 404, 422))
def get_version(request: Request, job_id: str, number: Number, who: Tenant) -> VersionView:
    """One version with its problem and solution."""
    store = store_of(request)
    job = _job(store, job_id, who)
    if number == 1:
        own = _own_plan(job)
        if own is not None:
            return own
    else:
        found = store.get_version(job_id, who, number)
        if found is not None:
            problem = Problem.model_validate_json(found.problem)
            return _view(found, problem, Solution.model_validate_json(found.solution))
    raise ApiError(404, "Not Found", f"job {job_id!r} has no version {number}")
