"""What a simulation is asked to compare (``SimConfig``) and what it found (``Outcome``).

Kept apart from ``run`` (which computes an Outcome) and ``report`` (which writes it out), so that
both depend on these shapes and neither on the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solver.simulate.cost import Rates
from solver.simulate.fleet import SolveSettings

if TYPE_CHECKING:
    from solver.simulate.execution import Result
    from solver.simulate.zones import ZoneDesign

DEFAULT_DESIGNS = ("legacy3", "hubs18", "kmeans:30", "patches50")


@dataclass
class SimConfig:
    out: Path
    designs: list[str] = field(default_factory=lambda: list(DEFAULT_DESIGNS))
    providers: list[int] = field(default_factory=lambda: [1, 3])
    replicates: int = 1
    seed: int = 0
    zone_seed: int = 0
    scale: float = 1.0
    demand: Path | None = None
    scheduler: str | None = None
    workers: int | None = None
    settings: SolveSettings = field(default_factory=SolveSettings)
    rates: Rates = field(default_factory=Rates)
    map_kpi: str = "travel_min_per_care_h"  # the zone figure the report's maps are shaded by


@dataclass
class Outcome:
    """The comparison and how the run went.

    ``rows``: one per design and m, each figure's mean over replicates with its 90% interval
    (``_lo``, ``_hi``); ``zone_rows`` the same per zone; ``replicate_rows`` one per design, m and
    replicate; ``differences`` the paired differences (``solver.simulate.stats.comparisons``).
    ``results``: every task's summary by key (``execution.summary``: figures and run lines, not
    the plan itself)."""

    rows: list[dict[str, Any]]
    zone_rows: list[dict[str, Any]]
    replicate_rows: list[dict[str, Any]]
    differences: list[dict[str, Any]]
    results: dict[str, Result]
    designs: list[ZoneDesign]
    computed: list[str]
    cached: list[str]
    wall_s: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
