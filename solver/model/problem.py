"""The carerun data contract (version 1) as pydantic models: the single source of truth.

The CLI, the HTTP API and every engine speak these models. They are strict on purpose: an
unknown field is an error, because a misspelt ``exluded_carers`` silently dropping a hard
constraint is worse than a rejected request. Times are validated from "HH:MM[:SS]" strings
into integer seconds and written back as "HH:MM:SS".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date as Date
from functools import cache
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.config import ExtraValues

from solver.model.clock import format_time, minutes_to_s, parse_time
from solver.model.errors import FieldIssue, issues_error

CONTRACT_VERSION = 1


def _to_seconds(value: Any, info: ValidationInfo) -> int:
    """Accept "HH:MM[:SS]" from JSON; Python callers may also pass integer seconds."""
    if isinstance(value, str):
        return parse_time(value)
    if info.mode == "python" and isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("expected a time of day as a string 'HH:MM' or 'HH:MM:SS'")


TimeOfDay = Annotated[
    int,
    BeforeValidator(_to_seconds),
    PlainSerializer(format_time, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?|24:00(:00)?)$",
            "description": "Time of day, 'HH:MM' or 'HH:MM:SS' (24-hour clock).",
            "examples": ["07:30"],
        }
    ),
]

Id = Annotated[str, Field(min_length=1, max_length=200)]
# Bounds keep every figure inside the engine's 64-bit objective with room to add; nothing real
# comes near them (two weeks in minutes, 10,000 per minute or per hour, a billion of a count).
MAX_MINUTES = 14 * 24 * 60
MAX_RATE = 10_000
MAX_COUNT = 1_000_000_000
Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False)]
# Rules of the domain, the same for the CLI and the API: one visit or break lasts at most a day,
# a carer works at most ten days' worth in one run, nobody travels faster than 1,000 km/h, a
# travel time in a matrix is at most a day (every time of the contract lies in one day, so a
# longer leg could never be driven) and a distance at most 10,000 km.
DAY_MINUTES = 24 * 60
MAX_WORKING_MIN = 10 * DAY_MINUTES
MIN_SPEED_KMH = 0.01
MAX_SPEED_KMH = 1000.0
MAX_MATRIX_VALUE = 10_000_000
MAX_DURATION_S = 24 * 3600
MAX_DISTANCE_M = MAX_MATRIX_VALUE
DayMinutes = Annotated[float, Field(ge=0, le=DAY_MINUTES, allow_inf_nan=False)]
Priority = Literal["critical", "normal", "low"]
ReasonCode = Literal[
    "NO_SKILLED_CARER",
    "NO_CARER_IN_WINDOW",
    "DOUBLE_UP_PARTNER",
    "EXCLUDED_OR_GENDER",
    "SHIFT_CAPACITY",
    "TRAVEL_TOO_FAR",
    "OPTIMISER_DROPPED",
    "MIN_GAP",
    "CONTINUITY_CAP",
]
Money = Annotated[float, Field(ge=0, le=MAX_RATE, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class Strict(BaseModel):
    """Base for every contract object: unknown fields are rejected, never ignored, and a JSON
    document is read in pydantic's strict mode, so ``true`` is never a latitude and ``"15"`` never
    a duration (a client that sends them has a bug worth hearing about). Python callers keep
    pydantic's usual conversions (a date may be a string there)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        return super().model_validate_json(
            json_data,
            strict=True if strict is None else strict,
            extra=extra,
            context=context,
            by_alias=by_alias,
            by_name=by_name,
        )


class Lean(Strict):
    """A contract object that leaves out optional fields added after version 1 at their default.

    Problems written before those fields existed then dump byte for byte as they did, so a
    shipped instance regenerates identically and a diff shows only what a user set.
    """

    omit_if_default: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _lean(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name in self.omit_if_default:
                if name in data and getattr(self, name) == _default_of(type(self), name):
                    del data[name]
        return data


@cache
def _default_of(model: type[BaseModel], name: str) -> Any:
    """A field's default, made once: pydantic inspects a default factory's signature on every
    call, which cost a minute over the 330,000 visits of a county study."""
    return model.model_fields[name].get_default(call_default_factory=True)


class Location(Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)

    def key(self) -> tuple[float, float]:
        """Hashable identity used to match a place against an explicit matrix."""
        return (round(self.lat, 7), round(self.lon, 7))


class TimeWindow(Strict):
    """Bounds on a visit's *start* (a 30-minute visit with window 07:30-08:30 may end 09:00)."""

    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.start > self.end:
            raise ValueError(
                f"window start {format_time(self.start)} is after its end {format_time(self.end)}"
            )
        return self


class Shift(Strict):
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.start >= self.end:
            raise ValueError(
                f"shift start {format_time(self.start)} must be before its end {format_time(self.end)}"
            )
        return self


class Break(Strict):
    """A break of ``duration_min`` that starts inside ``window`` while the carer is free."""

    window: TimeWindow
    duration_min: DayMinutes

    @property
    def duration_s(self) -> int:
        return minutes_to_s(self.duration_min)


class Carer(Lean):
    omit_if_default = ("wage_per_hour",)

    id: Id
    start: Location
    end: Location | None = Field(default=None, description="Defaults to `start`.")
    shift: Shift
    breaks: list[Break] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    max_working_min: Annotated[float, Field(ge=0, le=MAX_WORKING_MIN, allow_inf_nan=False)] | None = Field(
        default=None,
        description="Cap on working time: the run's span (leaving home to returning) "
        "less breaks taken inside it.",
    )
    max_visits: Count | None = None
    travel_mode: str = Field(default="car", min_length=1)
    gender: str | None = None
    capacity: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Generic load capacity (classic VRP); none if unset."
    )
    wage_per_hour: Money | None = Field(
        default=None, description="GBP per working hour; defaults to `pay.wage_per_hour`."
    )

    @property
    def end_location(self) -> Location:
        return self.end if self.end is not None else self.start


class Promised(Strict):
    """A time promised to the client: soft, priced per minute outside ``time`` ± tolerance."""

    time: TimeOfDay
    tolerance_min: Minutes = 15.0
    late_cost_per_min: Money = Field(default=1.0, description="Travel-minute equivalents.")
    early_cost_per_min: Money = 0.0

    @property
    def earliest_s(self) -> int:
        """Starts before this cost ``early_cost_per_min`` per minute."""
        return self.time - minutes_to_s(self.tolerance_min)

    @property
    def latest_s(self) -> int:
        """Starts after this cost ``late_cost_per_min`` per minute."""
        return self.time + minutes_to_s(self.tolerance_min)


class After(Strict):
    """HARD when both visits are served: start(this) - start(visit_id) in [min, max] minutes."""

    visit_id: Id
    min_gap_min: Minutes = 0.0
    max_gap_min: Minutes | None = None

    @model_validator(mode="after")
    def _ordered(self) -> After:
        if self.max_gap_min is not None and self.max_gap_min < self.min_gap_min:
            raise ValueError(f"max_gap_min {self.max_gap_min} is below min_gap_min {self.min_gap_min}")
        return self

    @property
    def min_gap_s(self) -> int:
        return minutes_to_s(self.min_gap_min)

    @property
    def max_gap_s(self) -> int | None:
        return None if self.max_gap_min is None else minutes_to_s(self.max_gap_min)


class Visit(Lean):
    omit_if_default = ("promised", "after")

    id: Id
    client_id: str | None = Field(default=None, description="Defaults to the visit id.")
    location: Location
    window: TimeWindow
    duration_min: DayMinutes
    carers_required: Literal[1, 2] = 1
    skills: list[str] = Field(default_factory=list)
    preferred_carers: list[str] = Field(default_factory=list)
    excluded_carers: list[str] = Field(default_factory=list)
    carer_gender: str | None = None
    priority: Priority = "normal"
    pinned_carer: str | None = None
    demand: int = Field(default=0, ge=0, le=MAX_COUNT, description="Generic load (classic VRP).")
    promised: Promised | None = None
    after: list[After] = Field(default_factory=list)

    @property
    def duration_s(self) -> int:
        return minutes_to_s(self.duration_min)

    @property
    def client(self) -> str:
        return self.client_id if self.client_id is not None else self.id


CIRCUITY = 1.3  # road distance over great-circle distance, the default of haversine travel
SPEED_KMH: Mapping[str, float] = MappingProxyType({"car": 40.0, "walk": 4.5})  # default per mode


def _walkable(speed: float) -> float:
    """Slower than this is a typo (metres per hour?), and it makes travel times overflow."""
    if speed < MIN_SPEED_KMH:
        raise ValueError(f"at least {MIN_SPEED_KMH} km/h")
    return speed


Speed = Annotated[float, Field(gt=0, le=MAX_SPEED_KMH, allow_inf_nan=False), AfterValidator(_walkable)]


class HaversineTravel(Strict):
    """Great-circle distance times ``circuity``, driven at the carer's mode speed."""

    model: Literal["haversine"] = "haversine"
    circuity: float = Field(default=CIRCUITY, ge=1.0, le=5.0, allow_inf_nan=False)
    speed_kmh: dict[str, Speed] = Field(default_factory=lambda: dict(SPEED_KMH))


# ``null`` is a leg with no route at all (a ferry that does not run, a closed road): no plan
# drives it. Where a duration is null its distance may be null or a number (never read); where
# a duration is a number its distance must be one too.
DurationMatrix = list[list[Annotated[float, Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False)] | None]]
DistanceMatrix = list[list[Annotated[float, Field(ge=0, le=MAX_DISTANCE_M, allow_inf_nan=False)] | None]]


class MatrixTravel(Strict):
    """Explicit per-mode matrices over ``locations`` (every carer home and visit among them)."""

    model: Literal["matrix"]
    locations: list[Location] = Field(min_length=1)
    durations_s: dict[str, DurationMatrix]
    distances_m: dict[str, DistanceMatrix] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _square(self) -> MatrixTravel:
        issues = self._duplicate_places()
        for name, per_mode in (("durations_s", self.durations_s), ("distances_m", self.distances_m)):
            for mode, matrix in per_mode.items():
                issues.extend(self._shape(f"{name}.{mode}", matrix))
        for mode in self.distances_m:
            if mode not in self.durations_s:
                issues.append(FieldIssue(f"distances_m.{mode}", f"no durations_s for mode {mode!r}"))
        if not issues:
            issues = self._null_cells()
        if issues:
            raise issues_error(issues[:50])
        return self

    def _duplicate_places(self) -> list[FieldIssue]:
        """A place listed twice would leave two rows for one address, and only one of them read."""
        first: dict[tuple[float, float], int] = {}
        issues = []
        for i, place in enumerate(self.locations):
            j = first.setdefault(place.key(), i)
            if j != i:
                issues.append(
                    FieldIssue(
                        f"locations[{i}]", f"the same place as travel.locations[{j}]; list each place once"
                    )
                )
        return issues

    def _shape(self, where: str, matrix: list[list[float | None]]) -> list[FieldIssue]:
        n = len(self.locations)
        message = f"matrix must be {n} x {n} (one row and column per entry of travel.locations)"
        if len(matrix) != n:
            return [FieldIssue(where, f"{message}; it has {len(matrix)} rows")]
        short = [(i, len(row)) for i, row in enumerate(matrix) if len(row) != n]
        if short:
            i, width = short[0]
            return [FieldIssue(where, f"{message}; row {i} has {width} entries")]
        return []

    def _null_cells(self) -> list[FieldIssue]:
        """A place is always reachable from itself (a carer who stays home has a run of no legs);
        a leg that can be driven needs its distance, an unreachable one may leave it null."""
        issues = [
            FieldIssue(f"durations_s.{mode}[{i}][{i}]", "null, but a place is always reachable from itself")
            for mode, durations in self.durations_s.items()
            for i, row in enumerate(durations)
            if row[i] is None
        ]
        for mode, distances in self.distances_m.items():
            durations = self.durations_s[mode]
            for i, row in enumerate(distances):
                if None not in row:
                    continue
                for j, metres in enumerate(row):
                    if metres is None and durations[i][j] is not None:
                        message = f"null, but durations_s.{mode}[{i}][{j}] is a number"
                        issues.append(FieldIssue(f"distances_m.{mode}[{i}][{j}]", message))
        return issues


Costing = Literal["auto", "pedestrian", "bicycle", "motor_scooter", "motorcycle", "truck", "taxi", "bus"]
# Valhalla's costing model for each travel mode of a carer; a problem may name others.
ROAD_COSTING: dict[str, Costing] = {"car": "auto", "walk": "pedestrian", "bike": "bicycle"}


class ValhallaTravel(Strict):
    """Road times and distances from Valhalla on OpenStreetMap data: a local tile set, routed
    in-process, or a Valhalla server that a provider runs. Exactly one of ``tiles`` and ``url``."""

    model: Literal["valhalla"]
    tiles: str | None = Field(default=None, min_length=1, description="Tile directory or .tar extract.")
    url: str | None = Field(default=None, pattern=r"^https?://\S+$", description="A Valhalla server.")
    costing: dict[str, Costing] = Field(default_factory=lambda: dict(ROAD_COSTING))
    max_snap_m: float = Field(
        default=1000.0,
        gt=0,
        le=50_000,
        description="A place further than this from a road of its mode's costing is off the map.",
    )
    max_pairs: int = Field(
        default=2500,
        ge=1,
        le=1_000_000,
        description="Source-target pairs in one matrix request: a server's max_matrix_location_pairs.",
    )
    cache: bool = Field(default=True, description="Keep and reuse matrices on disk.")

    @model_validator(mode="after")
    def _one_source(self) -> ValhallaTravel:
        if (self.tiles is None) == (self.url is None):
            raise issues_error([FieldIssue("", "give exactly one of tiles (a local tile set) and url")])
        return self


def _travel_model(value: Any) -> str:
    """The travel model named by ``model``; a travel object without one is haversine."""
    if isinstance(value, dict):
        return str(value.get("model", "haversine"))
    return str(getattr(value, "model", "haversine"))


Travel = Annotated[
    Annotated[HaversineTravel, Tag("haversine")]
    | Annotated[MatrixTravel, Tag("matrix")]
    | Annotated[ValhallaTravel, Tag("valhalla")],
    Discriminator(_travel_model),
]


class Options(Lean):
    omit_if_default = ("warm_start", "objective", "rest_breaks")

    time_limit_s: float = Field(default=10.0, gt=0, le=86400, allow_inf_nan=False)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    solution_limit: int | None = Field(
        default=None,
        ge=1,
        le=MAX_COUNT,
        description="Stop local search after this many improving solutions; with a seed this "
        "makes the plan reproducible regardless of machine speed.",
    )
    warm_start: Literal["pyvrp", "vroom", "none"] = Field(
        default="pyvrp",
        description="On a day without double-ups, breaks, skills, exclusions, pins, caps, gaps, "
        "promised times or continuity costs, this solver's plan (found in part of the time limit) "
        "is the engine's first solution; other days ignore it. vroom needs the bench extra.",
    )
    objective: Literal["travel", "paid-time"] = Field(
        default="travel",
        description="travel: minimise driving. paid-time: driving plus paid waiting between "
        "visits (waiting in a gap the pay rules leave unpaid costs nothing).",
    )
    rest_breaks: bool = Field(
        default=False,
        description="Give every carer whose run may exceed 6 hours of working time one "
        "20-minute rest break (Working Time Regulations 1998, reg. 12), placed by the engine.",
    )


class HistoryEntry(Lean):
    """One past visit: who served which client on which day (continuity of care), and when it
    ended (the daily rest check, WTR_DAILY_REST)."""

    omit_if_default = ("end",)

    date: Date
    client_id: Id
    carer_id: Id
    end: TimeOfDay | None = Field(default=None, description="When the visit ended that day.")


class Continuity(Strict):
    regular_carers: int = Field(
        default=3, ge=0, le=MAX_COUNT, description="How many of a client's most frequent past carers count."
    )
    cost_min: Minutes = Field(
        default=20.0,
        description="Objective cost (travel-minute equivalents) of a visit served by a carer "
        "who is neither preferred nor regular; only for visits that have either.",
    )
    max_carers_per_client: int | None = Field(
        default=None, ge=1, description="HARD cap on distinct carers per client in the day."
    )
    regular_min_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="A past carer is regular only with at least this share of the client's past visits.",
    )
    max_carers_per_week: int | None = Field(
        default=None,
        ge=1,
        le=MAX_COUNT,
        description="SOFT cap on distinct carers a client sees in the week (the 6 days of history "
        "before the date, and today): once a client has seen this many, a new face costs week_cost_min.",
    )
    week_cost_min: Minutes = Field(
        default=30.0, description="Objective cost of one visit by a carer beyond the weekly cap."
    )


Rate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class Pay(Lean):
    """How the provider pays its carers, in GBP: see docs/rules.md "Pay and working time".

    Every field has a default, so a problem that says nothing about pay is costed at the
    National Living Wage in force on its ``date`` with the on-costs a UK employer carries.
    """

    omit_if_default = (
        "wage_per_hour",
        "wage_preset",
        "national_living_wage",
        "holiday_pay_rate",
        "employer_ni_rate",
        "pension_rate",
        "unpaid_gap_min",
        "unpaid_if_home_for_min",
    )

    wage_per_hour: Money | None = Field(
        default=None,
        description="The hourly wage; unset, the `wage_preset` rate in force on the problem's date.",
    )
    wage_preset: Literal["national_living_wage", "real_living_wage"] = Field(
        default="national_living_wage",
        description="The published rate paid when `wage_per_hour` is unset.",
    )
    paid_time: Literal["working", "contact"] = Field(
        default="working",
        description="The wage is paid on working time (contact, travel and waiting between "
        "visits) or on contact time only.",
    )
    mileage_per_mile: Money = 0.45
    national_living_wage: Money | None = Field(
        default=None,
        description="The legal floor checked by BELOW_NLW; unset, the rate in force on the problem's date.",
    )
    fee_per_care_hour: Money = 25.0
    holiday_pay_rate: Rate = Field(
        default=0.1207, description="Holiday pay on top of the wage: 5.6/46.4 weeks."
    )
    employer_ni_rate: Rate = Field(
        default=0.112, description="Employer National Insurance, as a share of pay."
    )
    pension_rate: Rate = Field(default=0.021, description="Employer pension contribution, as a share of pay.")
    unpaid_gap_min: Minutes | None = Field(
        default=None,
        description="Waiting in a gap between visits at least this long is unpaid (the carer is free).",
    )
    unpaid_if_home_for_min: Minutes | None = Field(
        default=None,
        description="Waiting in a gap is unpaid when the carer could drive home, stay this long "
        "and drive to the next visit.",
    )


class Problem(Lean):
    omit_if_default = ("history", "continuity", "pay")

    id: Id
    date: Date | None = None
    carers: list[Carer] = Field(min_length=1)
    visits: list[Visit]
    travel: Travel = Field(default_factory=HaversineTravel)
    options: Options = Field(default_factory=Options)
    history: list[HistoryEntry] = Field(default_factory=list)
    continuity: Continuity = Field(default_factory=Continuity)
    pay: Pay = Field(default_factory=Pay)

    @model_validator(mode="after")
    def _references(self) -> Problem:
        errors: list[FieldIssue] = []
        _unique("carers", (c.id for c in self.carers), errors)
        _unique("visits", (v.id for v in self.visits), errors)
        carer_ids = {c.id for c in self.carers}
        for i, visit in enumerate(self.visits):
            for field in ("preferred_carers", "excluded_carers"):
                for j, cid in enumerate(getattr(visit, field)):
                    if cid not in carer_ids:
                        errors.append(FieldIssue(f"visits[{i}].{field}[{j}]", f"unknown carer id {cid!r}"))
            pinned, where = visit.pinned_carer, f"visits[{i}].pinned_carer"
            if pinned is not None:
                if pinned not in carer_ids:
                    errors.append(FieldIssue(where, f"unknown carer id {pinned!r}"))
                elif pinned in visit.excluded_carers:
                    errors.append(FieldIssue(where, f"{pinned!r} is also in excluded_carers"))
        errors.extend(self._after_errors())
        errors.extend(self._travel_errors())
        if self.pay.unpaid_if_home_for_min is not None and isinstance(self.travel, ValhallaTravel):
            errors.append(
                FieldIssue(
                    "pay.unpaid_if_home_for_min",
                    "needs haversine or matrix travel to time the trip home; with roads, give the "
                    "matrix (carerun roads matrix) or use pay.unpaid_gap_min",
                )
            )
        if errors:
            raise issues_error(errors)
        return self

    def _after_errors(self) -> list[FieldIssue]:
        """`after` must name another existing visit, once, and never close a cycle."""
        index = {v.id: i for i, v in enumerate(self.visits)}
        errors: list[FieldIssue] = []
        edges: dict[int, list[int]] = {}
        for i, visit in enumerate(self.visits):
            seen: set[str] = set()
            for j, link in enumerate(visit.after):
                where = f"visits[{i}].after[{j}].visit_id"
                if link.visit_id == visit.id:
                    errors.append(FieldIssue(where, "a visit cannot come after itself"))
                elif link.visit_id not in index:
                    errors.append(FieldIssue(where, f"unknown visit id {link.visit_id!r}"))
                elif link.visit_id in seen:
                    errors.append(FieldIssue(where, f"visit {link.visit_id!r} is named twice"))
                else:
                    edges.setdefault(i, []).append(index[link.visit_id])
                seen.add(link.visit_id)
        cycle = _find_cycle(edges)
        if cycle is not None:
            names = " -> ".join(self.visits[k].id for k in cycle)
            where = f"visits[{cycle[0]}].after"
            errors.append(FieldIssue(where, f"the after constraints form a cycle ({names})"))
        return errors

    def _travel_errors(self) -> list[FieldIssue]:
        travel = self.travel
        modes: Iterable[str]
        if isinstance(travel, HaversineTravel):
            modes, missing = travel.speed_kmh, "speed in travel.speed_kmh"
        elif isinstance(travel, ValhallaTravel):
            modes, missing = travel.costing, "costing in travel.costing"
        else:
            modes, missing = travel.durations_s, "matrix in travel.durations_s"
        errors = [
            FieldIssue(f"carers[{i}].travel_mode", f"{c.travel_mode!r} has no {missing}")
            for i, c in enumerate(self.carers)
            if c.travel_mode not in modes
        ]
        if isinstance(travel, MatrixTravel):
            known = {loc.key() for loc in travel.locations}
            elsewhere = "location not in travel.locations"
            for i, c in enumerate(self.carers):
                for field, loc in (("start", c.start), ("end", c.end_location)):
                    if loc.key() not in known:
                        errors.append(FieldIssue(f"carers[{i}].{field}", elsewhere))
            for i, v in enumerate(self.visits):
                if v.location.key() not in known:
                    errors.append(FieldIssue(f"visits[{i}].location", elsewhere))
        return errors[:50]


REST_BREAK_S = 20 * 60  # Working Time Regulations 1998, reg. 12: 20 uninterrupted minutes
REST_AFTER_S = 6 * 3600  # ... when the working day is longer than six hours


def rest_break(carer: Carer) -> Break | None:
    """The 20-minute rest break ``options.rest_breaks`` gives a carer who has none of their own
    and whose shift could hold a working day of more than 6 hours; None otherwise.

    Its window makes it fall inside any run longer than 6 hours: it starts no later than 6 hours
    into the shift (before such a run can end) and ends no earlier than 6 hours before the
    shift's end (after such a run has begun). A shorter run may take it before or after, off
    duty. On a shift of more than 12 h 20 min no window can do both; the break then sits in the
    middle of the shift and only the checker's flag says whether a long run took it inside."""
    if any(b.duration_s >= REST_BREAK_S for b in carer.breaks):
        return None
    start, end = carer.shift.start, carer.shift.end
    if end - start <= REST_AFTER_S:
        return None
    lo, hi = (
        max(start, end - REST_AFTER_S - REST_BREAK_S),
        min(start + REST_AFTER_S, end - REST_BREAK_S),
    )
    if lo > hi:
        middle = (start + end - REST_BREAK_S) // 2
        lo, hi = middle - 3600, middle + 3600
    return Break(window=TimeWindow(start=lo, end=hi), duration_min=REST_BREAK_S / 60)


def with_rest_breaks(problem: Problem) -> Problem:
    """The problem as it is planned and checked: with ``options.rest_breaks``, each carer's
    ``rest_break`` added after their own breaks (a no-op the second time)."""
    if not problem.options.rest_breaks:
        return problem
    carers = []
    for carer in problem.carers:
        extra = rest_break(carer)
        carers.append(carer if extra is None else carer.model_copy(update={"breaks": [*carer.breaks, extra]}))
    return problem.model_copy(update={"carers": carers})


def _find_cycle(edges: dict[int, list[int]]) -> list[int] | None:
    """A cycle in the `after` graph (as node list, first node repeated at the end), or None."""
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done
    for root in sorted(edges):
        if root in state:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        path = [root]
        state[root] = 1
        while stack:
            node, k = stack[-1]
            nexts = edges.get(node, [])
            if k == len(nexts):
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            stack[-1] = (node, k + 1)
            nxt = nexts[k]
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                state[nxt] = 1
                stack.append((nxt, 0))
                path.append(nxt)
    return None


def _unique(name: str, ids: Iterable[str], errors: list[FieldIssue]) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            errors.append(FieldIssue(f"{name}[{i}].id", f"duplicate id {ident!r}"))
        seen.add(ident)


# --------------------------------------------------------------------------- solution


class Stop(Strict):
    visit_id: str
    arrival: TimeOfDay
    start: TimeOfDay
    end: TimeOfDay
    travel_s: int = Field(ge=0, description="From the previous stop, or from the carer's start.")
    distance_m: int = Field(ge=0)
    wait_s: int = Field(ge=0)


class BreakTaken(Strict):
    start: TimeOfDay
    end: TimeOfDay


class RunPay(Strict):
    """What the run costs as the carer is paid (UK): see docs/rules.md "Pay and working time"."""

    working_s: int = Field(ge=0, description="Contact + travel between visits + waiting.")
    paid_s: int = Field(ge=0, description="Time paid at the wage: working or contact time (`pay.paid_time`).")
    unpaid_commute_s: int = Field(ge=0, description="Home to first visit and last visit home.")
    wage_cost: float = Field(description="care_cost + travel_cost + wait_cost.")
    mileage_cost: float
    cost: float = Field(description="wage_cost + on_cost + mileage_cost.")
    pay_per_working_hour: float | None = None
    flags: list[str] = Field(default_factory=list)
    care_cost: float = 0.0
    travel_cost: float = 0.0
    wait_cost: float = Field(default=0.0, description="Paid waiting between visits.")
    on_cost: float = Field(default=0.0, description="Holiday pay, employer NI and pension on the wage.")
    unpaid_wait_s: int = Field(default=0, ge=0, description="Waiting in gaps the pay rules leave unpaid.")


class Run(Strict):
    carer_id: str
    start: TimeOfDay = Field(description="Leaves `start` location.")
    end: TimeOfDay = Field(description="Back at `end` location.")
    stops: list[Stop]
    breaks: list[BreakTaken] = Field(default_factory=list)
    travel_s: int = Field(ge=0, description="Includes the drive back to `end`.")
    distance_m: int = Field(ge=0)
    care_s: int = Field(ge=0)
    wait_s: int = Field(ge=0)
    pay: RunPay | None = None


class Unassigned(Strict):
    visit_id: str
    code: ReasonCode
    reason: str


class Kpis(Strict):
    visits: int
    visits_assigned: int
    double_ups: int = 0
    double_ups_assigned: int = 0
    care_s: int
    travel_s: int
    distance_m: int
    wait_s: int
    travel_per_care_hour_min: float
    carers_used: int
    continuity_rate: float | None = None
    primary_carer_share: float | None = None
    carers_per_client_week: float | None = None
    max_carers_per_client_week: int | None = None
    distinct_carers_per_client: float | None = None
    max_carers_per_client: int | None = None
    late_visits: int | None = None
    lateness_min: float | None = None
    max_lateness_min: float | None = None
    pay_cost: float | None = None
    cost_per_care_hour: float | None = None
    flagged_runs: int | None = None
    unassigned_by_code: dict[str, int] = Field(default_factory=dict)


class SolverInfo(Strict):
    engine: str
    wall_s: float
    seed: int
    objective: int | None = None
    time_limit_s: float | None = None
    first_solution: str | None = None
    notes: list[str] = Field(default_factory=list)


class Change(Strict):
    """One visit's move against a published plan (re-planning); None = not in that plan."""

    visit_id: str
    from_carer: str | None = None
    to_carer: str | None = None
    from_start: TimeOfDay | None = None
    to_start: TimeOfDay | None = None


class Violation(Strict):
    """A broken hard rule found when evaluating a given plan."""

    rule: str
    message: str
    carer_id: str | None = None
    visit_id: str | None = None


class Solution(Strict):
    problem_id: str
    status: Literal["solved", "partial"]
    runs: list[Run]
    unassigned: list[Unassigned] = Field(default_factory=list)
    kpis: Kpis
    solver: SolverInfo
    changes: list[Change] | None = None
    violations: list[Violation] | None = None

    @field_validator("runs")
    @classmethod
    def _one_run_per_carer(cls, runs: list[Run]) -> list[Run]:
        seen: set[str] = set()
        for i, run in enumerate(runs):
            if run.carer_id in seen:
                raise issues_error([FieldIssue(f"[{i}].carer_id", f"carer {run.carer_id!r} has two runs")])
            seen.add(run.carer_id)
        return runs


class History(Strict):
    """A visit-history file on its own (`carerun solve --history FILE`)."""

    history: list[HistoryEntry]
