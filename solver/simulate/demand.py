"""Demand for the simulator: one day's visits with their clients' homes.

Synthetic demand is the core generator's county day (``solver.generate.day.generate_day`` on all
307 Wiltshire LSOAs, docs/calibration.md), so the simulator and the benchmarks agree on what a
day looks like. Only its visits are kept: the simulator draws each provider's carers itself,
so the generator's carer exclusions (which name the generator's own carers) are dropped.

A user's own demand is a CSV (one row per visit) or JSON (contract visits) file.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from solver.generate.day import generate_day
from solver.io.documents import InputError, format_validation_error
from solver.model.problem import Visit

COUNTY_VISITS = 5500  # a whole Wiltshire day (docs/calibration.md, "Demand": 5,500-6,000 visits)
REQUIRED_COLUMNS = ("visit_id", "client_id", "lat", "lon", "window_start", "window_end", "duration_min")
OPTIONAL_COLUMNS = ("carers_required", "priority", "skills", "carer_gender")


@dataclass(frozen=True)
class Demand:
    """One day of visits; ``clients`` maps a client id to its home (lat, lon)."""

    day: int
    date: str
    visits: tuple[Visit, ...]

    @property
    def clients(self) -> dict[str, tuple[float, float]]:
        homes: dict[str, tuple[float, float]] = {}
        for v in self.visits:
            homes.setdefault(v.client, (v.location.lat, v.location.lon))
        return homes


def day_date(day: int) -> str:
    return f"2026-11-{26 + day:02d}" if day < 5 else f"2026-12-{day - 4:02d}"


def synthetic_demand(day: int, seed: int, scale: float = 1.0) -> Demand:
    """Wiltshire's day ``day`` (seeded by ``seed`` and the day), ``scale`` x 5,500 visits."""
    if not 0 < scale <= 10:
        raise InputError(f"--scale must be in (0, 10], got {scale}")
    visits = max(1, round(COUNTY_VISITS * scale))
    problem = generate_day(zone="county", visits=visits, seed=seed * 97 + day, date=day_date(day))
    return Demand(
        day, day_date(day), tuple(v.model_copy(update={"excluded_carers": []}) for v in problem.visits)
    )


def load_demand(path: str | Path) -> Demand:
    """A demand file: CSV with the columns in ``REQUIRED_COLUMNS``, or JSON contract visits."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file}: no such demand file")
    text = file.read_text(encoding="utf-8")
    visits = _json_visits(text, file) if file.suffix.lower() == ".json" else _csv_visits(text, file)
    if not visits:
        raise InputError(f"{file}: the demand file holds no visits")
    seen: set[str] = set()
    for i, v in enumerate(visits):
        if v.id in seen:
            raise InputError(f"{file}: visits[{i}].id: duplicate visit id {v.id!r}")
        seen.add(v.id)
    return Demand(0, day_date(0), tuple(visits))


def _json_visits(text: str, file: Path) -> list[Visit]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{file}: not JSON ({exc})") from exc
    rows = data.get("visits") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise InputError(f"{file}: expected a list of visits or an object with 'visits'")
    try:
        return TypeAdapter(list[Visit]).validate_python(rows)
    except ValidationError as exc:
        raise InputError(format_validation_error(exc, str(file)).replace("\n  [", "\n  visits[")) from exc


def _csv_visits(text: str, file: Path) -> list[Visit]:
    reader = csv.DictReader(text.splitlines())
    columns = set(reader.fieldnames or [])
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(
            f"{file}: demand CSV is missing column(s) {', '.join(missing)}; "
            f"required: {', '.join(REQUIRED_COLUMNS)}"
        )
    unknown = sorted(columns - set(REQUIRED_COLUMNS) - set(OPTIONAL_COLUMNS))
    if unknown:
        raise InputError(f"{file}: unknown column(s) {', '.join(unknown)}")
    visits = []
    for line, row in enumerate(reader, start=2):
        try:
            visits.append(Visit.model_validate(_visit_of_row(row)))
        except (ValidationError, ValueError) as exc:
            if isinstance(exc, ValidationError):  # "window: start is after its end", one per line
                detail = "; ".join(format_validation_error(exc, "").splitlines()[1:]).strip()
            else:
                detail = str(exc)
            raise InputError(f"{file}: line {line}: {detail}") from exc
    return visits


def _visit_of_row(row: dict[str, str]) -> dict[str, Any]:
    for column in REQUIRED_COLUMNS:
        if not (row.get(column) or "").strip():
            raise ValueError(f"column {column} is empty")
    visit: dict[str, Any] = {
        "id": row["visit_id"].strip(),
        "client_id": row["client_id"].strip(),
        "location": {"lat": float(row["lat"]), "lon": float(row["lon"])},
        "window": {"start": row["window_start"].strip(), "end": row["window_end"].strip()},
        "duration_min": float(row["duration_min"]),
    }
    if (row.get("carers_required") or "").strip():
        visit["carers_required"] = int(row["carers_required"])
    if (row.get("priority") or "").strip():
        visit["priority"] = row["priority"].strip()
    if (row.get("skills") or "").strip():
        visit["skills"] = [s.strip() for s in row["skills"].split(";") if s.strip()]
    if (row.get("carer_gender") or "").strip():
        visit["carer_gender"] = row["carer_gender"].strip()
    return visit
