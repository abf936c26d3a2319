"""RFC 9457 ``application/problem+json`` bodies that name the field at fault.

Every error the API returns has this one shape, so a client needs one parser, except on the
VROOM endpoint, whose clients already parse VROOM's ``{"code", "error"}`` (``error_response``).
Field errors are the ``FieldIssue``s of the solver's ``InputError`` (``solver.model.errors``),
the same paths the CLI prints (``visits[3].window``), so a message reads the same whether it
came from a file or a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from solver.io.vroom import VroomError
from solver.model.errors import REPORTED, FieldIssue, InputError, issues_of, join_path

MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    path: str = Field(description="Where in the request body, e.g. `visits[3].window`; empty for the body.")
    message: str


class ProblemDetails(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class ApiError(Exception):
    """An error a handler raises on purpose: status, title, sentence, optional field errors."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors = list(errors)
        self.headers = dict(headers or {})


def from_issues(issues: Iterable[FieldIssue], prefix: str = "") -> list[FieldError]:
    """The solver's field issues as the API's field errors, under ``prefix`` (the body field
    that held the document), at most ``REPORTED`` of them."""
    return [FieldError(path=join_path(prefix, i.path), message=i.message) for i in issues][:REPORTED]


def field_errors(error: ValidationError, prefix: str = "") -> list[FieldError]:
    """One FieldError per fault pydantic found, a cross-field rule's faults each on its own path."""
    return from_issues(issues_of(error), prefix)


def invalid_input(error: InputError, what: str, prefix: str = "") -> ApiError:
    """422 for an InputError the solver raised on (part of) the body."""
    return invalid(from_issues(error.errors, prefix), what)


def invalid(errors: list[FieldError], what: str = "problem") -> ApiError:
    lines = "; ".join(f"{e.path}: {e.message}" if e.path else e.message for e in errors[:10])
    return ApiError(422, f"Invalid {what}", f"{len(errors)} problem(s): {lines}", errors)


def response(
    status: int,
    title: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ProblemDetails(title=title, status=status, detail=detail, errors=list(errors))
    return JSONResponse(
        body.model_dump(), status_code=status, media_type=MEDIA_TYPE, headers=dict(headers or {})
    )


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry of a route for each error status it can return."""
    titles = {
        401: "No API key, or an unknown or revoked one",
        404: "No such job for this tenant",
        413: "Request body too large",
        422: "Invalid request; `errors` names each field",
        429: "Too many jobs; retry after `Retry-After` seconds",
        503: "The solver failed or is unavailable",
    }
    return {
        s: {
            "description": titles[s],
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
        for s in statuses
    }


# VROOM clients parse {"code", "error"}; its codes are 1 internal, 2 input, 3 routing.
VROOM_PATH = "/v1/vroom"
VROOM_INPUT_ERROR, VROOM_INTERNAL_ERROR = 2, 1


def vroom_code(status: int) -> int:
    """VROOM's code for an HTTP status: the request's fault is an input error, ours internal."""
    return VROOM_INPUT_ERROR if 400 <= status < 500 else VROOM_INTERNAL_ERROR


def error_response(
    path: str,
    status: int,
    title: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error body for a request to ``path``: VROOM's shape on the VROOM endpoint (with the
    field errors alongside, so the field is still named), problem+json everywhere else."""
    if path.rstrip("/") != VROOM_PATH:
        return response(status, title, detail, errors, headers)
    body = VroomError(
        code=vroom_code(status),
        error=f"{title}: {detail}",
        errors=[{"path": e.path, "message": e.message} for e in errors],
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=dict(headers or {}))


def documented_vroom(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``documented`` for the VROOM endpoint, whose errors are VROOM's ``{"code", "error"}``."""
    return {
        s: {"description": entry["description"], "model": VroomError}
        for s, entry in documented(*statuses).items()
    }
