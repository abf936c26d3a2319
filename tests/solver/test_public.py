"""``solver``'s public names: each resolves, a day plans through them, and importing is cheap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import solver

ROOT = Path(__file__).resolve().parents[2]


def test_every_public_name_resolves() -> None:
    assert sorted(solver.__all__) == sorted(solver.PUBLIC)
    for name in solver.__all__:
        assert getattr(solver, name) is not None, name


def test_a_day_plans_checks_and_evaluates_through_the_public_names() -> None:
    problem = solver.load_problem(ROOT / "instances" / "homecare" / "small.json")
    solution = solver.solve(problem, time_limit_s=5, seed=0, solution_limit=5)
    assert solver.check(problem, solution) == []
    plan = solver.PlanDocument.model_validate(
        {
            "runs": [
                {"carer_id": r.carer_id, "visit_ids": [s.visit_id for s in r.stops]} for r in solution.runs
            ]
        }
    )
    again, violations = solver.evaluate(problem, plan)
    assert violations == [] and again.kpis.visits_assigned == solution.kpis.visits_assigned


def test_importing_solver_does_not_load_the_engine() -> None:
    code = "import sys, solver; solver.Problem; print('ortools' in sys.modules, 'pyvrp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        solver.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
