"""The quality harness keeps working: an iteration-limited smoke run on one instance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import quality
from benchmarks.feasibility import evaluate
from benchmarks.sets import SETS, relax
from solver.engine.compiled import compile_problem
from solver.io.classic import read_bks, read_bks_routes, read_solomon
from solver.io.documents import load_problem

ROOT = Path(__file__).resolve().parents[2]


def _c101_routes() -> list[list[int]]:
    problem = read_solomon(ROOT / "instances" / "solomon" / "C101.txt")
    index = {v.id: i for i, v in enumerate(problem.visits)}
    return [
        [index[c] for c in route] for route in read_bks_routes(ROOT / "instances" / "solomon" / "C101.sol")
    ]


def test_best_known_plan_is_feasible_and_costs_the_best_known() -> None:
    cp = compile_problem(read_solomon(ROOT / "instances" / "solomon" / "C101.txt"))
    ev = evaluate(cp, _c101_routes())
    best = read_bks("C101")
    assert best is not None
    assert ev.feasible, ev.violations
    assert ev.served == 100 and ev.vehicles == best.vehicles
    assert abs(ev.cost / 10 - best.distance) < 0.05


def test_broken_plans_are_caught() -> None:
    cp = compile_problem(read_solomon(ROOT / "instances" / "solomon" / "C101.txt"))
    routes = _c101_routes()
    one_route = [[v for r in routes for v in r]]  # 100 visits, load 1810 > 200, windows missed
    ev = evaluate(cp, one_route)
    assert any("capacity" in m for m in ev.violations)
    assert any("window" in m for m in ev.violations)
    twice = [routes[0] + routes[0][:1], *routes[1:]]
    assert any("twice" in m for m in evaluate(cp, twice).violations)
    reversed_first = [routes[0][::-1], *routes[1:]]
    assert not evaluate(cp, reversed_first).feasible


def test_relaxation_keeps_windows_and_shifts_and_drops_what_peers_cannot_express() -> None:
    problem = load_problem(ROOT / "instances" / "homecare" / "small.json")
    relaxed = relax(problem)
    assert [v.window for v in relaxed.visits] == [v.window for v in problem.visits]
    assert [c.shift for c in relaxed.carers] == [c.shift for c in problem.carers]
    assert any(v.carers_required == 2 for v in problem.visits)
    assert all(v.carers_required == 1 and not v.skills for v in relaxed.visits)
    assert all(not c.breaks for c in relaxed.carers)
    assert all(v.promised is None and not v.after for v in relaxed.visits)
    assert relaxed.continuity.max_carers_per_client is None and not relaxed.history


def test_every_set_has_instances_and_solomon_has_all_56() -> None:
    assert len(SETS["solomon"]()) == 56
    assert len(SETS["homberger200"]()) == 60 and len(SETS["homberger400"]()) == 60
    assert [c.name for c in SETS["homecare"]()] == ["small", "zone", "large"]


@pytest.mark.parametrize("peers", ["pyvrp,vroom,ortools-plain"])
def test_smoke_run_checks_every_plan_writes_as_it_goes_and_resumes(tmp_path: Path, peers: str) -> None:
    out = tmp_path / "q.json"
    argv = ["--set", "solomon", "--time-limit", "5", "--iterations", "20", "--instances", "C101,R101"]
    assert quality.main([*argv, "--peers", peers, "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["versions"]["ortools"].startswith("9.15") and report["versions"]["pyvrp"]
    assert report["command"].startswith("python -m benchmarks.quality --set solomon")
    runs = report["runs"]
    assert {(r["instance"], r["solver"]) for r in runs} == {
        (i, s) for i in ("C101", "R101") for s in ("carerun", "pyvrp", "vroom", "ortools-plain")
    }
    for r in runs:
        assert r["feasible"], r
        assert r["gap_pct"] >= -0.01  # nobody beats a best-known solution on these
        assert len(r["loadavg"]) == 2
    assert report["summary"]["carerun"]["feasible"] == 2
    # resumable: a second call finds every run done and adds none
    assert quality.main([*argv, "--peers", peers, "--out", str(out)]) == 0
    assert len(json.loads(out.read_text())["runs"]) == len(runs)


def test_homecare_smoke_compares_peers_on_the_relaxation(tmp_path: Path) -> None:
    out = tmp_path / "h.json"
    argv = ["--set", "homecare", "--time-limit", "5", "--iterations", "10", "--instances", "small"]
    assert quality.main([*argv, "--peers", "vroom", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["notes"] and "double-ups" in report["notes"][0]
    vroom = next(r for r in report["runs"] if r["solver"] == "vroom")
    assert vroom["feasible"] and vroom["gap_pct"] == 0.0  # the only reference peer in this run


def test_mankowska_set_runs_every_solver_on_the_same_relaxation(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    argv = ["--set", "mankowska", "--time-limit", "2", "--iterations", "10"]
    argv += ["--instances", "InstanzCPLEX_HCSRP_10_1", "--peers", "pyvrp,vroom", "--out", str(out)]
    assert quality.main(argv) == 0
    report = json.loads(out.read_text())
    assert report["notes"] and "windows closed at l" in report["notes"][0]
    runs = {r["solver"]: r for r in report["runs"]}
    assert set(runs) == {"carerun", "pyvrp", "vroom"}
    assert all(r["feasible"] for r in runs.values())


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    base = ["--set", "solomon", "--time-limit", "1", "--out", str(tmp_path / "x.json")]
    assert quality.main([*base, "--instances", "NOPE"]) == 2
    assert quality.main([*base, "--peers", "gurobi"]) == 2
    assert quality.main([*base, "--warm-starts", "ortools"]) == 2
    assert quality.main([*base, "--merge-from", str(tmp_path / "missing.json")]) == 2


def test_two_processes_fill_one_report_peers_and_carerun_apart(tmp_path: Path) -> None:
    argv = ["--set", "solomon", "--time-limit", "5", "--iterations", "10", "--instances", "C101"]
    ours, theirs = tmp_path / "ours.json", tmp_path / "peers.json"
    assert quality.main([*argv, "--peers", "", "--warm-starts", "none", "--out", str(ours)]) == 0
    assert quality.main([*argv, "--peers", "vroom", "--no-carerun", "--out", str(theirs)]) == 0
    assert {r["solver"] for r in json.loads(theirs.read_text())["runs"]} == {"vroom"}
    merged = [*argv, "--peers", "vroom", "--warm-starts", "none", "--merge-from", str(theirs)]
    assert quality.main([*merged, "--out", str(ours)]) == 0
    report = json.loads(ours.read_text())
    assert sorted(r["solver"] for r in report["runs"]) == ["carerun", "carerun-warm:none", "vroom"]
    assert set(report["summary"]) == {"carerun", "carerun-warm:none", "vroom"}
    assert len(report["commands"]) == 3  # both processes' commands and the merge
    other = ["--set", "solomon", "--time-limit", "7", "--instances", "C101", "--merge-from", str(theirs)]
    assert quality.main([*other, "--out", str(tmp_path / "y.json")]) == 2  # not the same limit
