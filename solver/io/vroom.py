"""VROOM's documented JSON (a subset) in and out, so VROOM clients can switch without rewriting.

Mapping onto the contract:
- a job is a visit (``service`` seconds, one of ``time_windows`` at most, ``skills`` as strings);
  a vehicle is a carer (``time_window`` is the shift, ``breaks``, ``max_tasks``, ``profile`` the
  travel mode);
- with ``matrices`` each place is a ``location_index`` into them; without, places are
  ``[lon, lat]`` and travel is great-circle distance times 1.3 at the profile's speed (carerun
  has no road router); a vehicle without ``end`` returns to ``start``, one without ``start``
  leaves from ``end``;
- VROOM priority 0 is carerun's ``low``, 1-50 ``normal``, 51-100 ``critical``;
- times are integer seconds from midnight of one day (0-86400).
Each unassigned job carries carerun's reason code (``reason``) and sentence (``reason_text``).

Pure translation, no I/O: a VROOM input that has no contract Problem raises ``InputError``
whose paths are VROOM's own (``jobs[0].location_index``), so the CLI and the API can both use it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from solver.model.errors import FieldIssue, InputError, issues_of
from solver.model.problem import MAX_MATRIX_VALUE, SPEED_KMH, Problem, Run, Solution

DAY = 86400
SOURCE = "VROOM input"
BIKE_KMH = 15.0  # VROOM's cycling profile; the contract has no default speed for bikes
# VROOM profile names (OSRM's and Valhalla's spellings) onto the contract's default speeds
SPEEDS = {
    "car": SPEED_KMH["car"],
    "driving": SPEED_KMH["car"],
    "walk": SPEED_KMH["walk"],
    "walking": SPEED_KMH["walk"],
    "foot": SPEED_KMH["walk"],
    "bike": BIKE_KMH,
    "cycling": BIKE_KMH,
}
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Coord = tuple[Lon, Lat]
Seconds = Annotated[int, Field(ge=0, le=DAY)]
Window = tuple[Seconds, Seconds]
Uint = Annotated[int, Field(ge=0, le=2**53)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VroomJob(_Strict):
    id: Uint
    description: str | None = None
    location: Coord | None = None
    location_index: Uint | None = None
    service: Seconds = 0
    skills: list[Uint] = Field(default_factory=list)
    priority: int = Field(default=0, ge=0, le=100)
    time_windows: list[Window] = Field(default_factory=list)


class VroomBreak(_Strict):
    id: Uint
    description: str | None = None
    time_windows: list[Window] = Field(min_length=1)
    service: Seconds = 0


class VroomVehicle(_Strict):
    id: Uint
    description: str | None = None
    profile: str = Field(default="car", min_length=1, max_length=100)
    start: Coord | None = None
    start_index: Uint | None = None
    end: Coord | None = None
    end_index: Uint | None = None
    time_window: Window | None = None
    skills: list[Uint] = Field(default_factory=list)
    breaks: list[VroomBreak] = Field(default_factory=list)
    max_tasks: Uint | None = None


class VroomMatrix(_Strict):
    durations: list[list[Annotated[int, Field(ge=0, le=MAX_MATRIX_VALUE)]]]
    distances: list[list[Annotated[int, Field(ge=0, le=MAX_MATRIX_VALUE)]]] | None = None


class VroomInput(_Strict):
    jobs: list[VroomJob] = Field(default_factory=list)
    vehicles: list[VroomVehicle] = Field(min_length=1)
    matrices: dict[str, VroomMatrix] | None = None


class VroomStep(BaseModel):
    type: Literal["start", "job", "break", "end"]
    id: int | None = None
    description: str | None = None
    location: list[float] | None = None
    location_index: int | None = None
    setup: int = 0
    service: int
    waiting_time: int
    arrival: int
    duration: int
    distance: int
    violations: list[Any] = Field(default_factory=list)


class VroomRoute(BaseModel):
    vehicle: int
    description: str | None = None
    cost: int
    setup: int = 0
    service: int
    duration: int
    waiting_time: int
    priority: int
    distance: int
    steps: list[VroomStep]
    violations: list[Any] = Field(default_factory=list)


class VroomUnassigned(BaseModel):
    id: int
    type: Literal["job"] = "job"
    description: str | None = None
    location: list[float] | None = None
    location_index: int | None = None
    reason: str = Field(description="carerun's reason code, e.g. SHIFT_CAPACITY.")
    reason_text: str


class ComputingTimes(BaseModel):
    loading: int
    solving: int
    routing: int = 0


class VroomSummary(BaseModel):
    cost: int
    routes: int
    unassigned: int
    setup: int = 0
    service: int
    duration: int
    waiting_time: int
    priority: int
    distance: int
    violations: list[Any] = Field(default_factory=list)
    computing_times: ComputingTimes


class VroomOutput(BaseModel):
    code: int = 0
    summary: VroomSummary
    unassigned: list[VroomUnassigned]
    routes: list[VroomRoute]


# --------------------------------------------------------------------------- input


def _priority(p: int) -> str:
    return "low" if p == 0 else "normal" if p <= 50 else "critical"


def _index_place(i: int) -> dict[str, float]:
    """A stand-in coordinate for matrix index ``i`` (the contract keys matrices by location)."""
    return {"lat": 0.0, "lon": round(i * 1e-4, 7)}


class _Places:
    """Turns VROOM's coordinates or matrix indices into contract locations, collecting errors."""

    def __init__(self, vin: VroomInput) -> None:
        self.by_index = vin.matrices is not None
        sizes = {len(m.durations) for m in (vin.matrices or {}).values()}
        self.size = max(sizes) if sizes else 0
        self.errors: list[FieldIssue] = []
        if len(sizes) > 1:
            self.errors.append(FieldIssue("matrices", "every profile's matrix must be the same size"))

    def place(self, path: str, coord: Coord | None, index: int | None) -> dict[str, float] | None:
        if self.by_index:
            if index is None:
                self.errors.append(FieldIssue(f"{path}_index", "required when `matrices` is given"))
                return None
            if index >= self.size:
                self.errors.append(FieldIssue(f"{path}_index", f"must be below {self.size}"))
                return None
            return _index_place(index)
        if coord is None:
            self.errors.append(FieldIssue(path, "required ([lon, lat]) when there are no `matrices`"))
            return None
        return {"lat": coord[1], "lon": coord[0]}


def _window(path: str, windows: list[tuple[int, int]], errors: list[FieldIssue]) -> dict[str, int]:
    if len(windows) > 1:
        errors.append(FieldIssue(path, "carerun supports one time window per job or break"))
    start, end = windows[0] if windows else (0, DAY)
    if start > end:
        errors.append(FieldIssue(path, f"window start {start} is after its end {end}"))
    return {"start": start, "end": end}


def _carer(i: int, v: VroomVehicle, places: _Places, errors: list[FieldIssue]) -> dict[str, Any]:
    start = (
        places.place(f"vehicles[{i}].start", v.start, v.start_index)
        if (v.start is not None or v.start_index is not None)
        else None
    )
    end = (
        places.place(f"vehicles[{i}].end", v.end, v.end_index)
        if (v.end is not None or v.end_index is not None)
        else None
    )
    if start is None and end is None and not places.errors:
        errors.append(FieldIssue(f"vehicles[{i}]", "needs a start or an end"))
    shift = v.time_window or (0, DAY)
    if shift[0] >= shift[1]:
        errors.append(FieldIssue(f"vehicles[{i}].time_window", "start must be before end"))
    breaks = [
        {
            "window": _window(f"vehicles[{i}].breaks[{j}].time_windows", b.time_windows, errors),
            "duration_min": b.service / 60,
        }
        for j, b in enumerate(v.breaks)
    ]
    home = start or end or _index_place(0)
    return {
        "id": str(v.id),
        "start": home,
        "end": end or home,
        "shift": {"start": shift[0], "end": shift[1]},
        "breaks": breaks,
        "skills": [str(s) for s in v.skills],
        "max_visits": v.max_tasks,
        "travel_mode": v.profile,
    }


def _travel(vin: VroomInput, errors: list[FieldIssue]) -> dict[str, Any]:
    if vin.matrices is None:
        profiles = {v.profile for v in vin.vehicles}
        for i, v in enumerate(vin.vehicles):
            if v.profile not in SPEEDS:
                message = f"without matrices, one of {sorted(SPEEDS)}"
                errors.append(FieldIssue(f"vehicles[{i}].profile", message))
        return {"model": "haversine", "speed_kmh": {p: SPEEDS[p] for p in profiles if p in SPEEDS}}
    size = max(len(m.durations) for m in vin.matrices.values()) if vin.matrices else 0
    return {
        "model": "matrix",
        "locations": [_index_place(i) for i in range(max(size, 1))],
        "durations_s": {p: m.durations for p, m in vin.matrices.items()},
        "distances_m": {p: m.distances for p, m in vin.matrices.items() if m.distances is not None},
    }


_OURS = [
    (re.compile(r"^visits\["), "jobs["),
    (re.compile(r"^carers\["), "vehicles["),
    (re.compile(r"\.travel_mode$"), ".profile"),
    (re.compile(r"^travel\."), "matrices."),
]


def _theirs(path: str) -> str:
    for pattern, name in _OURS:
        path = pattern.sub(name, path)
    return path


def from_vroom(vin: VroomInput, time_limit_s: float = 5.0) -> Problem:
    """The contract Problem for a VROOM input; InputError naming VROOM's own fields when it has none."""
    places = _Places(vin)
    errors: list[FieldIssue] = []
    visits = []
    for i, job in enumerate(vin.jobs):
        visits.append(
            {
                "id": str(job.id),
                "location": places.place(f"jobs[{i}].location", job.location, job.location_index),
                "window": _window(f"jobs[{i}].time_windows", job.time_windows, errors),
                "duration_min": job.service / 60,
                "skills": [str(s) for s in job.skills],
                "priority": _priority(job.priority),
            }
        )
    carers = [_carer(i, v, places, errors) for i, v in enumerate(vin.vehicles)]
    travel = _travel(vin, errors)
    errors = places.errors + errors
    if errors:
        raise InputError(errors, SOURCE)
    try:
        return Problem.model_validate(
            {
                "id": "vroom",
                "carers": carers,
                "visits": visits,
                "travel": travel,
                "options": {"time_limit_s": time_limit_s},
            }
        )
    except ValidationError as exc:
        mapped = [FieldIssue(_theirs(e.path), e.message) for e in issues_of(exc)]
        raise InputError(mapped, SOURCE) from None


# --------------------------------------------------------------------------- output


def _where(places_by_index: bool, loc: Coord | None, index: int | None) -> dict[str, Any]:
    if places_by_index:
        return {"location_index": index, "location": list(loc) if loc else None}
    return {"location": list(loc) if loc else None}


def _route(run: Run, vehicle: VroomVehicle, jobs: dict[str, VroomJob], by_index: bool) -> VroomRoute:
    start_at = _where(
        by_index,
        vehicle.start or vehicle.end,
        vehicle.start_index if vehicle.start_index is not None else vehicle.end_index,
    )
    end_at = _where(
        by_index,
        vehicle.end or vehicle.start,
        vehicle.end_index if vehicle.end_index is not None else vehicle.start_index,
    )
    steps = [
        VroomStep(
            type="start", service=0, waiting_time=0, arrival=run.start, duration=0, distance=0, **start_at
        )
    ]
    events: list[tuple[int, int, Any]] = [(s.start, 1, s) for s in run.stops] + [
        (b.start, 0, b) for b in run.breaks
    ]
    travel = distance = 0
    unused = list(vehicle.breaks)
    for _, kind, item in sorted(events, key=lambda e: (e[0], e[1])):
        if kind == 1:
            travel, distance = travel + item.travel_s, distance + item.distance_m
            job = jobs[item.visit_id]
            steps.append(
                VroomStep(
                    type="job",
                    id=job.id,
                    description=job.description,
                    service=item.end - item.start,
                    waiting_time=item.wait_s,
                    arrival=item.arrival,
                    duration=travel,
                    distance=distance,
                    **_where(by_index, job.location, job.location_index),
                )
            )
        else:
            match = next((b for b in unused if any(w[0] <= item.start <= w[1] for w in b.time_windows)), None)
            if match is not None:
                unused.remove(match)
            steps.append(
                VroomStep(
                    type="break",
                    id=match.id if match else None,
                    description=match.description if match else None,
                    service=item.end - item.start,
                    waiting_time=0,
                    arrival=item.start,
                    duration=travel,
                    distance=distance,
                )
            )
    steps.append(
        VroomStep(
            type="end",
            service=0,
            waiting_time=0,
            arrival=run.end,
            duration=run.travel_s,
            distance=run.distance_m,
            **end_at,
        )
    )
    return VroomRoute(
        vehicle=vehicle.id,
        description=vehicle.description,
        cost=run.travel_s,
        service=run.care_s,
        duration=run.travel_s,
        waiting_time=run.wait_s,
        priority=sum(jobs[s.visit_id].priority for s in run.stops),
        distance=run.distance_m,
        steps=steps,
    )


def to_vroom(vin: VroomInput, problem: Problem, solution: Solution, loading_s: float) -> VroomOutput:
    """VROOM's output shape for a carerun Solution of ``from_vroom(vin)``."""
    jobs = {str(j.id): j for j in vin.jobs}
    vehicles = {str(v.id): v for v in vin.vehicles}
    by_index = vin.matrices is not None
    routes = [_route(run, vehicles[run.carer_id], jobs, by_index) for run in solution.runs if run.stops]
    unassigned = [
        VroomUnassigned(
            id=jobs[u.visit_id].id,
            description=jobs[u.visit_id].description,
            reason=u.code,
            reason_text=u.reason,
            **_where(by_index, jobs[u.visit_id].location, jobs[u.visit_id].location_index),
        )
        for u in solution.unassigned
    ]
    summary = VroomSummary(
        cost=sum(r.cost for r in routes),
        routes=len(routes),
        unassigned=len(unassigned),
        service=sum(r.service for r in routes),
        duration=sum(r.duration for r in routes),
        waiting_time=sum(r.waiting_time for r in routes),
        priority=sum(r.priority for r in routes),
        distance=sum(r.distance for r in routes),
        computing_times=ComputingTimes(
            loading=round(loading_s * 1000), solving=round(solution.solver.wall_s * 1000)
        ),
    )
    return VroomOutput(code=0, summary=summary, unassigned=unassigned, routes=routes)
