"""``carerun evaluate``: someone else's plan re-timed and scored on our figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from solver.cli.output import ExitCode, err, summary_table, write_json
from solver.io.documents import load_problem, read_text


def evaluate(
    problem: Annotated[Path, typer.Argument(help="Problem JSON.")],
    plan: Annotated[Path, typer.Argument(help="A Solution, or runs of carer_id and visit_ids.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the timed plan.")] = None,
) -> None:
    """Re-time a given plan, print its figures and every broken rule; exit 1 if any."""
    from solver.analysis.check import format_report
    from solver.day.evaluate import evaluate as evaluate_plan
    from solver.day.evaluate import parse_plan

    prob = load_problem(problem)
    given = parse_plan(read_text(plan), str(plan))
    solution, violations = evaluate_plan(prob, given)
    write_json(solution.model_dump_json(indent=2), output)
    err.print(summary_table(solution))
    err.print(format_report(violations), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(ExitCode.BREAKS_A_RULE if violations else ExitCode.DONE)
