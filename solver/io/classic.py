"""Classic VRPTW benchmarks (Solomon, Gehring-Homberger) read as carerun Problems.

The mapping follows the DIMACS convention used by the best-known solutions in
``instances/bks.csv`` (rows with convention ``dimacs_trunc1_distance``):

* each arc's Euclidean length is truncated to one decimal and scaled by 10 into an integer,
  ``d10 = floor(10 * sqrt(dx^2 + dy^2))``, computed exactly with integer arithmetic;
* that integer is both the travel time (seconds) and the distance (metres) of the arc;
* ready times, due dates and service times are scaled by 10 into seconds.

A Problem's distance in metres divided by 10 is therefore the DIMACS cost of a plan.
Instances live in ``instances/`` of the repository (``solomon/``, ``homberger/``). They and the
best-known table are benchmark data of a source checkout, not package data: the carerun wheel
reads any Solomon file it is given, but ``instance_path`` and ``read_bks`` need a checkout.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from solver.model.problem import Problem
from solver.travel import build_travel

INSTANCES_DIR = Path(__file__).resolve().parents[2] / "instances"
BKS_CSV = INSTANCES_DIR / "bks.csv"
DIMACS_CONVENTION = "dimacs_trunc1_distance"
MODE = "car"
SCALE = 10  # times and distances are multiplied by this and made integers

_COLUMNS = ("CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE TIME")
_ROUTE_RE = re.compile(r"^\s*Route\s*#\s*(\d+)\s*:(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class BestKnown:
    """A best-known solution's size and DIMACS cost (truncated-distance convention)."""

    vehicles: int
    distance: float


@dataclass(frozen=True)
class _Row:
    number: int
    x: int | float
    y: int | float
    demand: int
    ready: int | float
    due: int | float
    service: int | float


# --------------------------------------------------------------------------- distances


def dimacs_distance_matrix(x: NDArray[np.generic], y: NDArray[np.generic]) -> NDArray[np.int64]:
    """All-pairs ``floor(10 * euclid)`` as int64, exact for integer coordinates.

    For integer coordinates this is ``isqrt(100 * (dx^2 + dy^2))``, vectorised: a float
    square root gives a value within one of the answer, which two comparisons correct.
    Non-integer coordinates fall back to flooring the float product.
    """
    xa = np.asarray(x)
    ya = np.asarray(y)
    if np.issubdtype(xa.dtype, np.integer) and np.issubdtype(ya.dtype, np.integer):
        xi = xa.astype(np.int64)
        yi = ya.astype(np.int64)
        dx = xi[:, None] - xi[None, :]
        dy = yi[:, None] - yi[None, :]
        target = 100 * (dx * dx + dy * dy)
        r = np.floor(np.sqrt(target.astype(np.float64))).astype(np.int64)
        r -= (r * r > target).astype(np.int64)
        r += ((r + 1) * (r + 1) <= target).astype(np.int64)
        return r
    xf = xa.astype(np.float64)
    yf = ya.astype(np.float64)
    d = np.hypot(xf[:, None] - xf[None, :], yf[:, None] - yf[None, :])
    return np.floor(d * SCALE).astype(np.int64)


# --------------------------------------------------------------------------- parsing


def _number(text: str, where: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: {text!r} is not a finite number")
    return int(value) if value.is_integer() else value


def _whole(value: int | float, where: str) -> int:
    if isinstance(value, float):
        raise ValueError(f"{where}: {value!r} must be a whole number")
    return value


def _seconds(value: int | float) -> int:
    """A Solomon time unit scaled by 10 into whole seconds."""
    return value * SCALE if isinstance(value, int) else round(value * SCALE)


def _parse(path: Path) -> tuple[int, int, list[_Row]]:
    """(vehicle number, capacity, customer rows with the depot first) of a Solomon file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text file ({exc})") from None
    all_lines = text.splitlines()
    lines = [(i + 1, line.strip()) for i, line in enumerate(all_lines) if line.strip()]
    pos = 0
    eof_line = len(all_lines)

    def expect(what: str, test: str) -> int:
        nonlocal pos
        if pos >= len(lines):
            raise ValueError(f"{path}: line {eof_line}: expected {what}, found the end of the file")
        lineno, line = lines[pos]
        if not line.upper().startswith(test):
            raise ValueError(f"{path}: line {lineno}: expected {what}, found {line[:60]!r}")
        pos += 1
        return lineno

    # Optional instance name before the VEHICLE section.
    if lines and not lines[0][1].upper().startswith("VEHICLE"):
        pos = 1
    expect("the 'VEHICLE' section header", "VEHICLE")
    expect("the 'NUMBER CAPACITY' header", "NUMBER")
    if pos >= len(lines):
        raise ValueError(f"{path}: line {eof_line}: expected the vehicle number and capacity")
    lineno, line = lines[pos]
    cells = line.split()
    if len(cells) != 2:
        raise ValueError(f"{path}: line {lineno}: expected 2 values (NUMBER CAPACITY), found {len(cells)}")
    number = _whole(_number(cells[0], f"{path}: line {lineno}: NUMBER"), f"{path}: line {lineno}: NUMBER")
    capacity = _whole(
        _number(cells[1], f"{path}: line {lineno}: CAPACITY"), f"{path}: line {lineno}: CAPACITY"
    )
    if number < 1:
        raise ValueError(f"{path}: line {lineno}: the vehicle NUMBER must be at least 1")
    if capacity < 0:
        raise ValueError(f"{path}: line {lineno}: the CAPACITY must not be negative")
    pos += 1
    expect("the 'CUSTOMER' section header", "CUSTOMER")
    expect("the customer column header ('CUST NO. XCOORD. ...')", "CUST")

    rows: list[_Row] = []
    seen: dict[int, int] = {}
    for lineno, line in lines[pos:]:
        cells = line.split()
        if len(cells) != len(_COLUMNS):
            raise ValueError(
                f"{path}: line {lineno}: expected {len(_COLUMNS)} values "
                f"({', '.join(_COLUMNS)}), found {len(cells)}"
            )
        values = [_number(c, f"{path}: line {lineno}: {col}") for c, col in zip(cells, _COLUMNS, strict=True)]
        where = f"{path}: line {lineno}"
        cust = _whole(values[0], f"{where}: CUST NO.")
        demand = _whole(values[3], f"{where}: DEMAND")
        if cust in seen:
            raise ValueError(f"{where}: customer {cust} already given on line {seen[cust]}")
        if demand < 0 or any(v < 0 for v in values[4:]):
            raise ValueError(f"{where}: demand and times must not be negative")
        if values[4] > values[5]:
            raise ValueError(f"{where}: READY TIME {values[4]} is after the DUE DATE {values[5]}")
        seen[cust] = lineno
        rows.append(_Row(cust, values[1], values[2], demand, values[4], values[5], values[6]))
    if not rows:
        raise ValueError(f"{path}: line {eof_line}: the CUSTOMER table has no rows (not even the depot)")
    return number, capacity, rows


def read_solomon(path: Path | str, time_limit_s: float = 10, seed: int = 0) -> Problem:
    """A Solomon / Gehring-Homberger VRPTW file as a Problem (DIMACS convention, see module doc).

    Raises ValueError, naming the line, for a malformed file.
    """
    path = Path(path)
    number, capacity, rows = _parse(path)
    depot, customers = rows[0], rows[1:]

    # One location per distinct coordinate pair; lat = y/1000, lon = x/1000 keeps them in range.
    index: dict[tuple[int | float, int | float], int] = {}
    for row in rows:
        index.setdefault((row.x, row.y), len(index))
    coords = list(index)
    locations = [{"lat": y / 1000, "lon": x / 1000} for x, y in coords]
    keys: dict[tuple[float, float], tuple[int | float, int | float]] = {}
    for (x, y), loc in zip(coords, locations, strict=True):
        key = (round(loc["lat"], 7), round(loc["lon"], 7))
        if key in keys:
            raise ValueError(f"{path}: coordinates {keys[key]} and {(x, y)} are too close to tell apart")
        keys[key] = (x, y)
    all_int = all(isinstance(v, int) for xy in coords for v in xy)
    dtype = np.int64 if all_int else np.float64
    xs = np.array([x for x, _ in coords], dtype=dtype)
    ys = np.array([y for _, y in coords], dtype=dtype)
    matrix = dimacs_distance_matrix(xs, ys).tolist()

    depot_loc = locations[index[(depot.x, depot.y)]]
    width = max(2, len(str(number)))
    carers = [
        {
            "id": f"k{k:0{width}d}",
            "start": depot_loc,
            "end": depot_loc,
            "shift": {"start": _seconds(depot.ready), "end": _seconds(depot.due)},
            "travel_mode": MODE,
            "capacity": capacity,
        }
        for k in range(1, number + 1)
    ]
    visits = [
        {
            "id": str(row.number),
            "client_id": str(row.number),
            "location": locations[index[(row.x, row.y)]],
            "window": {"start": _seconds(row.ready), "end": _seconds(row.due)},
            "duration_min": row.service * SCALE / 60,
            "demand": row.demand,
        }
        for row in customers
    ]
    return Problem.model_validate(
        {
            "id": path.stem,
            "carers": carers,
            "visits": visits,
            "travel": {
                "model": "matrix",
                "locations": locations,
                "durations_s": {MODE: matrix},
                "distances_m": {MODE: matrix},
            },
            "options": {"time_limit_s": time_limit_s, "seed": seed},
        }
    )


def is_classic(path: Path | str) -> bool:
    """True for a ``.txt`` file that looks like a Solomon file (VEHICLE and CUSTOMER headers)."""
    path = Path(path)
    if path.suffix.lower() != ".txt" or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    starts = {line.strip().upper() for line in head.splitlines()}
    return "VEHICLE" in starts and "CUSTOMER" in starts


def instance_path(name: str) -> Path:
    """``instances/solomon/NAME.txt`` or ``instances/homberger/NAME.txt`` (name case-insensitive)."""
    stem = name.upper()
    for sub in ("solomon", "homberger"):
        candidate = INSTANCES_DIR / sub / f"{stem}.txt"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no classic instance {name!r} under {INSTANCES_DIR}")


# --------------------------------------------------------------------------- best known


@lru_cache(maxsize=1)
def _bks_table() -> dict[str, BestKnown]:
    table: dict[str, BestKnown] = {}
    with BKS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["convention"] == DIMACS_CONVENTION:
                table[row["instance"].upper()] = BestKnown(int(row["vehicles"]), float(row["distance"]))
    return table


def read_bks(name: str) -> BestKnown | None:
    """The DIMACS (truncated distance) best-known solution of an instance, or None if unknown."""
    return _bks_table().get(name.upper())


def read_bks_routes(path: Path | str) -> list[list[str]]:
    """Routes of a CVRPLIB ``.sol`` file (``Route #k: c1 c2 ...``) as lists of customer ids."""
    routes: list[list[str]] = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            match = _ROUTE_RE.match(line)
            if match is not None:
                routes.append(match[2].split())
    return routes


def solution_distance(problem: Problem, routes: list[list[str]]) -> float:
    """DIMACS cost of ``routes`` (visit ids, depot to depot): the summed metres divided by 10.

    Every route starts and ends at the first carer's start/end (the depot). Empty routes cost
    nothing.
    """
    travel = build_travel(problem)
    dist = travel.distances_m[problem.carers[0].travel_mode]
    start = travel.index(problem.carers[0].start)
    end = travel.index(problem.carers[0].end_location)
    where = {v.id: travel.index(v.location) for v in problem.visits}
    total = 0
    for k, route in enumerate(routes):
        if not route:
            continue
        try:
            stops = [start, *(where[vid] for vid in route), end]
        except KeyError as exc:
            raise ValueError(f"route {k + 1}: unknown visit id {exc.args[0]!r}") from None
        idx = np.asarray(stops, dtype=np.int64)
        total += int(dist[idx[:-1], idx[1:]].sum())
    return total / SCALE
