"""``carerun check``: the independent checker on a plan from anywhere."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from solver.cli.output import ExitCode, err
from solver.io.documents import load_problem, load_solution


def check(
    problem: Annotated[Path, typer.Argument(help="Problem JSON or Solomon .txt file.")],
    solution: Annotated[Path, typer.Argument(help="Solution JSON to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print violations as JSON.")] = False,
) -> None:
    """Re-time a plan from the problem alone; exit 1 if it breaks any rule."""
    from solver.analysis.check import check as run_check
    from solver.analysis.check import format_report
    from solver.travel.valhalla import checkable

    prob = checkable(load_problem(problem))  # road times as the matrices they give
    sol = load_solution(solution)
    violations = run_check(prob, sol)
    if as_json:
        sys.stdout.write(json.dumps([v.to_dict() for v in violations], indent=2) + "\n")
    else:
        err.print(format_report(violations), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(ExitCode.BREAKS_A_RULE if violations else ExitCode.DONE)
