"""``carerun schema``: the JSON Schema of the contract, for other tools to validate against."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from pydantic import BaseModel

from solver.cli.output import ExitCode, err
from solver.model.problem import Problem, Solution


def schema(
    kind: Annotated[str, typer.Argument(help="problem or solution")] = "problem",
) -> None:
    """Print the JSON Schema of the contract."""
    models: dict[str, type[BaseModel]] = {"problem": Problem, "solution": Solution}
    if kind not in models:
        err.print(f"error: unknown schema {kind!r}; choose problem or solution", markup=False)
        raise typer.Exit(ExitCode.BAD_INPUT)
    sys.stdout.write(json.dumps(models[kind].model_json_schema(), indent=2) + "\n")
