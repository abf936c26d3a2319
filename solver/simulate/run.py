"""``simulate()``: demand x zone designs x providers per zone, solved and compared.

Runs never cross a zone edge: every (design, m, zone, provider, day) is its own Problem whose
carers live in the zone. A zone's clients are dealt to its m providers at random (a seeded
shuffle, then every m-th client), so each provider sees about 1/m of the zone's clients.
"""

from __future__ import annotations

import os
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from solver.io.documents import InputError
from solver.simulate.config import DEFAULT_DESIGNS, Outcome, SimConfig
from solver.simulate.cost import ratios, total
from solver.simulate.demand import Demand, load_demand, synthetic_demand
from solver.simulate.execution import Result, Spec, execute, task_key
from solver.simulate.report import write_outputs
from solver.simulate.zones import ZoneDesign, resolve

# SimConfig and Outcome live in solver.simulate.config; named here too, where callers look for them.
__all__ = ["DEFAULT_DESIGNS", "Outcome", "SimConfig", "aggregate", "build_specs", "demands", "simulate"]


def _stable(*parts: object) -> int:
    """A seed from names, identical on every machine and Python run (unlike ``hash``)."""
    return zlib.crc32("|".join(map(str, parts)).encode()) & 0x7FFFFFFF


def _validate(config: SimConfig) -> None:
    if not config.designs:
        raise InputError("--designs: give at least one zone design")
    if not config.providers or any(m < 1 for m in config.providers):
        raise InputError("--providers: every number of providers per zone must be at least 1")
    if config.days < 1:
        raise InputError("--days must be at least 1")
    if config.demand is not None and config.days != 1:
        raise InputError("--days: a demand file holds one day; use --days 1 with --demand")
    if not 0 <= config.seed <= 2**31 - 1:
        raise InputError("--seed must be between 0 and 2**31 - 1")


def demands(config: SimConfig) -> list[Demand]:
    if config.demand is not None:
        return [load_demand(config.demand)]
    return [synthetic_demand(day, config.seed, config.scale) for day in range(config.days)]


def build_specs(
    config: SimConfig, designs: list[ZoneDesign], days: list[Demand]
) -> tuple[list[Spec], dict[tuple[str, int], int]]:
    """Task specs, and visits outside every zone per (design, m) (user polygons only)."""
    specs: list[Spec] = []
    outside: dict[tuple[str, int], int] = defaultdict(int)
    for design in designs:
        covered: set[str] = set()
        for demand in days:
            homes = demand.clients
            zone_of = design.assign(homes)
            by_zone: dict[str, list[str]] = defaultdict(list)
            for client in sorted(homes):
                zone = zone_of[client]
                if zone is not None:
                    by_zone[zone].append(client)
            covered.update(by_zone)
            lost = sum(1 for v in demand.visits if zone_of[v.client] is None)
            for m in config.providers:
                outside[(design.name, m)] += lost
                for zone in design.zones:
                    specs.extend(_zone_specs(config, design, demand, zone, by_zone.get(zone, []), homes, m))
        empty = [z for z in design.zones if z not in covered]
        if design.lsoa_zone is None and empty:
            raise InputError(f"design {design.name}: zone(s) {', '.join(empty)} cover no client's home")
    return specs, outside


def _zone_specs(
    config: SimConfig,
    design: ZoneDesign,
    demand: Demand,
    zone: str,
    clients: list[str],
    homes: dict[str, tuple[float, float]],
    m: int,
) -> list[Spec]:
    if not clients:
        return []
    rng = np.random.default_rng(_stable(config.seed, design.name, zone, demand.day, m))
    shuffled = [clients[int(i)] for i in rng.permutation(len(clients))]
    zone_homes = [list(homes[c]) for c in clients]
    specs = []
    for p in range(m):
        mine = set(shuffled[p::m])
        visits = [v.model_dump(mode="json", exclude_none=True) for v in demand.visits if v.client in mine]
        if not visits:
            continue
        specs.append(
            {
                "design": design.name,
                "m": m,
                "zone": zone,
                "provider": p + 1,
                "day": demand.day,
                "date": demand.date,
                "visits": visits,
                "homes": zone_homes,
                "seed": config.seed,
                "carer_seed": _stable(config.seed, design.name, zone, demand.day, m, p),
                "settings": asdict(config.settings),
                "rates": asdict(config.rates),
            }
        )
    return specs


def aggregate(
    config: SimConfig, specs: list[Spec], results: dict[str, Result], outside: dict[tuple[str, int], int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows per (design, m) and per (design, m, zone), summed over providers and days."""
    by_zone: dict[tuple[str, int, str], list[dict[str, Any]]] = defaultdict(list)
    for spec in specs:
        by_zone[(spec["design"], spec["m"], spec["zone"])].append(results[task_key(spec)]["figures"])
    zone_rows = []
    for (design, m, zone), figures in by_zone.items():
        sums = total(figures)
        zone_rows.append({"design": design, "m": m, "zone": zone, **sums, **ratios(sums, config.rates)})
    rows = []
    seen: list[tuple[str, int]] = []
    for spec in specs:
        if (spec["design"], spec["m"]) not in seen:
            seen.append((spec["design"], spec["m"]))
    for design, m in seen:
        sums = total(r for r in zone_rows if (r["design"], r["m"]) == (design, m))
        lost = outside.get((design, m), 0)
        sums["visits"] += lost
        sums["unserved"] += lost
        sums["outside_zones"] += lost
        zones = sum(1 for r in zone_rows if (r["design"], r["m"]) == (design, m))
        rows.append({"design": design, "m": m, "zones": zones, **sums, **ratios(sums, config.rates)})
    return rows, zone_rows


def simulate(config: SimConfig, on_result: Callable[[Result, bool, int], None] | None = None) -> Outcome:
    """Run the whole comparison and write every output into ``config.out``."""
    _validate(config)
    started = time.monotonic()
    load_before = os.getloadavg()
    designs = [resolve(token, config.seed) for token in config.designs]
    if len({d.name for d in designs}) != len(designs):
        raise InputError("--designs: a design is listed twice")
    days = demands(config)
    specs, outside = build_specs(config, designs, days)
    computed: list[str] = []
    cached: list[str] = []

    def record(result: Result, hit: bool) -> None:
        (cached if hit else computed).append(result["key"])
        if on_result is not None:
            on_result(result, hit, len(specs))

    config.out.mkdir(parents=True, exist_ok=True)
    results = execute(specs, config.out, config.scheduler, config.workers, record)
    rows, zone_rows = aggregate(config, specs, results, outside)
    outcome = Outcome(
        rows,
        zone_rows,
        results,
        designs,
        computed,
        cached,
        time.monotonic() - started,
        load_before,
        os.getloadavg(),
    )
    write_outputs(config, outcome, specs)
    return outcome
