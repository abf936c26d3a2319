"""VROOM's documented JSON (a subset) in and out, so VROOM clients can switch without rewriting.

Mapping onto the contract:
- a job is a visit (``service`` seconds, one of ``time_windows`` at most, ``skills`` as strings,
  a one-dimension ``delivery`` as its ``demand``); a vehicle is a carer (``time_window`` is the
  shift, ``breaks``, ``max_tasks``, a one-dimension ``capacity``, ``profile`` the travel mode);
- with ``matrices`` (or the older top-level ``matrix``, the car profile's durations) each place
  is a ``location_index`` into them; without, places are ``[lon, lat]`` and travel is
  great-circle distance times 1.3 at the profile's speed (carerun has no road router); a vehicle
  without ``end`` returns to ``start``, one without ``start`` leaves from ``end``;
- VROOM priority 0 is carerun's ``low``, 1-50 ``normal``, 51-100 ``critical``;
- times are integer seconds: of one day (0-86400), or, when any is larger (Unix timestamps),
  offsets from the request's earliest time, added back on output.
Steps are timed as VROOM times them (see ``_Timeline``). Each unassigned job carries carerun's
reason code (``reason``) and sentence (``reason_text``).

Pure translation, no I/O: a VROOM input that has no contract Problem raises ``InputError``
whose paths are VROOM's own (``jobs[0].location_index``), so the CLI and the API can both use it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from solver.model.errors import FieldIssue, InputError, issues_of
from solver.model.problem import MAX_COUNT, MAX_MATRIX_VALUE, SPEED_KMH, Problem, Run, Solution, Strict

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
LEGACY_PROFILE = "car"  # the profile of VROOM's top-level ``matrix`` (its older spelling)
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Coord = tuple[Lon, Lat]
Seconds = Annotated[int, Field(ge=0, le=DAY)]
# VROOM's times are unsigned 32-bit; clients often send Unix timestamps (see ``_Clock``)
Time = Annotated[int, Field(ge=0, le=2**32 - 1)]
Window = tuple[Time, Time]
Uint = Annotated[int, Field(ge=0, le=2**53)]
Amount = Annotated[list[Annotated[int, Field(ge=0, le=MAX_COUNT)]], Field(max_length=1)]
MatrixRows = list[list[Annotated[int, Field(ge=0, le=MAX_MATRIX_VALUE)]]]


class _Strict(Strict):
    """Unknown fields are refused and JSON numbers are read strictly, as in the contract."""


class VroomJob(_Strict):
    id: Uint
    description: str | None = None
    location: Coord | None = None
    location_index: Uint | None = None
    service: Seconds = 0
    delivery: Amount | None = None
    amount: Amount | None = Field(default=None, description="VROOM's older name for `delivery`.")
    pickup: Amount | None = None
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
    capacity: Amount | None = None
    time_window: Window | None = None
    skills: list[Uint] = Field(default_factory=list)
    breaks: list[VroomBreak] = Field(default_factory=list)
    max_tasks: Uint | None = None


class VroomMatrix(_Strict):
    durations: MatrixRows
    distances: MatrixRows | None = None


class VroomInput(_Strict):
    jobs: list[VroomJob] = Field(default_factory=list)
    vehicles: list[VroomVehicle] = Field(min_length=1)
    matrices: dict[str, VroomMatrix] | None = None
    matrix: MatrixRows | None = Field(
        default=None, description=f"VROOM's older spelling of `matrices.{LEGACY_PROFILE}.durations`."
    )

    def all_matrices(self) -> dict[str, VroomMatrix] | None:
        """``matrices``, with the older top-level ``matrix`` as the car profile's durations."""
        if self.matrix is None:
            return self.matrices
        return {LEGACY_PROFILE: VroomMatrix(durations=self.matrix), **(self.matrices or {})}


class VroomStep(BaseModel):
    type: Literal["start", "job", "break", "end"]
    id: int | None = None
    job: int | None = Field(default=None, description="The job's id, on job steps (VROOM's older key).")
    description: str | None = None
    location: list[float] | None = None
    location_index: int | None = None
    setup: int = 0
    service: int
    waiting_time: int
    load: list[int] | None = None
    arrival: int
    duration: int
    distance: int | None = None
    violations: list[Any] = Field(default_factory=list)


class VroomRoute(BaseModel):
    vehicle: int
    description: str | None = None
    cost: int
    delivery: list[int] | None = None
    amount: list[int] | None = None
    pickup: list[int] | None = None
    setup: int = 0
    service: int
    duration: int
    waiting_time: int
    priority: int
    distance: int | None = None
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
    delivery: list[int] | None = None
    amount: list[int] | None = None
    pickup: list[int] | None = None
    setup: int = 0
    service: int
    duration: int
    waiting_time: int
    priority: int
    distance: int | None = None
    violations: list[Any] = Field(default_factory=list)
    computing_times: ComputingTimes


class VroomOutput(BaseModel):
    code: int = 0
    summary: VroomSummary
    unassigned: list[VroomUnassigned]
    routes: list[VroomRoute]


class VroomError(BaseModel):
    """VROOM's error body: ``code`` 1 internal, 2 input, 3 routing; ``errors`` names each field."""

    code: int = Field(description="1: internal error, 2: input error, 3: routing error.")
    error: str
    errors: list[dict[str, str]] = Field(
        default_factory=list, description="carerun's addition: `path` and `message` of each faulty field."
    )


# --------------------------------------------------------------------------- input


def time_limit_for(vin: VroomInput, cap_s: float) -> float:
    """The search time for a request: it grows with the jobs, up to ``cap_s``."""
    return min(cap_s, SEARCH_BASE_S + SEARCH_PER_JOB_S * len(vin.jobs))


def solution_limit_for(vin: VroomInput) -> int | None:
    """VROOM answers a handful of jobs in milliseconds: a small request's search stops after a
    few improving solutions (construction and a short search), a large one's at its time limit."""
    return SMALL_SOLUTION_LIMIT if len(vin.jobs) <= SMALL_JOBS else None


# Below about 0.5 s the engine keeps its time for the final checks and hardly searches; with a
# solution limit a small request still stops in about 0.15 s (tests/api/test_vroom.py).
SEARCH_BASE_S = 1.0
SEARCH_PER_JOB_S = 0.02
SMALL_JOBS = 25
SMALL_SOLUTION_LIMIT = 50


def _priority(p: int) -> str:
    return "low" if p == 0 else "normal" if p <= 50 else "critical"


def _index_place(i: int) -> dict[str, float]:
    """A stand-in coordinate for matrix index ``i`` (the contract keys matrices by location)."""
    return {"lat": 0.0, "lon": round(i * 1e-4, 7)}


def origin_of(vin: VroomInput) -> int:
    """0 for times of one day; else the earliest time of the request, so that Unix timestamps
    (which VROOM clients often send) become offsets into one day and are mapped back on output."""
    starts = [w[0] for j in vin.jobs for w in j.time_windows]
    starts += [w[0] for v in vin.vehicles for b in v.breaks for w in b.time_windows]
    starts += [v.time_window[0] for v in vin.vehicles if v.time_window is not None]
    ends = [w[1] for j in vin.jobs for w in j.time_windows]
    ends += [w[1] for v in vin.vehicles for b in v.breaks for w in b.time_windows]
    ends += [v.time_window[1] for v in vin.vehicles if v.time_window is not None]
    if max(starts + ends, default=0) <= DAY:
        return 0
    return min(starts, default=0)


class _Places:
    """Turns VROOM's coordinates or matrix indices into contract locations, collecting errors."""

    def __init__(self, vin: VroomInput) -> None:
        matrices = vin.all_matrices()
        self.by_index = matrices is not None
        sizes = {len(m.durations) for m in (matrices or {}).values()}
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


class _Clock:
    """VROOM times onto the contract's one day, relative to ``origin_of`` the request."""

    def __init__(self, vin: VroomInput, errors: list[FieldIssue]) -> None:
        self.origin = origin_of(vin)
        self.errors = errors

    def window(self, path: str, window: tuple[int, int]) -> tuple[int, int]:
        """A window as seconds into the day; an end past the day is the day's end (nothing can
        happen later), a start past it is an error."""
        start, end = window[0] - self.origin, window[1] - self.origin
        if start > end:
            self.errors.append(FieldIssue(path, f"window start {window[0]} is after its end {window[1]}"))
        elif start > DAY:
            message = f"starts more than a day after the earliest time ({self.origin}); carerun plans one day"
            self.errors.append(FieldIssue(path, message))
        return max(start, 0), max(min(end, DAY), 0)

    def one(self, path: str, windows: list[tuple[int, int]]) -> dict[str, int]:
        if len(windows) > 1:
            self.errors.append(FieldIssue(path, "carerun supports one time window per job or break"))
        start, end = self.window(path, windows[0]) if windows else (0, DAY)
        return {"start": start, "end": end}


def _carer(i: int, v: VroomVehicle, places: _Places, clock: _Clock) -> dict[str, Any]:
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
        clock.errors.append(FieldIssue(f"vehicles[{i}]", "needs a start or an end"))
    path = f"vehicles[{i}].time_window"
    shift = clock.window(path, v.time_window) if v.time_window else (0, DAY)
    if shift[0] >= shift[1]:
        clock.errors.append(FieldIssue(path, "start must be before end"))
    breaks = [
        {
            "window": clock.one(f"vehicles[{i}].breaks[{j}].time_windows", b.time_windows),
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
        "capacity": v.capacity[0] if v.capacity else None,
        "travel_mode": v.profile,
    }


def delivered(job: VroomJob) -> int:
    """The job's load (VROOM's ``delivery``, or ``amount`` in its older spelling): one dimension."""
    amount = job.delivery if job.delivery is not None else job.amount
    return amount[0] if amount else 0


def _demand(i: int, job: VroomJob, errors: list[FieldIssue]) -> int:
    if job.pickup and any(job.pickup):
        message = "carerun carries deliveries only (a load that falls along the run); use 0 or leave out"
        errors.append(FieldIssue(f"jobs[{i}].pickup", message))
    return delivered(job)


def _travel(vin: VroomInput, errors: list[FieldIssue]) -> dict[str, Any]:
    matrices = vin.all_matrices()
    if matrices is None:
        profiles = {v.profile for v in vin.vehicles}
        for i, v in enumerate(vin.vehicles):
            if v.profile not in SPEEDS:
                message = f"without matrices, one of {sorted(SPEEDS)}"
                errors.append(FieldIssue(f"vehicles[{i}].profile", message))
        return {"model": "haversine", "speed_kmh": {p: SPEEDS[p] for p in profiles if p in SPEEDS}}
    size = max(len(m.durations) for m in matrices.values()) if matrices else 0
    return {
        "model": "matrix",
        "locations": [_index_place(i) for i in range(max(size, 1))],
        "durations_s": {p: m.durations for p, m in matrices.items()},
        "distances_m": {p: m.distances for p, m in matrices.items() if m.distances is not None},
    }


_OURS = [
    (re.compile(r"^visits\["), "jobs["),
    (re.compile(r"^carers\["), "vehicles["),
    (re.compile(r"\.travel_mode$"), ".profile"),
    (re.compile(r"\.max_visits$"), ".max_tasks"),
    (re.compile(r"^travel\."), "matrices."),
    (re.compile(r"^visits$"), "jobs"),
    (re.compile(r"^carers$"), "vehicles"),
]


def vroom_path(path: str) -> str:
    """A contract path (``visits[2].window``) under VROOM's names (``jobs[2].window``)."""
    for pattern, name in _OURS:
        path = pattern.sub(name, path)
    return path


def from_vroom(vin: VroomInput, time_limit_s: float = 5.0, solution_limit: int | None = None) -> Problem:
    """The contract Problem for a VROOM input; InputError naming VROOM's own fields when it has none."""
    places = _Places(vin)
    errors: list[FieldIssue] = []
    clock = _Clock(vin, errors)
    visits = []
    for i, job in enumerate(vin.jobs):
        visits.append(
            {
                "id": str(job.id),
                "location": places.place(f"jobs[{i}].location", job.location, job.location_index),
                "window": clock.one(f"jobs[{i}].time_windows", job.time_windows),
                "duration_min": job.service / 60,
                "skills": [str(s) for s in job.skills],
                "priority": _priority(job.priority),
                "demand": _demand(i, job, errors),
            }
        )
    carers = [_carer(i, v, places, clock) for i, v in enumerate(vin.vehicles)]
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
                "options": {"time_limit_s": time_limit_s, "solution_limit": solution_limit},
            }
        )
    except ValidationError as exc:
        mapped = [FieldIssue(vroom_path(e.path), e.message) for e in issues_of(exc)]
        raise InputError(mapped, SOURCE) from None


# --------------------------------------------------------------------------- output


def _where(places_by_index: bool, loc: Coord | None, index: int | None) -> dict[str, Any]:
    if places_by_index:
        return {"location_index": index, "location": list(loc) if loc else None}
    return {"location": list(loc) if loc else None}


class _Timeline:
    """Steps timed as VROOM times them: each step's ``arrival`` is the previous step's arrival
    plus its waiting, setup and service plus the travel between them (``duration`` is the travel
    so far). A break may interrupt a drive: the part of the leg driven before it counts then."""

    def __init__(self, run: Run, origin: int, distances: bool, load: int | None) -> None:
        self.t, self.travel, self.metres, self.origin = run.start, 0, 0, origin
        self.distances, self.load = distances, load
        self.steps: list[VroomStep] = []

    def step(
        self, kind: Literal["start", "job", "break", "end"], arrival: int, begin: int, service: int, **kw: Any
    ) -> None:
        self.steps.append(
            VroomStep(
                type=kind,
                arrival=arrival + self.origin,
                waiting_time=max(begin - arrival, 0),
                service=service,
                duration=self.travel,
                distance=self.metres if self.distances else None,
                load=None if self.load is None else [self.load],
                **kw,
            )
        )
        self.t = max(begin, arrival) + service

    def leg(self, travel_s: int, metres: int, breaks: list[tuple[int, int, VroomBreak | None]]) -> int:
        """Drive a leg of ``travel_s`` with ``breaks`` (start, end, break) taken along it; the arrival."""
        left, left_m = travel_s, metres
        for start, end, found in breaks:
            driven = min(left, max(start - self.t, 0))
            part_m = left_m if driven == left else metres * driven // max(travel_s, 1)
            self.travel, self.metres = self.travel + driven, self.metres + part_m
            left, left_m = left - driven, left_m - part_m
            ident = found.id if found else None
            self.step(
                "break",
                self.t + driven,
                start,
                end - start,
                id=ident,
                description=found.description if found else None,
            )
        self.travel, self.metres = self.travel + left, self.metres + left_m
        return self.t + left


def _route(
    run: Run,
    vehicle: VroomVehicle,
    jobs: dict[str, VroomJob],
    by_index: bool,
    origin: int,
    distances: bool,
    loads: bool,
) -> VroomRoute:
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
    served = [jobs[s.visit_id] for s in run.stops]
    total = sum(delivered(j) for j in served)
    line = _Timeline(run, origin, distances, total if loads else None)
    line.step("start", run.start, run.start, 0, **start_at)
    unused = list(vehicle.breaks)
    taken = sorted((b.start, b.end) for b in run.breaks)

    def along(until: int) -> list[tuple[int, int, VroomBreak | None]]:
        """The breaks taken before ``until``, each matched to the vehicle's break it fits."""
        out = []
        while taken and taken[0][0] < until:
            start, end = taken.pop(0)
            at = start + origin
            found = next((b for b in unused if any(w[0] <= at <= w[1] for w in b.time_windows)), None)
            if found is not None:
                unused.remove(found)
            out.append((start, end, found))
        return out

    for stop, job in zip(run.stops, served, strict=True):
        arrival = line.leg(stop.travel_s, stop.distance_m, along(stop.start))
        if line.load is not None:
            line.load -= delivered(job)
        line.step(
            "job",
            arrival,
            stop.start,
            stop.end - stop.start,
            id=job.id,
            job=job.id,
            description=job.description,
            **_where(by_index, job.location, job.location_index),
        )
    home_s = run.travel_s - sum(s.travel_s for s in run.stops)
    home_m = run.distance_m - sum(s.distance_m for s in run.stops)
    arrival = line.leg(home_s, home_m, along(DAY + 1))
    line.step("end", arrival, arrival, 0, **end_at)
    steps = line.steps
    return VroomRoute(
        vehicle=vehicle.id,
        description=vehicle.description,
        cost=run.travel_s,
        delivery=[total] if loads else None,
        amount=[total] if loads else None,
        pickup=[0] if loads else None,
        service=sum(s.service for s in steps),
        duration=line.travel,
        waiting_time=sum(s.waiting_time for s in steps),
        priority=sum(j.priority for j in served),
        distance=line.metres if distances else None,
        steps=steps,
    )


def to_vroom(vin: VroomInput, problem: Problem, solution: Solution, loading_s: float) -> VroomOutput:
    """VROOM's output shape for a carerun Solution of ``from_vroom(vin)``."""
    jobs = {str(j.id): j for j in vin.jobs}
    vehicles = {str(v.id): v for v in vin.vehicles}
    matrices = vin.all_matrices()
    by_index = matrices is not None
    # carerun knows distances from coordinates (great-circle) or from given distance matrices
    distances = matrices is None or any(m.distances is not None for m in matrices.values())
    loads = any(v.capacity for v in vin.vehicles) or any(j.delivery or j.amount or j.pickup for j in vin.jobs)
    origin = origin_of(vin)
    routes = [
        _route(run, vehicles[run.carer_id], jobs, by_index, origin, distances, loads)
        for run in solution.runs
        if run.stops
    ]
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
    delivery = [sum(r.delivery[0] for r in routes if r.delivery)] if loads else None
    summary = VroomSummary(
        cost=sum(r.cost for r in routes),
        routes=len(routes),
        unassigned=len(unassigned),
        delivery=delivery,
        amount=delivery,
        pickup=[0] if loads else None,
        service=sum(r.service for r in routes),
        duration=sum(r.duration for r in routes),
        waiting_time=sum(r.waiting_time for r in routes),
        priority=sum(r.priority for r in routes),
        distance=sum(r.distance or 0 for r in routes) if distances else None,
        computing_times=ComputingTimes(
            loading=round(loading_s * 1000), solving=round(solution.solver.wall_s * 1000)
        ),
    )
    return VroomOutput(code=0, summary=summary, unassigned=unassigned, routes=routes)
