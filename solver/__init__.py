"""carerun's solver: plan a day of home-care visits, check a plan, evaluate or re-plan a day.

The public API in one import::

    from solver import check, load_problem, solve

    problem = load_problem("instances/homecare/small.json")
    solution = solve(problem, time_limit_s=10, seed=0)
    assert check(problem, solution) == []

The package is layered (model < travel < io < analysis < engine < day < generate < simulate <
cli; ``make lint`` enforces it), and these names are the entry points of its layers. They load
on first use, so ``import solver`` stays cheap (OR-Tools is imported only when a day is planned)
and the package itself imports none of its layers.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# name -> the module that holds it
PUBLIC = {
    "Problem": "solver.model.problem",
    "Solution": "solver.model.problem",
    "Visit": "solver.model.problem",
    "Carer": "solver.model.problem",
    "Run": "solver.model.problem",
    "Stop": "solver.model.problem",
    "InputError": "solver.model.errors",
    "FieldIssue": "solver.model.errors",
    "load_problem": "solver.io.documents",
    "load_solution": "solver.io.documents",
    "check": "solver.analysis.check",
    "Violation": "solver.analysis.check",
    "solve": "solver.engine",
    "FirstPlan": "solver.engine",
    "evaluate": "solver.day.evaluate",
    "PlanDocument": "solver.day.evaluate",
    "replan": "solver.day.replan",
    "Events": "solver.day.replan",
}

__all__ = [  # noqa: RUF022 - grouped by layer, as PUBLIC
    "Carer",
    "FieldIssue",
    "InputError",
    "Problem",
    "Run",
    "Solution",
    "Stop",
    "Visit",
    "load_problem",
    "load_solution",
    "Violation",
    "check",
    "FirstPlan",
    "solve",
    "PlanDocument",
    "evaluate",
    "Events",
    "replan",
]


def __getattr__(name: str) -> Any:
    if name in PUBLIC:
        return getattr(import_module(PUBLIC[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
