"""Seeded, realistic synthetic day of home care in Wiltshire, as a contract ``Problem``.

Why synthetic: no council publishes a day's visits, so carerun's benchmark instances are drawn
from public norms instead (docs/calibration.md lists each figure and its source): where clients live (ONS 2021
LSOA population-weighted centroids), how many calls a client gets and when, how long they are,
how many are double-handed or time-critical, and which shifts carers work. Every random choice
goes through one ``numpy`` Generator seeded from ``seed``, so the same arguments always give
byte-identical JSON and a shipped instance can be re-derived and checked in a test.

Zones are sets of LSOAs. ``hub_zone(name)`` is the Voronoi cell of one of the 18 area-board hub
towns (LSOAs nearer to that hub than to any other): an approximation, not the official
boundaries, which are not published as data. ``"county"`` is all 307 LSOAs, and ``"A+B"`` is
the union of two hub zones.

The LSOA file ships inside the package, wheel included, as
``solver/generate/data/wiltshire_lsoa21_centroids.csv`` (its licence note is beside it).
Source: Office for National Statistics licensed under the Open Government Licence v3.0; contains OS data © Crown copyright and database right; via github.com/drkane/geo-lookups.
"""  # noqa: E501

from __future__ import annotations

import csv
import heapq
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray

from solver.model.clock import parse_time
from solver.model.problem import HaversineTravel, Problem, Solution
from solver.travel import CIRCUITY, SPEED_KMH, haversine_m

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0; "
    "contains OS data © Crown copyright and database right; via github.com/drkane/geo-lookups."
)
# Package data, read through importlib.resources so an installed carerun finds it too.
DATA_PATH: Traversable = resources.files("solver.generate.data") / "wiltshire_lsoa21_centroids.csv"
# The three example days are fixtures of a source checkout (tests, benchmarks), not package data:
# nothing reads them at run time, and `python -m solver.generate.day` rewrites them there.
REPO_ROOT = Path(__file__).resolve().parents[2]
HOMECARE_DIR = REPO_ROOT / "instances" / "homecare"

METRES_PER_MILE = 1609.344
KM_PER_DEG_LAT = 111.32
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# The 18 Wiltshire area boards, each represented by its hub town (docs/calibration.md, "Places").
# Three boards are not a town: their listed representative settlement stands in for them, and
# with these points the nearest-hub cells give the zone sizes docs/calibration.md quotes.
HUBS: dict[str, tuple[float, float]] = {
    "Amesbury": (51.1730, -1.7800),
    "Bradford on Avon": (51.3470, -2.2510),
    "Calne": (51.4380, -2.0050),
    "Chippenham": (51.4590, -2.1160),
    "Corsham": (51.4340, -2.1850),
    "Devizes": (51.3530, -1.9940),
    "Malmesbury": (51.5840, -2.0980),
    "Marlborough": (51.4200, -1.7300),
    "Melksham": (51.3795, -2.1379),
    "Pewsey": (51.3430, -1.7640),
    "Royal Wootton Bassett & Cricklade": (51.5410, -1.9050),  # Royal Wootton Bassett
    "Salisbury": (51.0740, -1.7936),
    "South West Wiltshire": (51.0650, -2.0810),  # Tisbury (between Mere and Wilton)
    "Southern Wiltshire": (50.9930, -1.7430),  # Downton
    "Tidworth": (51.2370, -1.6640),
    "Trowbridge": (51.3164, -2.2094),
    "Warminster": (51.2050, -2.1810),
    "Westbury": (51.2589, -2.1906),
}
_ALIASES = {
    "royal wootton bassett": "Royal Wootton Bassett & Cricklade",
    "royal wootton bassett and cricklade": "Royal Wootton Bassett & Cricklade",
    "rwb": "Royal Wootton Bassett & Cricklade",
    "cricklade": "Royal Wootton Bassett & Cricklade",
    "tisbury": "South West Wiltshire",
    "mere": "South West Wiltshire",
    "wilton": "South West Wiltshire",
    "south west wilts": "South West Wiltshire",
    "downton": "Southern Wiltshire",
    "southern wilts": "Southern Wiltshire",
}
COUNTY = "county"


# --------------------------------------------------------------------------- LSOA data


@dataclass(frozen=True)
class Lsoas:
    """LSOA centroids (read-only arrays, one entry per LSOA, in file order)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    area_km2: FloatArray

    def subset(self, codes: Sequence[str]) -> Lsoas:
        index = {code: i for i, code in enumerate(self.codes)}
        rows = np.array([index[c] for c in codes], dtype=np.int64)
        return Lsoas(
            codes=tuple(self.codes[i] for i in rows),
            names=tuple(self.names[i] for i in rows),
            lat=_frozen(self.lat[rows]),
            lon=_frozen(self.lon[rows]),
            area_km2=_frozen(self.area_km2[rows]),
        )


def _frozen(array: FloatArray) -> FloatArray:
    """Cached arrays are shared between calls, so nobody may write into them."""
    array.setflags(write=False)
    return array


def load_lsoas(path: str | Path | None = None) -> Lsoas:
    """Read the LSOA centroid CSV shipped with the package (or ``path``), cached by path."""
    return _load_lsoas(None if path is None else str(Path(path)))


@lru_cache(maxsize=4)
def _load_lsoas(path: str | None) -> Lsoas:
    file: Traversable = DATA_PATH if path is None else Path(path)
    if not file.is_file():
        raise FileNotFoundError(
            f"LSOA centroid data not found at {file}. carerun ships it as package data, "
            f"solver/generate/data/wiltshire_lsoa21_centroids.csv; reinstall carerun "
            f"(or point GenerateConfig.lsoa_csv at a copy)."
        )
    rows = list(csv.DictReader(file.read_text(encoding="utf-8").splitlines()))
    needed = {"lsoa21cd", "lsoa21nm", "lat", "lon", "area_km2"}
    if not rows or not needed <= set(rows[0]):
        raise ValueError(f"{file}: expected columns {sorted(needed)}")
    return Lsoas(
        codes=tuple(r["lsoa21cd"] for r in rows),
        names=tuple(r["lsoa21nm"] for r in rows),
        lat=_frozen(np.array([float(r["lat"]) for r in rows])),
        lon=_frozen(np.array([float(r["lon"]) for r in rows])),
        area_km2=_frozen(np.array([float(r["area_km2"]) for r in rows])),
    )


def km_between(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle km between two broadcastable coordinate arrays (travel's haversine)."""
    return haversine_m(lat1, lon1, lat2, lon2) / 1000


def hub_name(name: str) -> str:
    """The canonical area-board name for ``name`` (case, hyphens and '&'/'and' are forgiven)."""
    key = re.sub(r"[\s_-]+", " ", name.strip().lower()).replace("&", "and")
    key = re.sub(r"\s+", " ", key)
    for hub in HUBS:
        if key == hub.lower().replace("&", "and"):
            return hub
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"unknown zone {name!r}; use 'county', 'A+B' or one of: {', '.join(HUBS)}")


def hub_zone(name: str, path: str | Path | None = None) -> tuple[str, ...]:
    """LSOA codes nearer to area-board hub ``name`` than to any other hub (file order)."""
    hub = hub_name(name)
    lsoas = load_lsoas(path)
    hubs = list(HUBS)
    hub_lat = np.array([HUBS[h][0] for h in hubs])
    hub_lon = np.array([HUBS[h][1] for h in hubs])
    nearest = km_between(lsoas.lat[:, None], lsoas.lon[:, None], hub_lat[None, :], hub_lon[None, :]).argmin(1)
    mine = hubs.index(hub)
    return tuple(code for code, k in zip(lsoas.codes, nearest, strict=True) if k == mine)


def zone_lsoas(zone: str, path: str | Path | None = None) -> Lsoas:
    """Resolve a zone: ``"county"``, one hub name, or hub names joined by ``+``."""
    lsoas = load_lsoas(path)
    if zone.strip().lower() == COUNTY:
        return lsoas
    codes: set[str] = set()
    for part in zone.split("+"):
        codes.update(hub_zone(part, path))
    return lsoas.subset([c for c in lsoas.codes if c in codes])


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class ShiftPattern:
    """A contract shift; ``blocks`` are the hours a carer is actually out (used for sizing)."""

    share: float
    start: str
    end: str
    blocks: tuple[tuple[str, str], ...]
    break_window: tuple[str, str] | None = None
    break_min: int = 0
    # True: max_working_min = the shift length. False (split): left unset, since the 150-min unpaid
    # break inside the 07:00-22:00 shift already bounds the working day.
    cap_working: bool = True


def _default_shifts() -> dict[str, ShiftPattern]:
    # Community Care / UNISON 2015: most homecare workers work split shifts. The Working Time
    # Regulations 1998 shape all three patterns: a 20-min break in any working day over 6 h
    # (reg. 12) and 11 h of rest between one day's finish and the next day's start (reg. 10). A
    # carer works the same pattern every day, so each shift spans at most 13 h: the split shift
    # either starts at 07:00 and ends at 20:00, or starts at 09:00 and
    # ends at 22:00. The split shift is ONE
    # contract shift whose 150-min unpaid break (starting 13:00-14:00) separates its two blocks.
    return {
        "split": ShiftPattern(
            0.35, "07:00", "20:00", (("07:00", "13:30"), ("16:00", "20:00")), ("13:00", "14:00"), 150, False
        ),
        "late split": ShiftPattern(
            0.30, "09:00", "22:00", (("09:00", "14:00"), ("16:30", "22:00")), ("13:30", "14:30"), 150, False
        ),
        "morning": ShiftPattern(0.20, "07:00", "14:30", (("07:00", "14:30"),), ("10:30", "12:30"), 20),
        "late": ShiftPattern(0.15, "15:00", "22:00", (("15:00", "22:00"),), ("17:30", "19:30"), 20),
    }


@dataclass(frozen=True)
class GenerateConfig:
    """The parameters of docs/calibration.md; [assumption] marks a choice with no source."""

    # Calls per client per day (mean 2.7) and which slots they fall in [assumption].
    calls_per_client: dict[int, float] = field(default_factory=lambda: {1: 0.20, 2: 0.25, 3: 0.20, 4: 0.35})
    call_patterns: dict[int, dict[tuple[str, ...], float]] = field(
        default_factory=lambda: {
            1: {("am",): 0.60, ("lunch",): 0.15, ("tea",): 0.10, ("bed",): 0.15},
            2: {("am", "bed"): 0.60, ("am", "tea"): 0.30, ("am", "lunch"): 0.10},
            3: {("am", "lunch", "bed"): 0.50, ("am", "tea", "bed"): 0.50},
            4: {("am", "lunch", "tea", "bed"): 1.0},
        }
    )
    # Range of promised start times per slot (Bloomsbury run description).
    slots: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            "am": ("07:00", "10:30"),
            "lunch": ("11:30", "14:00"),
            "tea": ("16:00", "18:00"),
            "bed": ("19:30", "22:00"),
        }
    )
    # Torbay 2022 / Hidden Dynamics: 65% of visits are 30 min. AM calls run longer, lunch and tea
    # shorter; the tea bias (our assumption) offsets the AM one so the overall 30-min share stays ~0.62.
    duration_mix: dict[int, float] = field(default_factory=lambda: {15: 0.05, 30: 0.65, 45: 0.20, 60: 0.10})
    duration_slot_bias: dict[str, dict[int, float]] = field(
        default_factory=lambda: {
            "am": {45: 0.10, 30: -0.10},
            "lunch": {15: 0.05, 45: -0.05},
            "tea": {30: 0.05, 45: -0.05},
        }
    )
    promised_grid_min: int = 15  # rotas promise times on a quarter-hour grid [assumption]
    time_critical_share: float = 0.30  # medication, insulin [assumption]
    time_critical_tolerance_min: int = 30  # ±30 min (Essex KPI)
    flexible_tolerance_min: int = 60  # ±60 min [assumption]
    day_start: str = "07:00"
    day_end: str = "22:00"
    last_call_margin_min: int = 20  # the last call must end early enough to drive home by day_end
    # Double-handed: client-level, on the client's am/bed calls (hoist transfers), weighted towards
    # clients with more calls; the client probability is scaled so the expected visit share is met.
    double_handed_share: float = 0.20
    double_handed_slots: tuple[str, ...] = ("am", "bed")
    double_handed_weight_by_calls: dict[int, float] = field(
        default_factory=lambda: {1: 0.0, 2: 0.5, 3: 1.0, 4: 1.5}
    )
    hoist_share_of_double_handed: float = 0.70  # "most double-ups need a hoist" [assumption]
    medication_share: float = 0.30  # of visits
    medication_share_of_time_critical: float = 0.70  # time-critical calls are mostly medication
    catheter_client_share: float = 0.03  # catheter care on am/bed calls
    peg_client_share: float = 0.015  # PEG feeding on every call
    female_only_client_share: float = 0.05  # carer_gender "female" on all the client's calls
    excluded_carer_client_share: float = 0.02  # the client has refused one carer
    low_priority_share: float = 0.10  # of all visits, drawn among the non-critical ones
    # The rota tells each client a time; a start more than 15 min after it costs 1 travel-minute
    # a minute (Promised). Medication calls of one client keep a four-hour gap (After).
    promised_tolerance_min: int = 15
    promised_late_cost_per_min: float = 1.0
    medication_gap_min: int = 240
    # Carers.
    shifts: dict[str, ShiftPattern] = field(default_factory=_default_shifts)
    carer_skill_share: dict[str, float] = field(
        default_factory=lambda: {"medication": 0.70, "hoist": 0.50, "catheter": 0.15, "peg": 0.10}
    )
    carer_female_share: float = 0.80
    walk_share: float = 0.05  # walkers live in a town LSOA
    max_visits: int = 20
    min_eligible_per_carer_needed: int = 2  # repair: >= 2x carers_required hold a visit's skills
    # Fleet sizing: carer contact hours per carer-day, and a travel allowance per visit for the
    # per-slot check (Bloomsbury: "half hour visit ... 10 minutes travel time").
    contact_hours_per_carer: float = 5.1
    travel_allowance_min: float = 10.0
    # Geography and travel.
    jitter_km_urban: float = 0.4
    jitter_km_rural: float = 1.5
    urban_area_km2: float = 2.0
    # Provider overlap (docs/calibration.md, "Provider overlap"): several providers share every
    # patch, and most of them crowd into the towns, so one provider's share of the clients is
    # smallest where people are densest. An LSOA's weight is its population (equal for every LSOA)
    # over the number of providers there, taken to grow as density**spread_exponent; with equal
    # populations that is area**spread_exponent. 0 gives the old, town-heavy picture.
    spread_exponent: float = 1.0
    # A rural home lies anywhere in its LSOA, not near its population-weighted centroid: the
    # jitter grows with the LSOA's size (sd = this * sqrt(area)), never below jitter_km_rural.
    jitter_km_per_root_km2: float = 0.5
    circuity: float = CIRCUITY  # the model's default, from solver/travel
    # The contract's haversine model has ONE speed per mode, but trips are nearer 30 km/h in towns and
    # 50 km/h on rural roads. Timing the near-neighbour legs of the shipped instances at 30 (town to
    # town), 50 (village to village) and 37.5 (mixed) km/h gives one equivalent speed of 36-44 km/h
    # (Bradford on Avon lowest, rural Warminster highest). 40 km/h sits in the middle, and near the
    # DfT's 23.7 mph (38 km/h) average on local A roads.
    car_speed_kmh: float = SPEED_KMH["car"]
    walk_speed_kmh: float = SPEED_KMH["walk"]
    time_limit_s: float = 30.0
    lsoa_csv: str | None = None  # default: the package copy (DATA_PATH)


# --------------------------------------------------------------------------- generation


def _pick(rng: np.random.Generator, mix: Mapping[Any, float]) -> Any:
    """One key of ``mix`` drawn by its (normalised) weight."""
    keys = list(mix)
    weights = np.array([max(0.0, mix[k]) for k in keys], dtype=np.float64)
    return keys[int(rng.choice(len(keys), p=weights / weights.sum()))]


def _duration_mix(config: GenerateConfig, slot: str) -> dict[int, float]:
    mix = dict(config.duration_mix)
    for minutes, delta in config.duration_slot_bias.get(slot, {}).items():
        mix[minutes] = max(0.0, mix.get(minutes, 0.0) + delta)
    return mix


def _double_handed_scale(config: GenerateConfig) -> float:
    """Client-level probability multiplier so that the expected visit share is the target."""
    mean_calls = sum(n * p for n, p in config.calls_per_client.items()) / sum(
        config.calls_per_client.values()
    )
    flagged = 0.0
    for n, p in config.calls_per_client.items():
        patterns = config.call_patterns[n]
        total = sum(patterns.values())
        dh_calls = sum(w * sum(s in config.double_handed_slots for s in pat) for pat, w in patterns.items())
        flagged += p * config.double_handed_weight_by_calls.get(n, 0.0) * dh_calls / total
    flagged /= sum(config.calls_per_client.values())
    return config.double_handed_share * mean_calls / flagged if flagged > 0 else 0.0


def _jitter(rng: np.random.Generator, lat: float, lon: float, sd_km: float) -> tuple[float, float]:
    """Scatter a home around its LSOA centroid (Gaussian, sd in km), rounded to ~1 m."""
    dy, dx = rng.normal(0.0, sd_km, size=2)
    new_lat = lat + dy / KM_PER_DEG_LAT
    new_lon = lon + dx / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(float(new_lat), 5), round(float(new_lon), 5)


def lsoa_weights(zone: Lsoas, config: GenerateConfig) -> FloatArray:
    """Chance that a client of the provider lives in each LSOA (sums to 1): area**spread_exponent."""
    weights = np.power(zone.area_km2, config.spread_exponent)
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _place(
    rng: np.random.Generator, zone: Lsoas, config: GenerateConfig, client: bool = True
) -> tuple[float, float, bool]:
    """A home in ``zone``: a client's LSOA by ``lsoa_weights``, a carer's with equal weight (carers
    live where people live, whoever their employer), then jitter by its urban/rural class."""
    if client:
        k = int(rng.choice(len(zone.codes), p=lsoa_weights(zone, config)))
    else:
        k = int(rng.integers(len(zone.codes)))
    area = float(zone.area_km2[k])
    urban = area < config.urban_area_km2
    sd = (
        config.jitter_km_urban
        if urban
        else max(config.jitter_km_rural, config.jitter_km_per_root_km2 * math.sqrt(area))
    )
    lat, lon = _jitter(rng, float(zone.lat[k]), float(zone.lon[k]), sd)
    return lat, lon, urban


@dataclass
class _Client:
    id: str
    lat: float
    lon: float
    slots: tuple[str, ...]
    double_handed: bool
    hoist: bool
    catheter: bool
    peg: bool
    female_only: bool
    excludes_a_carer: bool


def _draw_client(
    rng: np.random.Generator, ident: str, zone: Lsoas, remaining: int, scale: float, config: GenerateConfig
) -> _Client:
    """A client's home, call pattern and needs; the last client is cut to the calls still wanted."""
    lat, lon, _ = _place(rng, zone, config)
    n_calls = min(int(_pick(rng, config.calls_per_client)), remaining)
    slots: tuple[str, ...] = _pick(rng, config.call_patterns[n_calls])
    flags = rng.random(6)
    p_double = min(1.0, scale * config.double_handed_weight_by_calls.get(n_calls, 0.0))
    double = bool(flags[0] < p_double) and any(s in config.double_handed_slots for s in slots)
    return _Client(
        id=ident,
        lat=lat,
        lon=lon,
        slots=slots,
        double_handed=double,
        hoist=double and bool(flags[1] < config.hoist_share_of_double_handed),
        catheter=bool(flags[2] < config.catheter_client_share),
        peg=bool(flags[3] < config.peg_client_share),
        female_only=bool(flags[4] < config.female_only_client_share),
        excludes_a_carer=bool(flags[5] < config.excluded_carer_client_share),
    )


def _window(
    rng: np.random.Generator, slot: str, duration_min: int, critical: bool, config: GenerateConfig
) -> tuple[dict[str, int], int]:
    """A promised time in the slot's range, then ±tolerance, clipped to the working day."""
    grid = config.promised_grid_min * 60
    first = parse_time(config.slots[slot][0])
    latest = parse_time(config.day_end) - (duration_min + config.last_call_margin_min) * 60
    last = min(parse_time(config.slots[slot][1]), latest)
    steps = max(0, (last - first) // grid)
    promised = first + grid * int(rng.integers(steps + 1))
    tolerance = 60 * (config.time_critical_tolerance_min if critical else config.flexible_tolerance_min)
    start = max(parse_time(config.day_start), promised - tolerance)
    return {"start": start, "end": max(start, min(latest, promised + tolerance))}, promised


def _promise_and_gap(
    visit: dict[str, Any], promised: int, last_dose: tuple[str, int] | None, config: GenerateConfig
) -> None:
    """Give ``visit`` its promised time and, for a medication call that can be four hours after
    the client's previous one (both promised times apart by the gap), the gap as a hard rule."""
    visit["promised"] = {
        "time": promised,
        "tolerance_min": config.promised_tolerance_min,
        "late_cost_per_min": config.promised_late_cost_per_min,
    }
    if "medication" in visit["skills"] and last_dose is not None:
        earlier, at = last_dose
        if promised - at >= config.medication_gap_min * 60:
            visit["after"] = [{"visit_id": earlier, "min_gap_min": config.medication_gap_min}]


def _client_visits(
    rng: np.random.Generator, client: _Client, first_number: int, width: int, config: GenerateConfig
) -> list[dict[str, Any]]:
    """One visit per call of ``client``; ids continue from ``first_number``."""
    p_critical = config.time_critical_share * config.medication_share_of_time_critical
    p_med_flexible = max(0.0, config.medication_share - p_critical) / max(
        1e-9, 1 - config.time_critical_share
    )
    p_low = min(1.0, config.low_priority_share / max(1e-9, 1 - p_critical))
    visits = []
    last_dose: tuple[str, int] | None = None  # the client's previous medication call and its time
    for i, slot in enumerate(client.slots):
        duration = int(_pick(rng, _duration_mix(config, slot)))
        draws = rng.random(3)
        critical = bool(draws[0] < config.time_critical_share)
        window, promised = _window(rng, slot, duration, critical, config)
        medication = bool(
            draws[1] < (config.medication_share_of_time_critical if critical else p_med_flexible)
        )
        double = client.double_handed and slot in config.double_handed_slots
        skills = {"medication"} if medication else set()
        if double and client.hoist:
            skills.add("hoist")
        if client.catheter and slot in ("am", "bed"):
            skills.add("catheter")
        if client.peg:
            skills.add("peg")
        priority = "critical" if critical and medication else ("low" if draws[2] < p_low else "normal")
        visit: dict[str, Any] = {
            "id": f"v{first_number + i:0{width}d}",
            "client_id": client.id,
            "location": {"lat": client.lat, "lon": client.lon},
            "window": window,
            "duration_min": duration,
            "carers_required": 2 if double else 1,
            "skills": sorted(skills),
            "priority": priority,
        }
        if client.female_only:
            visit["carer_gender"] = "female"
        _promise_and_gap(visit, promised, last_dose, config)
        if medication:
            last_dose = (visit["id"], promised)
        visits.append(visit)
    return visits


def _draw_visits(
    rng: np.random.Generator, zone: Lsoas, target: int, config: GenerateConfig
) -> tuple[list[_Client], list[dict[str, Any]], list[str]]:
    """Clients one after another until exactly ``target`` visits exist."""
    scale = _double_handed_scale(config)
    width = max(3, len(str(target)))
    clients: list[_Client] = []
    visits: list[dict[str, Any]] = []
    slots: list[str] = []  # the call slot of each visit, kept beside it for fleet sizing
    while len(visits) < target:
        # At most one client per visit, so the client-id width is known before drawing.
        client = _draw_client(
            rng, f"cl{len(clients) + 1:0{width}d}", zone, target - len(visits), scale, config
        )
        clients.append(client)
        visits.extend(_client_visits(rng, client, len(visits) + 1, width, config))
        slots.extend(client.slots)
    return clients, visits, slots


def _minutes_in(blocks: Sequence[tuple[str, str]], start: int, end: int) -> float:
    """Minutes of ``blocks`` that fall within [start, end)."""
    return sum(max(0, min(end, parse_time(b)) - max(start, parse_time(a))) for a, b in blocks) / 60


def _fleet_size(visits: Sequence[Mapping[str, Any]], slots: Sequence[str], config: GenerateConfig) -> int:
    """Carers needed so that a good optimiser can serve essentially every visit.

    Two bounds, whichever is larger: total carer contact hours (a double-up counts twice) at
    ``contact_hours_per_carer`` each, and, per call slot, the carer-minutes of care plus a travel
    allowance over the carer-minutes that the shift mix puts out on the road while that slot's
    visits can happen (the morning peak is the usual bottleneck).
    """
    need = sum(v["duration_min"] * v["carers_required"] for v in visits) / 60 / config.contact_hours_per_carer
    for name in config.slots:
        in_slot = [v for v, slot in zip(visits, slots, strict=True) if slot == name]
        if not in_slot:
            continue
        start = min(v["window"]["start"] for v in in_slot)
        end = max(v["window"]["end"] + v["duration_min"] * 60 for v in in_slot)
        work = sum((v["duration_min"] + config.travel_allowance_min) * v["carers_required"] for v in in_slot)
        out_min = sum(p.share * _minutes_in(p.blocks, start, end) for p in config.shifts.values())
        if out_min > 0:
            need = max(need, work / out_min)
    return max(1, math.ceil(need - 1e-9))


def _shift_counts(n: int, shifts: Mapping[str, ShiftPattern]) -> dict[str, int]:
    """Exact pattern counts for ``n`` carers by largest remainder, so the mix is not left to luck."""
    total = sum(p.share for p in shifts.values())
    quotas = {name: n * p.share / total for name, p in shifts.items()}
    counts = {name: int(q) for name, q in quotas.items()}
    by_remainder = sorted(quotas, key=lambda name: (-(quotas[name] - counts[name]), list(shifts).index(name)))
    for name in by_remainder[: n - sum(counts.values())]:
        counts[name] += 1
    return counts


def _time_bounds(
    visits: Sequence[Mapping[str, Any]], config: GenerateConfig
) -> list[tuple[float, dict[str, float]]]:
    """Work that must fall inside each stretch [a, b] of the day (on a half-hour grid), beside
    the minutes each shift pattern is out in it.

    A visit belongs to a stretch when its whole window (and its length) lies inside it: a bed
    call whose window opens at 20:30 can only go to a carer still out after 20:30, and a morning
    call due by 09:30 only to one out before then. A per-slot count misses both, since early
    splits are out during the bed slot's first hour and late splits during the morning's last.
    """
    first, last = parse_time(config.day_start), parse_time(config.day_end)
    starts = np.array([v["window"]["start"] for v in visits], dtype=np.int64)
    ends = np.array([v["window"]["end"] + v["duration_min"] * 60 for v in visits], dtype=np.int64)
    work = np.array(
        [(v["duration_min"] + config.travel_allowance_min) * v["carers_required"] for v in visits],
        dtype=float,
    )
    grid = range(first, last + 1, 1800)
    bounds = []
    for a in grid:
        for b in grid:
            need = float(work[(starts >= a) & (ends <= b)].sum()) if b > a else 0.0
            if need > 0:
                out = {name: _minutes_in(p.blocks, a, b) for name, p in config.shifts.items()}
                bounds.append((need, out))
    return bounds


def _shortfall(counts: Mapping[str, int], bounds: Sequence[tuple[float, dict[str, float]]]) -> int:
    """Index of the bound the counts miss by the largest share, or -1 when they meet them all."""
    worst, which = 0.0, -1
    for k, (need, out) in enumerate(bounds):
        have = sum(counts[name] * minutes for name, minutes in out.items())
        ratio = need / have if have > 0 else math.inf
        if ratio > worst + 1e-9:
            worst, which = ratio, k
    return which


def shift_mix(n: int, visits: Sequence[Mapping[str, Any]], config: GenerateConfig) -> dict[str, int]:
    """Pattern counts for ``n`` carers: the configured mix, reshaped to the day's demand.

    Starting from the mix's exact counts, a carer is moved, one at a time, to a pattern of the
    same kind that is more out in the most heavily loaded stretch of the day (usually from the
    early split to the late split, when the bed calls after 20:00 are short), as long as the
    move lowers the heaviest load of any stretch. Providers roster this way: the hours bend to
    the calls, while the fleet and its share of split shifts stay as sized.
    """
    counts = _shift_counts(n, config.shifts)
    bounds = _time_bounds(visits, config)
    for _ in range(n):
        k = _shortfall(counts, bounds)
        if k < 0:
            break
        out = bounds[k][1]
        moved = False
        for giver, taker in _moves(counts, out, config.shifts):
            trial = dict(counts)
            trial[giver] -= 1
            trial[taker] += 1
            if _worst_ratio(trial, bounds) < _worst_ratio(counts, bounds) - 1e-9:
                counts, moved = trial, True
                break
        if not moved:
            break
    return counts


def _moves(
    counts: Mapping[str, int], out: Mapping[str, float], shifts: Mapping[str, ShiftPattern]
) -> list[tuple[str, str]]:
    """(giver, taker) pairs that put more carer-minutes where ``out`` counts them, best first.

    A carer keeps her kind of shift (a split stays a split, a single block a single block), so
    the survey's share of split shifts holds; only the hours of the day move."""
    pairs = [
        (giver, taker)
        for giver in shifts
        for taker in shifts
        if counts[giver] > 0
        and len(shifts[giver].blocks) == len(shifts[taker].blocks)
        and out[taker] > out[giver]
    ]
    return sorted(pairs, key=lambda pair: (out[pair[0]] - out[pair[1]], pair))


def _worst_ratio(counts: Mapping[str, int], bounds: Sequence[tuple[float, dict[str, float]]]) -> float:
    """The largest share of the out-minutes that any part of the day asks for."""
    ratios = [need / max(1e-9, sum(counts[name] * m for name, m in out.items())) for need, out in bounds]
    return max(ratios, default=0.0)


def _carer(
    rng: np.random.Generator,
    ident: str,
    pattern: ShiftPattern,
    zone: Lsoas,
    p_walk: float,
    config: GenerateConfig,
) -> dict[str, Any]:
    lat, lon, urban = _place(rng, zone, config, client=False)
    draws = rng.random(2 + len(config.carer_skill_share))
    carer: dict[str, Any] = {
        "id": ident,
        "start": {"lat": lat, "lon": lon},
        "shift": {"start": parse_time(pattern.start), "end": parse_time(pattern.end)},
        "skills": sorted(
            name
            for (name, share), d in zip(config.carer_skill_share.items(), draws[2:], strict=True)
            if d < share
        ),
        "max_visits": config.max_visits,
        "travel_mode": "walk" if urban and draws[0] < p_walk else "car",
        "gender": "female" if draws[1] < config.carer_female_share else "male",
    }
    if pattern.break_window is not None:
        window = {"start": parse_time(pattern.break_window[0]), "end": parse_time(pattern.break_window[1])}
        carer["breaks"] = [{"window": window, "duration_min": pattern.break_min}]
    if pattern.cap_working:
        carer["max_working_min"] = (carer["shift"]["end"] - carer["shift"]["start"]) // 60
    return carer


def _draw_carers(
    rng: np.random.Generator,
    n: int,
    zone: Lsoas,
    visits: Sequence[Mapping[str, Any]],
    config: GenerateConfig,
) -> list[dict[str, Any]]:
    """The fleet: shift-mix counts shaped to the day (``shift_mix``) in a random order, homes,
    skills, gender and mode."""
    counts = shift_mix(n, visits, config)
    patterns = [name for name, count in counts.items() for _ in range(count)]
    order = rng.permutation(len(patterns))
    urban_share = float(np.mean(zone.area_km2 < config.urban_area_km2))
    p_walk = min(0.5, config.walk_share / urban_share) if urban_share > 0 else 0.0
    width = max(2, len(str(n)))
    shifts = [config.shifts[patterns[int(k)]] for k in order]
    return [_carer(rng, f"c{i + 1:0{width}d}", shift, zone, p_walk, config) for i, shift in enumerate(shifts)]


def _add_exclusions(
    rng: np.random.Generator,
    clients: Sequence[_Client],
    visits: list[dict[str, Any]],
    carers: Sequence[Mapping[str, Any]],
) -> None:
    """A client who has refused a carer excludes that carer from all of their visits."""
    refused = {c.id: str(carers[int(rng.integers(len(carers)))]["id"]) for c in clients if c.excludes_a_carer}
    for visit in visits:
        if visit["client_id"] in refused:
            visit["excluded_carers"] = [refused[visit["client_id"]]]


class _Roster:
    """The carers as arrays, so that who can attend a visit is one vectorised test: a county
    day is thousands of visits against hundreds of carers, which a loop in Python took minutes
    to check."""

    def __init__(self, carers: Sequence[Mapping[str, Any]]) -> None:
        self.start = np.array([c["shift"]["start"] for c in carers], dtype=np.int64)
        self.end = np.array([c["shift"]["end"] for c in carers], dtype=np.int64)
        self.gender = np.array([c["gender"] for c in carers], dtype=object)
        self.index = {str(c["id"]): i for i, c in enumerate(carers)}
        self.skills: dict[str, NDArray[np.bool_]] = {}
        for i, carer in enumerate(carers):
            for skill in carer["skills"]:
                self.holding(skill)[i] = True

    def holding(self, skill: str) -> NDArray[np.bool_]:
        """Which carers hold ``skill`` (a live row: training a carer sets it)."""
        if skill not in self.skills:
            self.skills[skill] = np.zeros(len(self.start), dtype=bool)
        return self.skills[skill]

    def able(self, visit: Mapping[str, Any]) -> NDArray[np.int64]:
        """Carers whose shift, gender and the client's exclusions allow ``visit`` (skills
        aside), in roster order."""
        start = np.maximum(self.start, visit["window"]["start"])
        ok = (start <= visit["window"]["end"]) & (start + visit["duration_min"] * 60 <= self.end)
        if visit.get("carer_gender") is not None:
            ok &= self.gender == visit["carer_gender"]
        for carer_id in visit.get("excluded_carers", []):
            if carer_id in self.index:
                ok[self.index[carer_id]] = False
        return np.flatnonzero(ok)


def _repair_skills(
    rng: np.random.Generator,
    visits: Sequence[Mapping[str, Any]],
    carers: list[dict[str, Any]],
    config: GenerateConfig,
) -> None:
    """Train a few more carers where too few on shift hold a visit's skills (rare skills, late calls)."""
    roster = _Roster(carers)
    for visit in visits:
        need = config.min_eligible_per_carer_needed * visit["carers_required"]
        wanted = set(visit["skills"])
        able = roster.able(visit)
        holds = np.ones(len(able), dtype=bool)
        for skill in wanted:
            holds &= roster.holding(skill)[able]
        short = [int(i) for i in able[~holds]]
        missing = need - int(holds.sum())
        if missing > 0 and short:
            for i in rng.choice(short, size=min(missing, len(short)), replace=False):
                carers[int(i)]["skills"] = sorted(wanted | set(carers[int(i)]["skills"]))
                for skill in wanted:
                    roster.holding(skill)[int(i)] = True


def _slug(zone: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", zone.lower().replace("&", "and")).strip("-")


def generate_day(
    zone: str = "Warminster",
    visits: int = 330,
    carers: int | None = None,
    seed: int = 0,
    date: str = "2026-11-26",
    config: GenerateConfig | None = None,
) -> Problem:
    """A validated day of home care in ``zone``: ``visits`` visits and a fleet sized to serve them.

    ``zone`` is ``"county"``, an area-board hub name (``hub_zone``) or names joined by ``+``.
    With ``carers=None`` the fleet is sized from the demand (see ``_fleet_size``).
    """
    config = config or GenerateConfig()
    if not 0 <= seed <= 2**31 - 1:
        raise ValueError("seed must be between 0 and 2**31 - 1 (it is also the solver's options.seed)")
    if visits < 1:
        raise ValueError("visits must be at least 1")
    if carers is not None and carers < 1:
        raise ValueError("carers must be at least 1")
    area = zone_lsoas(zone, config.lsoa_csv)
    rng = np.random.default_rng(seed)
    clients, visit_rows, slots = _draw_visits(rng, area, visits, config)
    n_carers = carers if carers is not None else _fleet_size(visit_rows, slots, config)
    carer_rows = _draw_carers(rng, n_carers, area, visit_rows, config)
    _add_exclusions(rng, clients, visit_rows, carer_rows)
    _repair_skills(rng, visit_rows, carer_rows, config)
    travel = HaversineTravel(
        circuity=config.circuity, speed_kmh={"car": config.car_speed_kmh, "walk": config.walk_speed_kmh}
    )
    return Problem.model_validate(
        {
            "id": f"{_slug(zone)}-{date}-s{seed}",
            "date": date,
            "carers": carer_rows,
            "visits": visit_rows,
            "travel": travel,
            "options": {"time_limit_s": config.time_limit_s, "seed": seed},
        }
    )


def write_problem(problem: Problem, path: str | Path) -> Path:
    """Write pretty JSON without nulls, after checking that it reads back as the same Problem."""
    text = problem.model_dump_json(indent=2, exclude_none=True) + "\n"
    if Problem.model_validate_json(text) != problem:
        raise ValueError(f"problem {problem.id!r} does not survive a JSON round trip; not writing it")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


# The instances shipped in instances/homecare, each regenerated byte-for-byte by a test.
SHIPPED: dict[str, dict[str, Any]] = {
    "small": {"zone": "Bradford on Avon", "visits": 40},
    "zone": {"zone": "Warminster", "visits": 330},
    "large": {"zone": "Salisbury+Amesbury", "visits": 1000},
}


def shipped_instance(name: str) -> Problem:
    """The shipped instance ``name`` ("small", "zone", "large"), generated with seed 0."""
    return generate_day(seed=0, **SHIPPED[name])


def write_shipped(directory: str | Path = HOMECARE_DIR) -> list[Path]:
    """(Re)write every shipped instance into ``directory``."""
    return [write_problem(shipped_instance(name), Path(directory) / f"{name}.json") for name in SHIPPED]


# --------------------------------------------------------------------------- calibration


class Figure(TypedDict):
    """One calibration figure beside the range docs/calibration.md expects (None: no target)."""

    label: str
    value: float
    target: tuple[float, float] | None
    unit: str
    basis: str  # "problem", "estimate" (the engine's construction plan) or "solution"
    source: str  # where the target comes from (docs/calibration.md has the full references)


# The source of each target, printed under the calibration table.
SOURCES: dict[str, str] = {
    "clients": "docs/calibration.md demand table: about 2.7 calls per client [assumption]",
    "carers": "docs/calibration.md zone sizing [derived]",
    "double_up_share": "Cumberland 2024: about 24% of calls double-handed; sweep 15-25%",
    "share_30min": "Access Group / UKHCA, Hidden Dynamics 2019: 65% of visits are 30 min",
    "contact_hours": "NHS Digital 2008 survey week; Waltham Forest 2024 [derived]",
    "carer_contact_hours_per_carer": "about 25 contact hours a carer a week [assumption]",
    "carer_hours_available": "contact 40-65% of paid time [assumption]",
    "served_share": "a planner serves essentially every visit [assumption]",
    "mean_miles_between_visits": "Access Group 2017-18: 3.06 miles a visit; Homecare Association: 4.3",
    "travel_min_per_contact_hour": "UKHCA price build-up 2020/21: about 11.7 [derived]",
    "travel_share_of_paid_time": "'almost a fifth of their working day travelling'; up to 17% of cost",
    "wtr_break_share": "Working Time Regulations 1998, reg. 12: 20 min in a day over 6 h",
    "min_rest_between_days_h": "Working Time Regulations 1998, reg. 10: 11 h daily rest",
    "promised_share": "rotas give every client a time [assumption]",
    "medication_gaps": "medication calls 4 h apart [assumption]",
}


def _figure(
    key: str, label: str, value: float, target: tuple[float, float] | None, unit: str, basis: str
) -> Figure:
    return {
        "label": label,
        "value": round(float(value), 4),
        "target": None if target is None else (round(target[0], 4), round(target[1], 4)),
        "unit": unit,
        "basis": basis,
        "source": SOURCES.get(key, ""),
    }


def working_time(problem: Problem) -> tuple[float, float]:
    """Share of shifts over 6 h that hold a break of 20 min or more, and the least rest in hours
    between a carer's finish and her next day's start (the same shift every day)."""
    long = [c for c in problem.carers if c.shift.end - c.shift.start > 6 * 3600]
    with_break = sum(any(b.duration_min >= 20 for b in c.breaks) for c in long)
    rest = min((c.shift.start + 24 * 3600 - c.shift.end for c in problem.carers), default=24 * 3600)
    return (with_break / len(long) if long else 1.0), rest / 3600


def _paid_hours(problem: Problem) -> float:
    """Carer-hours on shift, unpaid breaks (e.g. the split) taken out."""
    total_s = sum(c.shift.end - c.shift.start - sum(b.duration_s for b in c.breaks) for c in problem.carers)
    return total_s / 3600


@dataclass(frozen=True)
class TravelFigures:
    """Between-visit travel (home legs excluded, as paid travel is under NMW rules)."""

    legs: int
    distance_m: float
    travel_s: float
    care_s: float  # carer contact seconds of the visits served (a double-up counts twice)
    served_share: float
    unserved: tuple[str, ...] = ()  # visit ids not (fully) served

    def mean_miles(self) -> float:
        return self.distance_m / METRES_PER_MILE / self.legs if self.legs else 0.0

    def minutes_per_care_hour(self) -> float:
        return (self.travel_s / 60) / (self.care_s / 3600) if self.care_s else 0.0

    def share_of_paid(self) -> float:
        paid = self.travel_s + self.care_s
        return self.travel_s / paid if paid else 0.0


def _eligibility(problem: Problem) -> BoolArray:
    """carers x visits: skills, gender and exclusions allow the carer to do the visit."""
    eligible = np.ones((len(problem.carers), len(problem.visits)), dtype=bool)
    for j, visit in enumerate(problem.visits):
        for i, carer in enumerate(problem.carers):
            eligible[i, j] = (
                set(visit.skills) <= set(carer.skills)
                and carer.id not in visit.excluded_carers
                and (visit.carer_gender is None or carer.gender == visit.carer_gender)
            )
    return eligible


def greedy_travel(problem: Problem, urgency: float = 0.25) -> TravelFigures:
    """Estimate travel with a time-oriented nearest-neighbour construction (Solomon style).

    The carer who is free earliest takes the visit she can start soonest (travel plus wait, plus
    ``urgency`` times the window slack left, so that closing windows go first; 0.25 serves the most
    visits on the shipped instances), within its window, her shift, her skills and before her
    pending break; with nothing left before the break she takes it. Double-ups are served by two
    carers without synchronising them, so this is a rough, usually pessimistic, stand-in for an
    optimiser's routes: a plan should travel less and serve more.
    """
    if not isinstance(problem.travel, HaversineTravel):
        raise ValueError("the travel estimate needs haversine travel")
    travel = problem.travel
    v_lat = np.array([v.location.lat for v in problem.visits])
    v_lon = np.array([v.location.lon for v in problem.visits])
    h_lat = np.array([c.start.lat for c in problem.carers])
    h_lon = np.array([c.start.lon for c in problem.carers])
    e_lat = np.array([c.end_location.lat for c in problem.carers])
    e_lon = np.array([c.end_location.lon for c in problem.carers])
    k = travel.circuity
    vv = haversine_m(v_lat[:, None], v_lon[:, None], v_lat[None, :], v_lon[None, :]) * k
    hv = haversine_m(h_lat[:, None], h_lon[:, None], v_lat[None, :], v_lon[None, :]) * k
    ve = haversine_m(v_lat[:, None], v_lon[:, None], e_lat[None, :], e_lon[None, :]) * k
    w_start = np.array([v.window.start for v in problem.visits], dtype=np.float64)
    w_end = np.array([v.window.end for v in problem.visits], dtype=np.float64)
    dur = np.array([v.duration_s for v in problem.visits], dtype=np.float64)
    need = np.array([v.carers_required for v in problem.visits], dtype=np.int64)
    eligible = _eligibility(problem)
    speed = [travel.speed_kmh[c.travel_mode] / 3.6 for c in problem.carers]
    legs, dist, secs, care = 0, 0.0, 0.0, 0.0
    heap = [(float(c.shift.start), i, -1, 0, 0) for i, c in enumerate(problem.carers)]
    heapq.heapify(heap)
    while heap:
        t, i, at, stops, taken = heapq.heappop(heap)
        carer = problem.carers[i]
        leg_m = hv[i] if at < 0 else vv[at]
        arrival = t + leg_m / speed[i]
        start = np.maximum(arrival, w_start)
        end = start + dur
        ok = (need > 0) & eligible[i] & (arrival <= w_end) & (end + ve[:, i] / speed[i] <= carer.shift.end)
        pending = carer.breaks[taken] if taken < len(carer.breaks) else None
        if pending is not None:
            ok &= end <= pending.window.end
        if stops < (carer.max_visits if carer.max_visits is not None else len(problem.visits)) and ok.any():
            j = int(np.where(ok, start - t + urgency * (w_end - start), np.inf).argmin())
            eligible[i, j] = False  # the two carers of a double-up must differ
            need[j] -= 1
            care += dur[j]
            if at >= 0:
                legs, dist, secs = legs + 1, dist + float(leg_m[j]), secs + float(leg_m[j]) / speed[i]
            heapq.heappush(heap, (float(end[j]), i, j, stops + 1, taken))
        elif pending is not None:
            resume = max(t, float(pending.window.start)) + pending.duration_s
            heapq.heappush(heap, (resume, i, at, stops, taken + 1))
    served = float(np.mean(need == 0)) if len(need) else 1.0
    unserved = tuple(v.id for v, left in zip(problem.visits, need, strict=True) if left > 0)
    return TravelFigures(
        legs=legs, distance_m=dist, travel_s=secs, care_s=care, served_share=served, unserved=unserved
    )


def solution_travel(problem: Problem, solution: Solution) -> TravelFigures:
    """The same travel figures measured on a solver's runs (stop legs after the first)."""
    legs, dist, secs, care = 0, 0.0, 0.0, 0.0
    served: set[str] = set()
    for run in solution.runs:
        for k, stop in enumerate(run.stops):
            served.add(stop.visit_id)
            if k > 0:
                legs, dist, secs = legs + 1, dist + stop.distance_m, secs + stop.travel_s
        care += run.care_s
    unassigned = {u.visit_id for u in solution.unassigned}
    share = len(served - unassigned) / len(problem.visits) if problem.visits else 1.0
    return TravelFigures(
        legs=legs,
        distance_m=dist,
        travel_s=secs,
        care_s=care,
        served_share=share,
        unserved=tuple(sorted(unassigned)),
    )


def calibration(problem: Problem, solution: Solution | None = None) -> dict[str, Figure]:
    """Figures of ``problem`` (and of ``solution`` if given) beside the ranges of docs/calibration.md.

    Without a solution the travel figures are measured on the engine's construction plan, with
    no search (basis "estimate"); with one they are measured on its runs (basis "solution"). The
    travel targets are national averages for providers that share their patch with others; the
    generator spreads one provider's clients as such a provider's are (``lsoa_weights``), so a
    plan should land inside them (docs/calibration.md, "Provider overlap").
    """
    n = len(problem.visits)
    clients = len({v.client for v in problem.visits})
    contact_h = sum(v.duration_s for v in problem.visits) / 3600
    carer_contact_h = sum(v.duration_s * v.carers_required for v in problem.visits) / 3600
    n_carers = len(problem.carers)
    paid_h = _paid_hours(problem)

    def share(count: int) -> float:
        return count / n if n else 0.0

    if solution is None:  # the engine's construction, no search: a fair stand-in for a rota
        from solver.engine.search import construction_plan

        solution = construction_plan(problem, seed=problem.options.seed, attempts=1)
        basis = "estimate"
    else:
        basis = "solution"
    moved = solution_travel(problem, solution)
    doubles = sum(v.carers_required == 2 for v in problem.visits)
    thirties = sum(v.duration_min == 30 for v in problem.visits)
    given = "problem"  # figures read off the problem itself
    breaks, rest_h = working_time(problem)
    promised = sum(v.promised is not None for v in problem.visits)
    gaps = sum(len(v.after) for v in problem.visits)
    rows: list[tuple[str, str, float, tuple[float, float] | None, str, str]] = [
        ("visits", "visits", n, None, "visits", given),
        ("clients", "clients (~2.7 calls each)", clients, (n / 3.0, n / 2.4), "clients", given),
        ("carers", "carers (35-45 per 330 visits)", n_carers,
         (n * 35 / 330, n * 45 / 330), "carers", given),
        ("double_up_share", "double-handed share of visits", share(doubles), (0.15, 0.25), "share", given),
        ("share_30min", "30-minute share of visits", share(thirties), (0.60, 0.75), "share", given),
        ("contact_hours", "client contact hours (35 min ±10% a visit)", contact_h,
         (n * 31.5 / 60, n * 38.5 / 60), "h", given),
        ("carer_contact_hours_per_carer", "carer contact hours per carer (double-ups twice)",
         carer_contact_h / n_carers, (5.0, 6.0), "h", given),
        ("carer_hours_available", "carer-hours on shift, unpaid breaks out (40-65% contact)", paid_h,
         (carer_contact_h / 0.65, carer_contact_h / 0.40), "h", given),
        ("served_share", f"visits served ({basis})", moved.served_share, (0.95, 1.0), "share", basis),
        ("mean_miles_between_visits", f"mean miles between visits ({basis})", moved.mean_miles(),
         (3.0, 4.3), "miles", basis),
        ("travel_min_per_contact_hour", f"travel min per carer contact hour ({basis})",
         moved.minutes_per_care_hour(), (8.0, 15.0), "min", basis),
        ("travel_share_of_paid_time", f"travel share of paid time, travel+care ({basis})",
         moved.share_of_paid(), (0.12, 0.25), "share", basis),
        ("wtr_break_share", "shifts over 6 h with a 20-min break", breaks, (1.0, 1.0), "share", given),
        ("min_rest_between_days_h", "least rest between days (same shift daily)", rest_h,
         (11.0, 24.0), "h", given),
        ("promised_share", "visits with a promised time", share(promised), None, "share", given),
        ("medication_gaps", "medication gaps of 4 h (after)", gaps, None, "gaps", given),
    ]  # fmt: skip
    return {
        key: _figure(key, label, value, target, unit, src) for key, label, value, target, unit, src in rows
    }


def format_calibration(figures: Mapping[str, Figure]) -> str:
    """One line per figure: label, value, target range and whether it is inside it."""
    lines = [f"{'figure':<58} {'value':>9}  {'target':<17} check"]
    for fig in figures.values():
        value = fig["value"]
        if fig["target"] is None:
            target, check = "-", ""
        else:
            low, high = fig["target"]
            target = f"{_number(low)} - {_number(high)}"
            check = "ok" if low <= value <= high else ("LOW" if value < low else "HIGH")
        lines.append(f"{fig['label']:<58} {_number(value):>9}  {target:<17} {check}")
    sources = [f"  {fig['label']}: {fig['source']}" for fig in figures.values() if fig.get("source")]
    return "\n".join([*lines, "sources:", *sources] if sources else lines)


def _number(value: float) -> str:
    """Counts and hours as whole numbers, small figures with three significant digits."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


if __name__ == "__main__":  # python -m solver.generate.day: rewrite the shipped instances
    for written in write_shipped():
        print(f"== {written}")
        print(
            format_calibration(calibration(Problem.model_validate_json(written.read_text(encoding="utf-8"))))
        )
