"""``carerun solve``: plan a day's runs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from solver.cli.output import err, solve_with_bar, summary_table, write_json
from solver.io.documents import load_problem, with_history


class WarmStart(StrEnum):
    pyvrp = "pyvrp"
    vroom = "vroom"
    none = "none"


class Objective(StrEnum):
    travel = "travel"
    paid_time = "paid-time"


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
    objective: Annotated[
        Objective | None,
        typer.Option("--objective", help="travel, or paid-time: travel plus paid waiting (default: travel)."),
    ] = None,
) -> None:
    """Plan a day's runs and print a summary."""
    prob = load_problem(problem)
    if history is not None:
        prob = with_history(prob, history)
    chosen = {"warm_start": warm_start, "objective": objective}
    update = {name: value.value for name, value in chosen.items() if value is not None}
    if update:
        prob = prob.model_copy(update={"options": prob.options.model_copy(update=update)})
    limit = time_limit if time_limit is not None else prob.options.time_limit_s
    solution = solve_with_bar(prob, limit, seed=seed, solution_limit=solution_limit)
    write_json(solution.model_dump_json(indent=2), output)
    err.print(summary_table(solution))
