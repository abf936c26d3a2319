"""Classic VRPTW benchmarks (Solomon, Gehring-Homberger) read as carerun Problems."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from solver.io.classic import (
    INSTANCES_DIR,
    BestKnown,
    dimacs_distance_matrix,
    instance_path,
    is_classic,
    read_bks,
    read_bks_routes,
    read_solomon,
    solution_distance,
)
from solver.model.problem import MatrixTravel, Problem
from solver.travel import build_travel

SOLOMON = INSTANCES_DIR / "solomon"
HOMBERGER = INSTANCES_DIR / "homberger"


@pytest.fixture(scope="module")
def c101() -> Problem:
    return read_solomon(SOLOMON / "C101.txt")


def test_c101_parses(c101: Problem) -> None:
    assert c101.id == "C101"
    assert len(c101.visits) == 100
    assert len(c101.carers) == 25
    assert [c.id for c in c101.carers[:2]] == ["k01", "k02"]
    assert c101.carers[-1].id == "k25"
    for carer in c101.carers:
        assert carer.capacity == 200
        assert (carer.shift.start, carer.shift.end) == (0, 12360)
        assert carer.start == carer.end_location
        assert carer.start.key() == (0.05, 0.04)  # depot (x=40, y=50): lat = y/1000
        assert carer.travel_mode == "car"
    first = c101.visits[0]
    assert (first.id, first.client_id) == ("1", "1")
    assert (first.window.start, first.window.end) == (9120, 9670)
    assert first.duration_min == pytest.approx(15)
    assert first.duration_s == 900
    assert first.demand == 10
    assert first.location.key() == (0.068, 0.045)
    assert isinstance(c101.travel, MatrixTravel)
    assert list(c101.travel.durations_s) == ["car"]
    assert len(c101.travel.locations) == 101
    assert c101.options.time_limit_s == 10 and c101.options.seed == 0


def test_options_are_passed() -> None:
    problem = read_solomon(str(SOLOMON / "R101.txt"), time_limit_s=3.5, seed=7)
    assert (problem.options.time_limit_s, problem.options.seed) == (3.5, 7)


def test_truncated_distance_by_hand(c101: Problem) -> None:
    # Depot (40, 50) to customer 1 (45, 68): sqrt(25 + 324) = 18.681... -> 186.
    travel = build_travel(c101)
    depot, one = c101.carers[0].start, c101.visits[0].location
    assert travel.distance("car", depot, one) == 186
    assert travel.duration("car", depot, one) == 186
    assert travel.distance("car", one, depot) == 186
    assert solution_distance(c101, [["1"]]) == pytest.approx(37.2)


def test_truncation_is_exact_integer_math() -> None:
    # (0,0)-(3,4) is exactly 5 -> 50; (0,0)-(1,1) is 1.414.. -> 14; (0,0)-(7,7) is 9.899.. -> 98.
    m = dimacs_distance_matrix(np.array([0, 3, 1, 7]), np.array([0, 4, 1, 7]))
    assert m[0].tolist() == [0, 50, 14, 98]
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 500, 60), rng.integers(0, 500, 60)
    m = dimacs_distance_matrix(x, y)
    for i in range(60):
        for j in range(60):
            dx, dy = int(x[i] - x[j]), int(y[i] - y[j])
            assert m[i, j] == math.isqrt(100 * (dx * dx + dy * dy))


def test_non_integer_coordinates_fall_back_to_floor() -> None:
    m = dimacs_distance_matrix(np.array([0.0, 0.5]), np.array([0.0, 1.25]))
    assert m[0, 1] == math.floor(10 * math.hypot(0.5, 1.25))


def _check_feasible(problem: Problem, routes: list[list[str]]) -> None:
    """Forward timing: start = max(arrival, ready) <= due; back at the depot by its due date."""
    travel = build_travel(problem)
    dur = travel.durations_s["car"]
    depot = travel.index(problem.carers[0].start)
    shift = problem.carers[0].shift
    capacity = problem.carers[0].capacity
    visits = {v.id: v for v in problem.visits}
    served = [vid for route in routes for vid in route]
    assert sorted(served) == sorted(visits)
    assert len(routes) <= len(problem.carers)
    for route in routes:
        t, here, load = shift.start, depot, 0
        for vid in route:
            visit = visits[vid]
            there = travel.index(visit.location)
            start = max(t + int(dur[here, there]), visit.window.start)
            assert start <= visit.window.end, (problem.id, vid)
            t, here, load = start + visit.duration_s, there, load + visit.demand
        assert t + int(dur[here, depot]) <= shift.end
        assert capacity is not None and load <= capacity


@pytest.mark.parametrize("name", ["C101", "R101", "RC101"])
def test_bks_routes_reproduce_cost_and_are_feasible(name: str) -> None:
    problem = read_solomon(SOLOMON / f"{name}.txt")
    routes = read_bks_routes(SOLOMON / f"{name}.sol")
    bks = read_bks(name)
    assert bks is not None
    assert len(routes) == bks.vehicles
    assert solution_distance(problem, routes) == pytest.approx(bks.distance, abs=0.05)
    _check_feasible(problem, routes)


def test_read_bks() -> None:
    assert read_bks("R101") == BestKnown(vehicles=20, distance=1637.7)
    assert read_bks("r101") == BestKnown(vehicles=20, distance=1637.7)
    assert read_bks("C1_2_1") is not None
    assert read_bks("NOPE") is None


def test_read_bks_routes_format(tmp_path: Path) -> None:
    sol = tmp_path / "x.sol"
    sol.write_text("Route #1: 3 1 \r\nRoute #2: 2\r\nCost 12.5\r\n")
    assert read_bks_routes(sol) == [["3", "1"], ["2"]]


def test_homberger_200_parses() -> None:
    problem = read_solomon(HOMBERGER / "C1_2_1.txt")
    assert problem.id == "C1_2_1"
    assert len(problem.visits) == 200
    assert len(problem.carers) == 50
    assert problem.carers[0].capacity == 200
    assert instance_path("c1_2_1") == HOMBERGER / "C1_2_1.txt"
    assert instance_path("C101") == SOLOMON / "C101.txt"


def test_identical_coordinates_share_a_location(tmp_path: Path) -> None:
    path = tmp_path / "TINY.txt"
    path.write_text(
        "TINY\n\nVEHICLE\nNUMBER     CAPACITY\n 3 10\n\nCUSTOMER\n"
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n"
        "0 0 0 0 0 100 0\n1 3 4 1 0 50 10\n2 3 4 2 5 60 10\n"
    )
    problem = read_solomon(path)
    assert isinstance(problem.travel, MatrixTravel)
    assert len(problem.travel.locations) == 2
    assert problem.travel.distances_m["car"] == [[0, 50], [50, 0]]
    assert [c.id for c in problem.carers] == ["k01", "k02", "k03"]
    assert problem.visits[1].window.start == 50
    assert solution_distance(problem, [["1", "2"]]) == pytest.approx(10.0)


_HEADER = "X\n\nVEHICLE\nNUMBER     CAPACITY\n  2         50\n\n"
_TABLE = "CUSTOMER\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (_HEADER, 6),  # no CUSTOMER section at all: reported at the end of the file
        (_HEADER + "0 0 0 0 0 100 0\n", 7),  # a row where the CUSTOMER header should be
        (_HEADER + _TABLE + "0 0 0 0 0 100 0\n1 5 abc 3 0 50 10\n", 11),
        (_HEADER + _TABLE + "0 0 0 0 0 100 0\n1 5 5 3 0 50\n", 11),
        ("X\n\nVEHICLE\nNUMBER     CAPACITY\n  two  50\n\n" + _TABLE + "0 0 0 0 0 100 0\n", 5),
    ],
)
def test_malformed_file_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "BAD.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=rf"line {line}\b"):
        read_solomon(path)


def test_is_classic(tmp_path: Path) -> None:
    assert is_classic(SOLOMON / "C101.txt")
    assert is_classic(HOMBERGER / "RC2_4_10.txt")
    assert not is_classic(SOLOMON / "C101.sol")
    other = tmp_path / "notes.txt"
    other.write_text("just some notes\n")
    assert not is_classic(other)
    assert not is_classic(tmp_path / "missing.txt")
    json_file = tmp_path / "p.json"
    json_file.write_text('{"VEHICLE": 1, "CUSTOMER": 2}')
    assert not is_classic(json_file)
