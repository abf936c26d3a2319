"""The coordinator's screen: the page's static files at ``/app`` and the one thing it needs that
the plan routes do not give, a job's problem (the plan view draws runs on the problem's carers
and visits, and ``/v1/evaluate`` and ``/v1/replan`` take it back with every change)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from api.deps import Tenant, store_of
from api.errors import ApiError, documented

router = APIRouter(prefix="/v1/plans", tags=["plans"])


def web_root() -> Path:
    """The page's files, shipped in the package (``api/web``) so an installed carerun serves them."""
    return Path(str(resources.files("api") / "web"))


@router.get(
    "/{job_id}/problem",
    responses={200: {"content": {"application/json": {}}}, **documented(401, 404)},
)
def job_problem(request: Request, job_id: str, who: Tenant) -> Response:
    """The problem a job plans, as it was queued (its time limit capped by the service)."""
    job = store_of(request).get(job_id, who)
    if job is None:
        raise ApiError(404, "Not Found", f"no job {job_id!r}")
    return Response(job.problem, media_type="application/json")


def mount(app: FastAPI) -> None:
    """``/app/`` serves ``api/web`` (``index.html`` for the directory); ``/app`` redirects there
    so that the page's relative module paths resolve."""
    app.include_router(router)

    @app.get("/app", include_in_schema=False)
    def _app() -> RedirectResponse:
        return RedirectResponse("/app/")

    app.mount("/app/", StaticFiles(directory=web_root(), html=True), name="app")
