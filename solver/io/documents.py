"""Reading problems and solutions from files, with errors that name the field at fault."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from solver.model.problem import History, Problem, Solution

M = TypeVar("M", bound=BaseModel)


class InputError(ValueError):
    """Bad input: the message names the file, the field and what is wrong."""


def format_validation_error(error: ValidationError, source: str) -> str:
    lines = [f"{source}: {error.error_count()} problem(s)"]
    for item in error.errors(include_url=False)[:50]:
        path = _path(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {path + ': ' if path else ''}{message}")
    return "\n".join(lines)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("haversine", "matrix"):  # union tags, not fields
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _read(path: Path | str) -> str:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"{p}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot be read ({exc})") from exc


def read_text(path: Path | str) -> str:
    """A document's text, for callers that parse it into a model of their own (a plan, events);
    a missing or unreadable file is an input error that names it."""
    return _read(path)


def parse(model: type[M], text: str, source: str) -> M:
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise InputError(format_validation_error(exc, source)) from exc


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
