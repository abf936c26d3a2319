"""What every ``carerun`` command shares: exit codes, standard error, JSON out, the summary.

Plans and other documents go to ``-o FILE`` or standard output, so that they can be piped;
everything meant for people (progress, summaries, errors) goes to standard error.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from solver.io.documents import InputError
from solver.model.problem import Problem, Solution

err = Console(stderr=True)
T = TypeVar("T")


class ExitCode(IntEnum):
    """What a script can rely on; 70 is sysexits' EX_SOFTWARE, 130 the shell's code for Ctrl-C."""

    DONE = 0
    BREAKS_A_RULE = 1
    BAD_INPUT = 2
    INTERNAL_ERROR = 70
    INTERRUPTED = 130


EXIT_CODES = (
    "Exit codes: 0 done; 1 the plan breaks a rule (check, evaluate, simulate); "
    "2 bad input or usage, with a message naming the field; "
    "70 internal error, in one line; 130 interrupted (Ctrl-C)."
)


def one_line(text: str) -> str:
    """The text with its line breaks and runs of spaces folded, for a message of one line."""
    return " ".join(text.split())


def guard(action: Callable[[], T]) -> T:
    """Run a command's work and turn what goes wrong into an exit code and one line on stderr.

    Bad input exits 2 with its message; Ctrl-C exits 130; anything unexpected exits 70, never
    with a traceback, so that it cannot be taken for a plan that breaks a rule (1). Exceptions
    that carry their own exit code (``typer.Exit``, usage errors) pass through untouched."""
    try:
        return action()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False, highlight=False)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except InputError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        if isinstance(getattr(exc, "exit_code", None), int):
            raise
        line = one_line(f"{type(exc).__name__}: {exc}")
        err.print(f"[red]internal error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
        raise typer.Exit(ExitCode.INTERNAL_ERROR) from None


def write_json(text: str, out: Path | None) -> None:
    """A document to ``out`` (folders made as needed) or, without one, to standard output."""
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")


def solve_with_bar(
    problem: Problem, time_limit: float, seed: int | None = None, solution_limit: int | None = None
) -> Solution:
    """Run the engine in a thread and show a bar over the time limit meanwhile."""
    from solver.engine.search import solve

    box: dict[str, Solution | BaseException] = {}

    def work() -> None:
        try:
            box["solution"] = solve(
                problem, time_limit_s=time_limit, seed=seed, solution_limit=solution_limit
            )
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    started = time.monotonic()
    worker.start()
    columns = (TextColumn("planning"), BarColumn(), TimeElapsedColumn(), TextColumn("of {task.total:.0f} s"))
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("solve", total=time_limit)
        while worker.is_alive():
            worker.join(0.1)
            bar.update(task, completed=min(time.monotonic() - started, time_limit))
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["solution"]  # type: ignore[return-value]


def summary_table(solution: Solution) -> Table:
    """The plan's headline figures, for people (standard error)."""
    k = solution.kpis
    table = Table(title=escape(f"{solution.problem_id}: {solution.status}"), show_header=False)
    table.add_row("visits served", f"{k.visits_assigned} / {k.visits}")
    table.add_row("double-ups served", f"{k.double_ups_assigned} / {k.double_ups}")
    for code, count in k.unassigned_by_code.items():
        table.add_row(f"unassigned: {code}", str(count))
    table.add_row("carers used", str(k.carers_used))
    table.add_row("care hours", f"{k.care_s / 3600:.1f}")
    table.add_row("travel hours", f"{k.travel_s / 3600:.1f}")
    table.add_row("travel min per care hour", f"{k.travel_per_care_hour_min:.1f}")
    table.add_row("distance km", f"{k.distance_m / 1000:.1f}")
    for label, value in (
        ("continuity rate", k.continuity_rate),
        ("late visits", k.late_visits),
        ("pay cost per care hour", k.cost_per_care_hour),
        ("runs flagged (NLW, WTR)", k.flagged_runs),
    ):
        if value is not None:
            table.add_row(label, str(value))
    table.add_row(
        "solver", f"{solution.solver.engine}, {solution.solver.wall_s:.1f} s, seed {solution.solver.seed}"
    )
    return table
