"""``simulate()``: demand x zone designs x providers per zone, solved and compared.

Runs never cross a zone edge: every (design, m, zone, provider, replicate) is its own Problem
whose carers live in the zone. A zone's clients are dealt to its m providers at random (a seeded
shuffle, then every m-th client), so each provider sees about 1/m of the zone's clients.

Replicate r is a synthetic day drawn with its own demand seed (from ``--seed`` and r); every
design and m sees the same replicate days, so differences are paired (``stats``). The zones come
from ``--zone-seed`` alone, so a new demand seed leaves the zones as they were.

The study's plan-shaping inputs and its task list are written to ``OUT/study.json``; with the
cache beside it, ``recost`` re-prices a finished study under other rates with no solve.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from solver.io.documents import InputError
from solver.simulate.config import DEFAULT_DESIGNS, Outcome, SimConfig
from solver.simulate.cost import SUMMED, Rates, paid_figures, ratios, total
from solver.simulate.demand import Demand, load_demand, synthetic_demand
from solver.simulate.execution import Cache, Result, Spec, execute, task_key
from solver.simulate.fleet import SolveSettings
from solver.simulate.report import MAP_KPIS, write_outputs
from solver.simulate.stats import comparisons, summarise
from solver.simulate.zones import ZoneDesign, resolve

# SimConfig and Outcome live in solver.simulate.config; named here too, where callers look for them.
__all__ = [
    "DEFAULT_DESIGNS",
    "Outcome",
    "SimConfig",
    "build_specs",
    "demands",
    "recost",
    "simulate",
    "tabulate",
]
STUDY_FILE = "study.json"
TASK_FIELDS = ("design", "m", "zone", "provider", "replicate", "date")


def _stable(*parts: object) -> int:
    """A seed from names, identical on every machine and Python run (unlike ``hash``)."""
    return zlib.crc32("|".join(map(str, parts)).encode()) & 0x7FFFFFFF


def _validate(config: SimConfig) -> None:
    if not config.designs:
        raise InputError("--designs: give at least one zone design")
    if not config.providers or any(m < 1 for m in config.providers):
        raise InputError("--providers: every number of providers per zone must be at least 1")
    if len(set(config.providers)) != len(config.providers):
        raise InputError("--providers: a number of providers per zone is listed twice")
    if config.replicates < 1:
        raise InputError("--replicates must be at least 1")
    if config.demand is not None and config.replicates != 1:
        raise InputError("--replicates: a demand file holds one day; use --replicates 1 with --demand")
    if config.map_kpi not in MAP_KPIS:
        raise InputError(
            f"--map-kpi: {config.map_kpi!r} is not a zone figure; use one of {', '.join(MAP_KPIS)}"
        )
    for name, value in (("--seed", config.seed), ("--zone-seed", config.zone_seed)):
        if not 0 <= value <= 2**31 - 1:
            raise InputError(f"{name} must be between 0 and 2**31 - 1")


def demands(config: SimConfig) -> list[Demand]:
    """The replicate days: replicate r is drawn with its own seed, from ``seed`` and r."""
    if config.demand is not None:
        return [load_demand(config.demand)]
    return [synthetic_demand(r, config.seed, config.scale) for r in range(config.replicates)]


def build_specs(
    config: SimConfig, designs: list[ZoneDesign], days: list[Demand]
) -> tuple[list[Spec], dict[tuple[str, int, int], int]]:
    """Task specs, and visits outside every zone per (design, m, replicate) (user polygons only)."""
    specs: list[Spec] = []
    outside: dict[tuple[str, int, int], int] = defaultdict(int)
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
                outside[(design.name, m, demand.day)] += lost
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
                "replicate": demand.day,
                "date": demand.date,
                "visits": visits,
                "homes": zone_homes,
                "seed": config.seed,
                "carer_seed": _stable(config.seed, design.name, zone, demand.day, m, p),
                "settings": asdict(config.settings),
            }
        )
    return specs


def tabulate(
    tasks: list[dict[str, Any]],
    results: dict[str, Result],
    outside: dict[tuple[str, int, int], int],
    rates: Rates,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows per (design, m) and per zone (means and intervals over replicates), rows per
    replicate, and paired differences; money applied here, from ``rates``, to the solves' hours."""
    policies = {t["replicate"]: rates.policy(t["date"]) for t in tasks}  # the wage in force that day
    by_zone: dict[tuple[str, int, str, int], list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        by_zone[(task["design"], task["m"], task["zone"], task["replicate"])].append(
            paid_figures(results[task["key"]]["figures"], policies[task["replicate"]])
        )
    zone_reps = []
    for (design, m, zone, replicate), figures in by_zone.items():
        sums = total(figures)
        zone_reps.append(
            {
                "design": design,
                "m": m,
                "zone": zone,
                "replicate": replicate,
                **sums,
                **ratios(sums, policies[replicate]),
            }
        )
    scenarios = list(dict.fromkeys((t["design"], t["m"], t["replicate"]) for t in tasks))
    replicate_rows = []
    for design, m, replicate in scenarios:
        mine = [r for r in zone_reps if (r["design"], r["m"], r["replicate"]) == (design, m, replicate)]
        sums = total(mine)
        lost = outside.get((design, m, replicate), 0)
        sums["visits"] += lost
        sums["unserved"] += lost
        sums["outside_zones"] += lost
        replicate_rows.append(
            {
                "design": design,
                "m": m,
                "replicate": replicate,
                "zones": len(mine),
                **sums,
                **ratios(sums, policies[replicate]),
            }
        )
    kpis = [k for k in replicate_rows[0] if k not in ("design", "m", "replicate")] if replicate_rows else []
    rows = summarise(replicate_rows, ("design", "m"), kpis)
    zone_kpis = [*SUMMED, *ratios(total([]), next(iter(policies.values())))] if policies else []
    zone_rows = summarise(zone_reps, ("design", "m", "zone"), zone_kpis)
    differences = comparisons(replicate_rows, kpis)
    return rows, zone_rows, replicate_rows, differences


def _study(config: SimConfig, specs: list[Spec], outside: dict[tuple[str, int, int], int]) -> dict[str, Any]:
    """What a finished study needs to be re-costed: its plan-shaping inputs and its task list."""
    return {
        "designs": config.designs,
        "providers": config.providers,
        "replicates": config.replicates,
        "seed": config.seed,
        "zone_seed": config.zone_seed,
        "scale": config.scale if config.demand is None else None,
        "demand": str(config.demand) if config.demand is not None else None,
        "settings": asdict(config.settings),
        "tasks": [{"key": task_key(s), **{k: s[k] for k in TASK_FIELDS}} for s in specs],
        "outside": [[d, m, r, n] for (d, m, r), n in outside.items()],
    }


def simulate(config: SimConfig, on_result: Callable[[Result, bool, int], None] | None = None) -> Outcome:
    """Run the whole comparison and write every output into ``config.out``.

    Raises ``execution.Interrupted`` on SIGINT or SIGTERM; finished tasks stay in the cache."""
    _validate(config)
    started = time.monotonic()
    load_before = os.getloadavg()
    designs = [resolve(token, config.zone_seed) for token in config.designs]
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
    study = _study(config, specs, outside)
    (config.out / STUDY_FILE).write_text(json.dumps(study) + "\n", encoding="utf-8")
    results = execute(specs, config.out, config.scheduler, config.workers, record)
    tables = tabulate(study["tasks"], results, outside, config.rates)
    wall, load_after = time.monotonic() - started, os.getloadavg()
    outcome = Outcome(*tables, results, designs, computed, cached, wall, load_before, load_after)
    write_outputs(config, outcome, study["tasks"])
    return outcome


def recost(
    out: Path,
    rates: Rates,
    on_result: Callable[[Result, bool, int], None] | None = None,
    map_kpi: str = "travel_min_per_care_h",
) -> Outcome:
    """A finished study (``simulate`` into ``out``) re-priced under ``rates``: its results are read
    from the cache and tabulated again, and no solve runs (a task missing from the cache is an
    error, not a solve)."""
    started = time.monotonic()
    load_before = os.getloadavg()
    try:
        study = json.loads((out / STUDY_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"--recost: {out} holds no finished study ({STUDY_FILE} is missing)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"--recost: {out / STUDY_FILE} is not JSON ({exc})") from None
    config = SimConfig(
        out=out,
        designs=study["designs"],
        providers=study["providers"],
        replicates=study["replicates"],
        seed=study["seed"],
        zone_seed=study["zone_seed"],
        scale=study["scale"] if study["scale"] is not None else 1.0,
        demand=Path(study["demand"]) if study["demand"] else None,
        settings=SolveSettings(**study["settings"]),
        rates=rates,
        map_kpi=map_kpi,
    )
    _validate(config)
    cache = Cache(out)
    results: dict[str, Result] = {}
    for task in study["tasks"]:
        hit = results.get(task["key"]) or cache.summary(task["key"])  # figures only, not plans
        if hit is None:
            raise InputError(f"--recost: the study in {out} is unfinished; run it to the end first")
        results[task["key"]] = hit
        if on_result is not None:
            on_result(hit, True, len(study["tasks"]))
    outside = {(d, m, r): n for d, m, r, n in study["outside"]}
    designs = [resolve(token, config.zone_seed) for token in config.designs]
    tables = tabulate(study["tasks"], results, outside, rates)
    wall = time.monotonic() - started
    outcome = Outcome(*tables, results, designs, [], list(results), wall, load_before, os.getloadavg())
    write_outputs(config, outcome, study["tasks"])
    return outcome
