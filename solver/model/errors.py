"""Input errors that carry their field paths as data.

Every refusal of bad input, from a file or from a request, is an ``InputError``: a list of
``FieldIssue`` (where, and what is wrong) plus, for a document, its source. The CLI prints
``str(exc)``; the API turns ``exc.errors`` into problem+json field errors. Both therefore name
the same field the same way (``visits[3].window``) without reading paths back out of text.

A cross-field rule of the contract (a pydantic validator that finds several faults at once)
raises ``issues_error(...)``, so its issues keep their own paths inside a ValidationError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

REPORTED = 50  # issues listed in a report; the count in its first line is the full one
ISSUES_TYPE = "field_issues"
_UNION_TAGS = ("haversine", "matrix", "valhalla")  # the travel union's tags appear in locations, not fields
_PATH = r"[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*"
_LEADING_PATH = re.compile(rf"({_PATH}): (.+)$", re.S)
_NEXT_SIBLING = re.compile(r"; (?=[A-Za-z_]\w*\[\d+\][\w.\[\]]*: )")


@dataclass(frozen=True)
class FieldIssue:
    """One fault: ``path`` into the document (``''`` for the whole of it) and a sentence."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def field_path(loc: Iterable[int | str]) -> str:
    """A pydantic location as the path a person reads: ``('visits', 3, 'window')`` ->
    ``visits[3].window``; the travel union's tags are left out."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in _UNION_TAGS:
            out += ("." if out else "") + str(part)
    return out


def join_path(prefix: str, path: str) -> str:
    """``path`` under ``prefix``: ``join_path('problem', 'visits[0]')`` -> ``problem.visits[0]``,
    ``join_path('runs', '[1].carer_id')`` -> ``runs[1].carer_id``."""
    if not prefix or not path:
        return prefix or path
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


def issues_error(issues: Sequence[FieldIssue]) -> PydanticCustomError:
    """What a contract validator raises for several faults at once; paths are relative to the
    object it validates. ``issues_of`` unpacks them again, one issue per path."""
    summary = "; ".join(str(i) for i in issues)
    pairs = tuple((i.path, i.message) for i in issues)
    return PydanticCustomError(ISSUES_TYPE, "{summary}", {"summary": summary, "issues": pairs})


def issues_of(error: ValidationError, prefix: str = "") -> list[FieldIssue]:
    """One issue per fault pydantic found, under ``prefix``, in pydantic's order."""
    out: list[FieldIssue] = []
    for item in error.errors(include_url=False):
        at = join_path(prefix, field_path(item["loc"]))
        ctx = item.get("ctx") or {}
        if item["type"] == ISSUES_TYPE and "issues" in ctx:
            out.extend(FieldIssue(join_path(at, path), message) for path, message in ctx["issues"])
        else:
            out.append(FieldIssue(at, str(item["msg"]).removeprefix("Value error, ")))
    return out


def issues_from_text(text: str) -> list[FieldIssue]:
    """The issues of a message written as one sentence, for code that raises ``InputError(text)``.

    A leading ``path: `` is the issue's path (``events[0].carer_id: unknown carer 'x'``). When
    what follows starts with a path too, the first is a document and the rest its issues,
    separated by ``; `` before each indexed path (``plan: runs[0].carer_id: ...; runs[2]: ...``).
    Anything else is one issue about the whole input (path ``''``)."""
    head, rest = _leading(text)
    if not head or not _leading(rest)[0]:
        return [FieldIssue(head, rest)]
    out = []
    for part in _NEXT_SIBLING.split(rest):
        sub, message = _leading(part)
        out.append(FieldIssue(join_path(head, sub), message))
    return out


def _leading(text: str) -> tuple[str, str]:
    match = _LEADING_PATH.match(text)
    return (match[1], match[2]) if match else ("", text)


def render(issues: Sequence[FieldIssue], source: str | None) -> str:
    """The text the CLI prints: with a source, a count then one indented line per issue (the
    first ``REPORTED``); without one, the issues joined by ``; ``."""
    if source is None:
        return "; ".join(str(i) for i in issues)
    lines = [f"{source}: {len(issues)} problem(s)", *(f"  {i}" for i in issues[:REPORTED])]
    return "\n".join(lines)


class InputError(ValueError):
    """Bad input: ``errors`` names each field at fault, ``source`` the document (file) if any.

    ``InputError(issues, source)`` renders as a report (see ``render``). ``InputError(text)``
    keeps ``text`` as its message exactly and reads its issues with ``issues_from_text``;
    ``InputError(text, source)`` reads ``source: text``.
    """

    def __init__(self, errors: str | Iterable[FieldIssue], source: str | None = None) -> None:
        if isinstance(errors, str):
            self.errors = issues_from_text(errors)
            text = f"{source}: {errors}" if source else errors
        else:
            self.errors = list(errors)
            text = render(self.errors, source)
        self.source = source
        super().__init__(text)

    @classmethod
    def at(cls, path: str, message: str) -> InputError:
        """One issue at ``path``, printed as ``message`` alone: for a fault whose sentence already
        says where it is (``published plan is for problem 'a'``) but whose field a client needs."""
        exc = cls([FieldIssue(path, message)])
        exc.args = (message,)
        return exc

    @classmethod
    def of(cls, error: ValidationError, source: str, prefix: str = "") -> InputError:
        """The InputError of a pydantic ValidationError of document ``source``."""
        return cls(issues_of(error, prefix), source)

    def __reduce__(self) -> tuple[Any, ...]:
        """Crosses process borders (Dask, worker processes) with its issues, not just its text."""
        return (_rebuilt, (str(self), self.errors, self.source))


def _rebuilt(text: str, errors: list[FieldIssue], source: str | None) -> InputError:
    exc = InputError(errors, source)
    exc.args = (text,)
    return exc
