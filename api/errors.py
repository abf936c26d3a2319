"""RFC 9457 ``application/problem+json`` bodies that name the field at fault.

Every error the API returns has this one shape, so a client needs one parser. Field paths are
written the way ``solver.io.documents`` writes them for the CLI (``visits[3].window``), so a message reads
the same whether it came from a file or a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from solver.io.documents import _path

MEDIA_TYPE = "application/problem+json"
_PATH_FIRST = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.S)


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


def field_errors(error: ValidationError, prefix: str = "") -> list[FieldError]:
    """One FieldError per pydantic error; a cross-field message 'a.b: x; c: y' splits by path."""
    out: list[FieldError] = []
    for item in error.errors(include_url=False)[:50]:
        path = _path(tuple(item["loc"]))
        message = str(item["msg"]).removeprefix("Value error, ")
        parts = message.split("; ") if not path else [message]
        for part in parts:
            match = _PATH_FIRST.match(part) if not path else None
            sub_path, text = (match[1], match[2]) if match else (path, part)
            full = ".".join(p for p in (prefix, sub_path) if p).replace(".[", "[")
            out.append(FieldError(path=full, message=text))
    return out


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
