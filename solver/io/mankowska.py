"""The Mankowska et al. (2014) home-health-care instances as carerun Problems.

D. S. Mankowska, F. Meisel, C. Bierwirth, "The home health care routing and scheduling problem
with interdependent services", Health Care Management Science 17 (2014) 15-30. The format is
described in ``instances/hhc/README.md``. How the paper's model maps onto ours:

- one time unit = one minute, from 00:00; distance = travel time, so travel runs on an
  explicit matrix of ``ceil(60 * d)`` seconds (rounding *up* keeps every plan we find feasible
  in the paper's float arithmetic too) while the objective is computed from the float ``d``;
- a service is a visit needing its qualification as a skill, the patient its client;
- a double service is two visits, one per service, each with its own skill, the second
  ``after`` the first by ``[mind, maxd]`` minutes; a synchronised one (mind = maxd = 0) is the
  same with the gap ``[0, 0]``. Not ``carers_required: 2``: that asks both carers to hold both
  qualifications, which the instances do not promise (``a`` gives most caregivers only some);
- "first" is the lower-numbered service, as in the BRKGA decoder the reference values come
  from (its task lists a patient's services in index order);
- the start window [e, l] is soft at l: the hard window is [e, 24:00] and ``promised`` is l
  with no tolerance, a late cost of 1 per minute, as the paper adds tardiness to distance.
  The maximum tardiness term has no counterpart in our objective; it is reported, not priced.
- processing times ``p`` are given per caregiver but are equal across caregivers (and across
  a patient's two services) in all 70 files, so one duration per visit loses nothing;
  the reader checks this and refuses a file where it does not hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from solver.model.problem import Problem, Solution

FloatArray = NDArray[np.float64]
SECTIONS = ("nbNodes", "nbVehi", "nbServi", "r", "DS", "a", "x", "y", "d", "p", "mind", "maxd", "e", "l")
DAY_END_MIN = 24 * 60


@dataclass
class Instance:
    """The file's numbers, kept in floats for the paper's objective."""

    name: str
    n_nodes: int
    n_carers: int
    n_services: int
    needs: NDArray[np.int64]  # r: node x service
    qualified: NDArray[np.int64]  # a: carer x service
    x: FloatArray
    y: FloatArray
    dist: FloatArray
    duration: FloatArray  # per node
    mind: FloatArray
    maxd: FloatArray
    e: FloatArray
    l: FloatArray  # noqa: E741 - the paper's name

    @property
    def patients(self) -> range:
        return range(1, self.n_nodes - 1)


def _sections(text: str, source: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    current: str | None = None
    for token in text.split():
        try:
            value = float(token)
        except ValueError:
            if token not in SECTIONS:
                raise ValueError(f"{source}: unknown section {token!r}") from None
            current = token
            out[current] = []
            continue
        if current is None:
            raise ValueError(f"{source}: number {token!r} before any section name")
        out[current].append(value)
    missing = [s for s in SECTIONS if s not in out]
    if missing:
        raise ValueError(f"{source}: missing section(s) {', '.join(missing)}")
    return out


def _shaped(sec: dict[str, list[float]], name: str, shape: tuple[int, ...], source: str) -> FloatArray:
    values = sec[name]
    if len(values) != math.prod(shape):
        raise ValueError(f"{source}: section {name} has {len(values)} numbers, expected {math.prod(shape)}")
    return np.asarray(values, dtype=np.float64).reshape(shape)


def read_instance(path: Path | str) -> Instance:
    """Parse one instance file; a malformed file raises ValueError naming the section."""
    p = Path(path)
    source = p.name
    sec = _sections(p.read_text(encoding="utf-8"), source)
    n, k, s = (int(sec[name][0]) for name in ("nbNodes", "nbVehi", "nbServi"))
    p_all = _shaped(sec, "p", (n, k, s), source)
    needs = _shaped(sec, "r", (n, s), source).astype(np.int64)
    duration = np.zeros(n)
    for i in range(1, n - 1):
        used = p_all[i][:, needs[i] == 1]
        if used.size and not np.all(used == used.flat[0]):
            raise ValueError(f"{source}: processing times of node {i} differ by caregiver or service")
        duration[i] = used.flat[0] if used.size else 0.0
    ds = [int(v) - 1 for v in sec["DS"]]
    doubles = [i for i in range(1, n - 1) if needs[i].sum() == 2]
    if sorted(ds) != doubles:
        raise ValueError(f"{source}: DS does not list the patients needing two services")
    return Instance(
        name=p.stem,
        n_nodes=n,
        n_carers=k,
        n_services=s,
        needs=needs,
        qualified=_shaped(sec, "a", (k, s), source).astype(np.int64),
        x=_shaped(sec, "x", (n,), source),
        y=_shaped(sec, "y", (n,), source),
        dist=_shaped(sec, "d", (n, n), source),
        duration=duration,
        mind=_shaped(sec, "mind", (n,), source),
        maxd=_shaped(sec, "maxd", (n,), source),
        e=_shaped(sec, "e", (n,), source),
        l=_shaped(sec, "l", (n,), source),
    )


def visit_id(node: int, service: int) -> str:
    return f"p{node:03d}s{service}"


def _location(inst: Instance, node: int) -> dict[str, float]:
    """A made-up but unique place per node (the matrix, not the coordinates, gives travel)."""
    return {"lat": round(inst.y[node] / 1000 + node * 1e-6, 7), "lon": round(inst.x[node] / 1000, 7)}


def to_problem(inst: Instance, late_slack_min: float | None = None) -> Problem:
    """The instance as a Problem: every service a critical visit, see the module docstring.

    ``late_slack_min`` closes the hard window that long after l instead of at 24:00."""
    depot = 0
    nodes = list(range(inst.n_nodes - 1))  # the end depot is the start depot
    locations = [_location(inst, i) for i in nodes]
    seconds = np.ceil(inst.dist[np.ix_(nodes, nodes)] * 60).astype(int).tolist()
    metres = np.rint(inst.dist[np.ix_(nodes, nodes)] * 1000).astype(int).tolist()
    carers = [
        {
            "id": f"k{c:02d}",
            "start": locations[depot],
            "shift": {"start": "00:00", "end": "24:00"},
            "skills": [f"s{j}" for j in range(inst.n_services) if inst.qualified[c, j]],
        }
        for c in range(inst.n_carers)
    ]
    visits: list[dict[str, Any]] = []
    for i in inst.patients:
        services = [j for j in range(inst.n_services) if inst.needs[i, j]]
        for rank, j in enumerate(services):
            visit: dict[str, Any] = {
                "id": visit_id(i, j),
                "client_id": f"p{i:03d}",
                "location": locations[i],
                "window": {"start": int(inst.e[i]) * 60, "end": _window_end(inst, i, late_slack_min)},
                "duration_min": float(inst.duration[i]),
                "skills": [f"s{j}"],
                "priority": "critical",
                "promised": {
                    "time": round(float(inst.l[i]) * 60),
                    "tolerance_min": 0,
                    "late_cost_per_min": 1.0,
                },
            }
            if rank == 1:
                visit["after"] = [
                    {
                        "visit_id": visit_id(i, services[0]),
                        "min_gap_min": float(inst.mind[i]),
                        "max_gap_min": float(inst.maxd[i]),
                    }
                ]
            visits.append(visit)
    return Problem.model_validate(
        {
            "id": inst.name,
            "carers": carers,
            "visits": visits,
            "travel": {
                "model": "matrix",
                "locations": locations,
                "durations_s": {"car": seconds},
                "distances_m": {"car": metres},
            },
        }
    )


def _window_end(inst: Instance, node: int, slack_min: float | None) -> int:
    if slack_min is None:
        return DAY_END_MIN * 60
    return min(DAY_END_MIN * 60, round((float(inst.l[node]) + slack_min) * 60))


def read_problem(path: Path | str) -> Problem:
    return to_problem(read_instance(path))


def objective(inst: Instance, solution: Solution) -> dict[str, float | int]:
    """The paper's figures from our plan, in floats: distance along the routes (from and back to
    the depot), total and maximum tardiness over services, and their sum over three."""
    node_of = {visit_id(i, j): i for i in inst.patients for j in range(inst.n_services) if inst.needs[i, j]}
    distance, total, worst = 0.0, 0.0, 0.0
    for run in solution.runs:
        path = [0, *(node_of[s.visit_id] for s in run.stops), 0]
        distance += float(sum(inst.dist[a, b] for a, b in pairwise(path)))
        for stop in run.stops:
            late = max(0.0, stop.start / 60 - float(inst.l[node_of[stop.visit_id]]))
            total += late
            worst = max(worst, late)
    return {
        "cost": (distance + total + worst) / 3,
        "distance": distance,
        "total_tardiness": total,
        "max_tardiness": worst,
        "unserved": len(solution.unassigned),
    }
