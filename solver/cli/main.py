"""The ``carerun`` command: JSON in, JSON out, a summary for people, exit codes for scripts.

Exit codes: 0 done; 1 internal error (or, for ``check``, a plan that breaks a rule);
2 bad input, with a message that names the field and the problem and no traceback.
Plans go to ``-o FILE`` or standard output; progress and summaries go to standard error.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from solver.io.documents import InputError, load_problem, load_solution, with_history
from solver.model.problem import Problem, Solution

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Plan home-care carer runs.")
err = Console(stderr=True)
T = TypeVar("T")


def _guard(action: Callable[[], T]) -> T:
    """Bad input exits 2 with its message; anything unexpected exits 1 with one line."""
    try:
        return action()
    except InputError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except typer.Exit:
        raise
    except Exception as exc:
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


def _write_json(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")


def _solve_with_bar(
    problem: Problem, time_limit: float, seed: int | None, solution_limit: int | None
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


class WarmStart(StrEnum):
    pyvrp = "pyvrp"
    vroom = "vroom"
    none = "none"


@app.command()
def solve(
    problem: Annotated[Path, typer.Argument(help="Problem JSON, or a Solomon/Homberger .txt file.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the plan here.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.1, help="Seconds.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0)] = None,
    solution_limit: Annotated[int | None, typer.Option("--solution-limit", min=1)] = None,
    history: Annotated[
        Path | None, typer.Option("--history", help="Visit history JSON, added to the problem's.")
    ] = None,
    warm_start: Annotated[
        WarmStart | None,
        typer.Option("--warm-start", help="First plan, on days it can express (default: pyvrp)."),
    ] = None,
) -> None:
    """Plan a day's runs and print a summary."""
    prob = _guard(lambda: load_problem(problem))
    if history is not None:
        prob = _guard(lambda: with_history(prob, history))
    if warm_start is not None:
        options = prob.options.model_copy(update={"warm_start": warm_start.value})
        prob = prob.model_copy(update={"options": options})
    limit = time_limit if time_limit is not None else prob.options.time_limit_s
    solution = _guard(lambda: _solve_with_bar(prob, limit, seed=seed, solution_limit=solution_limit))
    _write_json(solution.model_dump_json(indent=2), output)
    err.print(summary_table(solution))


@app.command()
def check(
    problem: Annotated[Path, typer.Argument(help="Problem JSON or Solomon .txt file.")],
    solution: Annotated[Path, typer.Argument(help="Solution JSON to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print violations as JSON.")] = False,
) -> None:
    """Re-time a plan from the problem alone; exit 1 if it breaks any rule."""
    from solver.analysis.check import check as run_check
    from solver.analysis.check import format_report

    prob = _guard(lambda: load_problem(problem))
    sol = _guard(lambda: load_solution(solution))
    violations = _guard(lambda: run_check(prob, sol))
    if as_json:
        sys.stdout.write(json.dumps([v.to_dict() for v in violations], indent=2) + "\n")
    else:
        err.print(format_report(violations), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1 if violations else 0)


@app.command()
def evaluate(
    problem: Annotated[Path, typer.Argument(help="Problem JSON.")],
    plan: Annotated[Path, typer.Argument(help="A Solution, or runs of carer_id and visit_ids.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the timed plan.")] = None,
) -> None:
    """Re-time a given plan, print its figures and every broken rule; exit 1 if any."""
    from solver.day.evaluate import run_evaluate

    raise typer.Exit(_guard(lambda: run_evaluate(problem, plan, output, err)))


@app.command()
def replan(
    problem: Annotated[Path, typer.Argument(help="Problem JSON.")],
    published: Annotated[Path, typer.Argument(help="The published Solution.")],
    events: Annotated[Path, typer.Argument(help='The events JSON: {"events": [...]}.')],
    now: Annotated[str, typer.Option("--now", help="Time now, HH:MM: stops started before it are frozen.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the new plan here.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.1, help="Seconds.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0)] = None,
    problem_out: Annotated[
        Path | None, typer.Option("--problem-out", help="Also write the problem solved.")
    ] = None,
) -> None:
    """Re-plan the rest of the day after events; print the changes against the published plan."""
    from solver.day.replan import run_replan

    _guard(lambda: run_replan(problem, published, events, now, output, time_limit, seed, problem_out, err))


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="problem or solution")] = "problem",
) -> None:
    """Print the JSON Schema of the contract."""
    models: dict[str, type[BaseModel]] = {"problem": Problem, "solution": Solution}
    if kind not in models:
        err.print(f"error: unknown schema {kind!r}; choose problem or solution", markup=False)
        raise typer.Exit(2)
    sys.stdout.write(json.dumps(models[kind].model_json_schema(), indent=2) + "\n")


@app.command()
def generate(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the problem here.")] = None,
    zone: Annotated[str, typer.Option(help="Area-board hub town, or 'county'.")] = "Warminster",
    visits: Annotated[int, typer.Option(min=1, help="Visits to draw.")] = 330,
    carers: Annotated[int | None, typer.Option(min=1, help="Carers (default: sized to demand).")] = None,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    date: Annotated[str, typer.Option(help="Plan date, YYYY-MM-DD.")] = "2026-11-26",
    solve_seconds: Annotated[
        float,
        typer.Option("--solve", min=0, help="Also plan the day for S seconds and calibrate on the plan."),
    ] = 0,
) -> None:
    """Draw a realistic seeded home-care day for a Wiltshire zone, with its calibration."""
    from solver.generate.day import calibration, format_calibration, generate_day

    def make() -> Problem:
        try:
            return generate_day(zone=zone, visits=visits, carers=carers, seed=seed, date=date)
        except (ValueError, KeyError) as exc:
            raise InputError(str(exc)) from exc

    prob = _guard(make)
    _write_json(prob.model_dump_json(indent=2, exclude_none=True), output)
    plan = _guard(lambda: _solve_with_bar(prob, solve_seconds, None, None)) if solve_seconds else None
    err.print(format_calibration(calibration(prob, plan)), markup=False, highlight=False, soft_wrap=True)


def _register_simulate() -> None:
    """The zone simulator lives in its own package (solver/simulate)."""
    from solver.simulate.cli import simulate_command

    app.command("simulate")(simulate_command)


_register_simulate()


def _register_api() -> None:
    """The HTTP API's commands (api/cli.py): keys and serve."""
    from api.cli import keys_app, serve

    app.add_typer(keys_app, name="keys")
    app.command("serve")(serve)


_register_api()

if __name__ == "__main__":
    app()
