"""The paid-time harness says which day its figures are on."""

from __future__ import annotations

import hashlib

from benchmarks import paid_time
from solver.engine.search import solve
from solver.io.documents import load_problem

V1_ZONE = paid_time.ROOT / "instances" / "homecare" / "v1" / "zone.json"


def test_results_name_the_day_by_path_id_size_and_hash() -> None:
    problem = load_problem(V1_ZONE)
    named = paid_time.instance_of(V1_ZONE, problem)
    assert named["path"] == "instances/homecare/v1/zone.json"
    assert named["id"] == problem.id and named["visits"] == 330 and named["carers"] == 42
    assert named["sha256"] == hashlib.sha256(V1_ZONE.read_bytes()).hexdigest()
    shipped = paid_time.instance_of(paid_time.ZONE, load_problem(paid_time.ZONE))
    assert shipped["path"] == "instances/homecare/zone.json" and shipped["sha256"] != named["sha256"]


def test_quick_run_records_the_flags_of_every_plan_and_writes_nothing() -> None:
    before = (paid_time.RESULTS / "paid-time.json").read_bytes()
    assert paid_time.main(["--quick", "--seeds", "0", "--instance", str(V1_ZONE)]) == 0
    assert (paid_time.RESULTS / "paid-time.json").read_bytes() == before


def test_flag_counts_agree_with_the_plans_flagged_runs() -> None:
    problem = load_problem(paid_time.ROOT / "instances" / "homecare" / "small.json")
    plan = solve(problem, time_limit_s=1, seed=0)
    counts = paid_time.flag_counts(plan)
    assert set(counts) <= {"BELOW_NLW", "WTR_NO_BREAK", "WTR_DAILY_REST"}
    assert max(counts.values(), default=0) <= plan.kpis.flagged_runs <= sum(counts.values())
