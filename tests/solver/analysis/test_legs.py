"""The checker's own travel reading agrees with the engine's matrices, and catches them when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

import solver.travel as travel_package
from solver.analysis.check import check
from solver.analysis.legs import Legs, great_circle_m
from solver.engine.search import solve
from solver.io.documents import load_problem
from solver.model.problem import Location, MatrixTravel, Problem
from solver.travel import haversine

ROOT = Path(__file__).resolve().parents[3]
SMALL = ROOT / "instances" / "homecare" / "small.json"


def test_great_circle_of_a_known_pair() -> None:
    # Salisbury Cathedral to Stonehenge: about 12.8 km as the crow flies
    cathedral, stonehenge = Location(lat=51.0651, lon=-1.7975), Location(lat=51.1789, lon=-1.8262)
    assert great_circle_m(cathedral, stonehenge) == pytest.approx(12_800, rel=0.02)
    assert great_circle_m(cathedral, cathedral) == 0.0


def _every_leg_agrees(problem: Problem) -> None:
    legs, built = Legs(problem), travel_package.build_travel(problem)
    for mode in {c.travel_mode for c in problem.carers}:
        for a in built.places:
            for b in built.places:
                assert legs.leg(mode, a, b) == (built.duration(mode, a, b), built.distance(mode, a, b))


def test_legs_equal_the_engine_matrices_on_great_circles() -> None:
    _every_leg_agrees(load_problem(SMALL))


def test_legs_equal_the_engine_matrices_on_given_matrices() -> None:
    problem = load_problem(SMALL)
    built = travel_package.build_travel(problem)
    travel = MatrixTravel(
        model="matrix",
        locations=built.places,
        durations_s={m: (d + 0.4).tolist() for m, d in built.durations_s.items()},
        distances_m={m: d.tolist() for m, d in built.distances_m.items()},
    )
    _every_leg_agrees(problem.model_copy(update={"travel": travel}))


def test_a_fault_in_the_engine_travel_code_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the engine's great-circle code: the plan it makes is late on the checker's own legs.

    Were the checker to build its travel with the engine's code, it would share the fault and
    find nothing."""
    real = haversine.all_pairs_m
    monkeypatch.setattr(haversine, "all_pairs_m", lambda lat, lon: real(lat, lon) / 2)
    problem = load_problem(SMALL)
    solution = solve(problem, time_limit_s=2, seed=0, solution_limit=5)
    assert {v.rule for v in check(problem, solution)} & {"timing", "travel", "totals"}
