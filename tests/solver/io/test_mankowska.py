"""Tests for the Mankowska et al. (2014) reader (solver/io/mankowska.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from solver.day.evaluate import PlanDocument, evaluate
from solver.io.mankowska import objective, read_instance, read_problem, to_problem

ROOT = Path(__file__).resolve().parents[3]
HHC = ROOT / "instances" / "hhc" / "mankowska2014"

# Depot at (0,0); patient 1 at (3,4): 5 from the depot; patient 2 at (0,10): 10 from the
# depot and sqrt(9+36) from patient 1. Patient 2 needs services 0 and 1 at the same time.
TINY = """nbNodes
4
nbVehi
2
nbServi
2
r
1 1
1 0
1 1
1 1
DS
3
a
1 0
0 1
x
0 3 0 0
y
0 4 10 0
d
0 5 10 0
5 0 6.708204 5
10 6.708204 0 10
0 5 10 0
p
0 0
0 0
10 10
10 10
10 10
10 10
0 0
0 0
mind
0 0 0 0
maxd
0 0 0 0
e
0 0 0 0
l
600 5 15 1000
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.txt"
    path.write_text(TINY)
    return path


def test_a_synchronised_double_service_is_two_visits_with_a_zero_gap(tiny: Path) -> None:
    p = read_problem(tiny)
    assert [v.id for v in p.visits] == ["p001s0", "p002s0", "p002s1"]
    second = p.visits[2]
    assert second.skills == ["s1"] and second.carers_required == 1
    assert [(a.visit_id, a.min_gap_min, a.max_gap_min) for a in second.after] == [("p002s0", 0, 0)]
    assert [c.skills for c in p.carers] == [["s0"], ["s1"]]
    assert second.promised is not None and second.promised.time == 15 * 60
    assert second.promised.tolerance_min == 0 and second.promised.late_cost_per_min == 1.0


def test_travel_seconds_round_up_so_integer_plans_stay_feasible_in_floats(tiny: Path) -> None:
    p = read_problem(tiny)
    assert p.travel.model == "matrix"
    durations = p.travel.durations_s["car"]
    assert durations[1][2] == math.ceil(6.708204 * 60) == 403
    assert durations[0][1] == 300


def test_paper_objective_from_a_plan(tiny: Path) -> None:
    """k00: depot -> p1 (start 5) -> p2 at 5 + 10 + 6.7 = 21.7; k01 waits there until then.
    Distance 5 + 6.708204 + 10 + 10 + 10; p2's two services are each 6.7 late."""
    inst = read_instance(tiny)
    plan = PlanDocument.model_validate(
        {
            "runs": [
                {"carer_id": "k00", "visit_ids": ["p001s0", "p002s0"]},
                {"carer_id": "k01", "visit_ids": ["p002s1"]},
            ]
        }
    )
    solution, violations = evaluate(to_problem(inst), plan)
    assert [v for v in violations if v.rule not in ("kpis",)] == []
    starts = {s.visit_id: s.start for r in solution.runs for s in r.stops}
    assert starts["p002s0"] == starts["p002s1"] == 5 * 60 + 600 + 403
    got = objective(inst, solution)
    late = (5 * 60 + 600 + 403) / 60 - 15
    assert got["distance"] == pytest.approx(41.708204)
    assert got["total_tardiness"] == pytest.approx(2 * late)
    assert got["max_tardiness"] == pytest.approx(late)
    assert got["cost"] == pytest.approx((41.708204 + 3 * late) / 3)


def test_a_gap_with_minimum_and_maximum_delay(tmp_path: Path) -> None:
    text = TINY.replace("mind\n0 0 0 0", "mind\n0 0 20 0").replace("maxd\n0 0 0 0", "maxd\n0 0 40 0")
    (tmp_path / "gap.txt").write_text(text)
    after = read_problem(tmp_path / "gap.txt").visits[2].after[0]
    assert (after.min_gap_min, after.max_gap_min) == (20, 40)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("p\n0 0\n0 0\n10 10\n10 10", "p\n0 0\n0 0\n10 10\n12 12"), "differ by caregiver"),
        (("DS\n3", "DS\n2"), "DS does not list"),
        (("mind\n0 0 0 0", "mind\n0 0 0"), "section mind has 3 numbers, expected 4"),
        (("nbServi", "nbServices"), "unknown section 'nbServices'"),
    ],
)
def test_malformed_files_are_refused_naming_the_section(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    (tmp_path / "bad.txt").write_text(TINY.replace(*change))
    with pytest.raises(ValueError, match=None) as info:
        read_instance(tmp_path / "bad.txt")
    assert message in str(info.value)


def test_every_stored_instance_reads() -> None:
    files = sorted(HHC.glob("*.txt"))
    assert len(files) == 50
    p = read_problem(HHC / "InstanzCPLEX_HCSRP_10_1.txt")
    assert (len(p.carers), len(p.visits)) == (3, 13)  # 10 patients, 3 double services
    assert {tuple(a.visit_id for a in v.after) for v in p.visits if v.after} == {
        ("p008s4",),
        ("p009s0",),
        ("p010s2",),
    }
    big = read_problem(HHC / "InstanzVNS_HCSRP_100_1.txt")
    assert (len(big.carers), len(big.visits)) == (20, 130)


def test_the_hard_window_stays_open_unless_a_slack_closes_it(tiny: Path) -> None:
    inst = read_instance(tiny)
    assert to_problem(inst).visits[0].window.end == 24 * 3600
    closed = to_problem(inst, late_slack_min=60).visits
    assert [v.window.end for v in closed] == [(5 + 60) * 60, (15 + 60) * 60, (15 + 60) * 60]
