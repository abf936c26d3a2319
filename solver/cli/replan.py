"""``carerun replan``: the rest of the day re-planned after events, against the published plan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from solver.cli.output import err, summary_table, write_json
from solver.io.documents import InputError, load_problem, load_solution, parse, read_text
from solver.model.clock import parse_time

if TYPE_CHECKING:
    from solver.day.replan import Events


def load_events(path: Path) -> Events:
    """An events file: ``{"events": [...]}``; a bad one is an input error naming the field."""
    from solver.day.replan import Events

    return parse(Events, read_text(path), str(path))


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
    from solver.day.replan import TOLERANCE_MIN, change_counts
    from solver.day.replan import replan as replan_day

    try:
        at = parse_time(now)
    except ValueError as exc:
        raise InputError(f"--now: {exc}") from exc
    prob = load_problem(problem)
    plan = load_solution(published)
    happened = load_events(events)
    limit = time_limit if time_limit is not None else prob.options.time_limit_s
    solution, new_problem = replan_day(prob, plan, happened, at, time_limit_s=limit, seed=seed)
    if problem_out is not None:
        write_json(new_problem.model_dump_json(indent=2), problem_out)
    write_json(solution.model_dump_json(indent=2), output)
    err.print(summary_table(solution))
    counts = change_counts(solution)
    err.print(
        f"changes against the published plan: {counts['visits_changed']} visit(s) "
        f"({counts['carer']} to another carer, {counts['time']} moved over {TOLERANCE_MIN:.0f} min, "
        f"{counts['added']} added, {counts['dropped']} cancelled or dropped)",
        markup=False,
        highlight=False,
    )
