"""The JSON shapes the API answers with, beside the contract's own Problem and Solution."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.store import Job
from solver.day.evaluate import PlanDocument
from solver.day.replan import Events
from solver.model.problem import Problem, Solution, TimeOfDay, Violation

Status = Literal["queued", "solving", "solved", "failed", "cancelled"]


class JobCreated(BaseModel):
    id: str
    status: Status


class JobSummary(BaseModel):
    id: str
    status: Status
    created_at: datetime
    updated_at: datetime
    visits: int
    time_limit_s: float
    stop_requested: bool
    error: str | None = Field(default=None, description="Why a job failed or how it was cancelled.")
    attempts: int = Field(
        default=0, description="How many times a worker has taken the job (more than 1: a worker died)."
    )


class JobView(JobSummary):
    solution: Solution | None = Field(
        default=None, description="The plan: when solved, or the best so far when cancelled while solving."
    )


class JobList(BaseModel):
    jobs: list[JobSummary]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    problem: Problem
    solution: Solution


# A broken rule is the contract's own `Violation` (the same object `evaluate` puts on a Solution).
ViolationView = Violation


class CheckResult(BaseModel):
    ok: bool
    violations: list[ViolationView]


class EvaluateRequest(BaseModel):
    """The documented shape of ``POST /v1/evaluate``: a Solution (it has ``status``) or the short
    form ``{"runs": [{"carer_id", "visit_ids"}]}``, told apart as ``carerun evaluate`` does."""

    model_config = ConfigDict(extra="forbid")
    problem: Problem
    plan: Solution | PlanDocument


class EvaluateBody(BaseModel):
    """What the handler validates first; the plan is then read by its own form (see ``rules``)."""

    model_config = ConfigDict(extra="forbid")
    problem: Problem
    plan: Any


class EvaluateResult(BaseModel):
    ok: bool = Field(description="No rule is broken.")
    solution: Solution = Field(description="The plan re-timed from the problem, with KPIs and `violations`.")
    violations: list[ViolationView]


class ReplanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    problem: Problem
    published: Solution = Field(description="The plan sent out this morning; it must pass the checker.")
    events: Events
    now: TimeOfDay = Field(description="Stops that started before this are frozen.")
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=86400,
        allow_inf_nan=False,
        description="Default: the problem's; capped like `POST /v1/solve`.",
    )


class Health(BaseModel):
    status: Literal["ok", "failing"]
    solved: bool = Field(description="A tiny problem was solved in a worker process and passed the checker.")
    wall_s: float
    detail: str
    checked_at: datetime


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def summary(job: Job) -> JobSummary:
    return JobSummary(
        id=job.id,
        status=job.status,
        created_at=_when(job.created_at),
        updated_at=_when(job.updated_at),
        visits=job.visits,
        time_limit_s=job.time_limit_s,
        stop_requested=job.stop_requested,
        attempts=job.attempts,
        error=job.error,
    )


def view(job: Job) -> JobView:
    solution = Solution.model_validate_json(job.solution) if job.solution else None
    return JobView(**summary(job).model_dump(), solution=solution)
