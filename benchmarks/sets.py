"""The instance sets of the quality harness, and the one place a new set is added.

A set is a function returning :class:`Case` objects: a name, a loader for the carerun
Problem every solver is given, the best-known cost if one is published, and how the cost is
shown. To add a set (the Mankowska reader, for instance), write a function returning cases
and add it to :data:`SETS` under its name; ``python -m benchmarks.quality --set NAME`` then
runs it, peers included. A set whose problems use rules a peer cannot express must hand the
peers and carerun the same reduced problem (see :func:`relax`) and say so in ``note``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from solver.io.classic import read_bks, read_solomon
from solver.io.documents import load_problem
from solver.model.problem import Problem

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
# Chosen to cover every Solomon class (R, C, RC; tight 1xx and wide 2xx windows) and the
# two fleet-size extremes; used for before/after measurements of engine changes.
SUBSET8 = ["R101", "R201", "C101", "C201", "RC101", "RC201", "R105", "RC105"]


@dataclass(frozen=True)
class Case:
    name: str
    load: Callable[[], Problem]
    best_known: float | None  # in the shown unit, or None: gaps are then to the best peer
    scale: float  # cost units (travel seconds of the compiled instance) per shown unit
    unit: str
    note: str = ""
    # True: carerun and full-rules peers get the whole day and the checker judges their plans;
    # peers that cannot express it get ``relax(problem)`` and are marked as relaxed.
    full_rules: bool = False


def _classic(sub: str, pattern: str) -> list[Case]:
    out = []
    for path in sorted((INSTANCES / sub).glob(pattern), key=lambda p: _natural(p.stem)):
        bks = read_bks(path.stem)
        out.append(
            Case(
                name=path.stem,
                load=lambda path=path: read_solomon(path),  # type: ignore[misc]
                best_known=bks.distance if bks else None,
                scale=10.0,
                unit="distance (DIMACS, truncated to 0.1)",
            )
        )
    return out


def _natural(stem: str) -> tuple[str, ...]:
    return tuple(part.zfill(4) for part in stem.replace("_", " ").split())


def relax(problem: Problem) -> Problem:
    """What PyVRP and VROOM can both express: double-ups become single-handed, and skills,
    exclusions, gender, pins, priorities, breaks, visit caps, working-time caps, promised
    times, gaps between visits, continuity costs and the carers-per-client cap go.
    Shifts, homes, travel modes, windows, durations and travel stay as they are."""
    data = problem.model_dump()
    for visit in data["visits"]:
        visit.update(
            carers_required=1,
            skills=[],
            excluded_carers=[],
            preferred_carers=[],
            carer_gender=None,
            pinned_carer=None,
            priority="normal",
            promised=None,
            after=[],
        )
    for carer in data["carers"]:
        carer.update(breaks=[], max_visits=None, max_working_min=None)
    data.update(history=[], continuity={"cost_min": 0, "max_carers_per_client": None})
    return Problem.model_validate(data)


RELAXED = "relaxed: double-ups single-handed; skills, exclusions, gender, pins, breaks, caps stripped"


def _homecare() -> list[Case]:
    return [
        Case(
            name=name,
            load=lambda name=name: relax(load_problem(INSTANCES / "homecare" / f"{name}.json")),  # type: ignore[misc]
            best_known=None,
            scale=60.0,
            unit="travel minutes",
            note=RELAXED,
        )
        for name in ("small", "zone", "large")
    ]


MANKOWSKA_NOTE = (
    "relaxed: no tardiness (windows closed at l), synchronised and delayed double services and "
    "qualifications stripped: distance-only VRPTW; the paper's objective is in benchmarks.hhc"
)


def _mankowska() -> list[Case]:
    """Mankowska et al. (2014) families A-E as distance-only routing with hard windows [e, l]."""
    from solver.io.mankowska import read_instance, to_problem

    folder = INSTANCES / "hhc" / "mankowska2014"
    return [
        Case(
            name=path.stem,
            load=lambda path=path: relax(to_problem(read_instance(path), late_slack_min=0)),  # type: ignore[misc]
            best_known=None,
            scale=60.0,
            unit="distance (minutes of travel)",
            note=MANKOWSKA_NOTE,
        )
        for path in sorted(folder.glob("*.txt"), key=lambda p: _natural(p.stem))
    ]


def _homecare_stress() -> list[Case]:
    from benchmarks.stress import STRESS_DAYS, STRESS_NOTE, stress_day

    return [
        Case(
            name=name,
            load=lambda name=name: stress_day(name),  # type: ignore[misc]
            best_known=None,
            scale=60.0,
            unit="travel minutes",
            note=STRESS_NOTE,
            full_rules=True,
        )
        for name in STRESS_DAYS
    ]


SETS: dict[str, Callable[[], list[Case]]] = {
    "solomon": lambda: _classic("solomon", "*.txt"),
    "homberger200": lambda: _classic("homberger", "*_2_*.txt"),
    "homberger400": lambda: _classic("homberger", "*_4_*.txt"),
    "homecare": _homecare,
    "mankowska": _mankowska,
    "homecare-stress": _homecare_stress,
}
