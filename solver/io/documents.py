"""Reading problems and solutions from files, with errors that name the field at fault.

``InputError`` lives in ``solver.model.errors``; it is re-exported here, where most callers
meet it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from solver.model.errors import InputError, issues_of, render
from solver.model.problem import History, Problem, Solution

__all__ = [
    "InputError",
    "format_validation_error",
    "load_history",
    "load_problem",
    "load_solution",
    "parse",
    "with_history",
]

M = TypeVar("M", bound=BaseModel)


def format_validation_error(error: ValidationError, source: str) -> str:
    """The report the CLI prints for a document pydantic refused (``str`` of its InputError)."""
    return render(issues_of(error), source)


def _read(path: Path | str) -> str:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("no such file", source=str(p)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read ({exc})", source=str(p)) from exc


def read_text(path: Path | str) -> str:
    """A document's text, for callers that parse it into a model of their own (a plan, events);
    a missing or unreadable file is an input error that names it."""
    return _read(path)


def parse(model: type[M], text: str, source: str) -> M:
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise InputError.of(exc, source) from exc


def load_problem(path: Path | str) -> Problem:
    """A contract Problem (JSON) or a Solomon / Gehring-Homberger text file."""
    from solver.io.classic import is_classic, read_solomon

    p = Path(path)
    if p.suffix.lower() == ".txt" and p.exists() and is_classic(p):
        try:
            return read_solomon(p)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
    return parse(Problem, _read(p), str(p))


def load_solution(path: Path | str) -> Solution:
    return parse(Solution, _read(path), str(path))


def load_history(path: Path | str) -> History:
    """A visit-history file: ``{"history": [{"date", "client_id", "carer_id"}, ...]}``."""
    return parse(History, _read(path), str(path))


def with_history(problem: Problem, path: Path | str) -> Problem:
    """The problem with the file's history appended to its own."""
    extra = load_history(path).history
    return problem.model_copy(update={"history": [*problem.history, *extra]})
