"""Fleet sizing: the fewest carers one provider needs for its share of a zone's clients.

A provider's carers are a fixed, seeded sequence, and a fleet of n is the sequence's first n
carers, so growing the fleet only ever adds carers. The sequence follows the shift mix of
docs/calibration.md (early split 35%, late split 30%, morning 20%, late 15%: every prefix
holds the mix as closely as whole carers allow). Homes are drawn from the homes of the zone's
clients (any provider's), so carers live in the zone. Carers hold every skill their provider's
clients need (a provider trains its staff for its packages), 80% are women, and all drive.

Search, with cheap probes (one seeded pass of the core's pair-aware insertion plus its repair):
start from care hours (carer contact hours / 5.1 h a carer, the generator's norm). If that
fleet misses, grow it toward one that would place all the carer-minutes (``fewest``); if it
meets, gallop down. Then bisect until the fleet is known to within 2% (``fleet_tolerance``), and
confirm the size with a proper engine solve by solution limit; if the proper plan misses the
target, add carers until it meets it. A provider too big for one solve is planned by the engine
zone by zone (``SolveSettings.whole_up_to``). The target: every critical visit served and at
least 99% of all visits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solver.engine import solve
from solver.engine.compiled import compile_problem
from solver.engine.construct import Nodes, construct
from solver.engine.decompose import solve_decomposed
from solver.generate.day import GenerateConfig, ShiftPattern
from solver.model.problem import HaversineTravel, Problem, Solution, ValhallaTravel, Visit

SERVED_TARGET = 0.99
FEMALE_SHARE = 0.80


@dataclass(frozen=True)
class SolveSettings:
    """How hard to look: the final solve stops at ``solution_limit`` (reproducible); the time
    cap only guards against a runaway solve on a loaded machine."""

    solution_limit: int = 30
    # The final solve's construction tries one seeded order: on 514-647-visit providers eight
    # orders cost 5-8 s more a solve and gave the same plan two times in three.
    attempts: int = 1
    # Fleet sizes within this share of each other count as one (the bracket the search stops
    # at): the carers used are what is reported, and each probe of a big provider costs seconds.
    fleet_tolerance: float = 0.02
    time_cap_s: float = 600.0
    cap_base_s: float = 2.0
    cap_per_visit_s: float = 0.5
    # Above this many visits (at county scale, legacy3 with one provider per zone: about 2,000
    # visits each) the engine's reproducible mode took over 6 minutes a solve here. Such a
    # provider's day is planned by the engine zone by zone (solver.engine.decompose, zones of
    # at most ``zone_visits``) and merged, so every provider is planned by the same engine.
    whole_up_to: int = 800
    zone_visits: int = 500
    # Valhalla tiles (carerun roads build) to plan on road times instead of great-circle
    # distance times the circuity; the zone's places must lie on them.
    road_tiles: str | None = None

    def cap(self, visits: int) -> float:
        """The cap scales with size: OR-Tools 9.15's guided local search can miss the solution
        limit on a tiny day (seen: one visit, one carer with a break) and then runs to the cap."""
        return min(self.time_cap_s, self.cap_base_s + self.cap_per_visit_s * visits)


@dataclass
class Sizing:
    carers: int
    solution: Solution
    problem: Problem
    probes: list[tuple[int, bool]] = field(default_factory=list)  # (fleet, met) by cheap probe
    confirms: list[tuple[int, bool]] = field(default_factory=list)  # (fleet, met) by engine
    met: bool = True
    capped: bool = False  # the final solve stopped on time, not on the solution limit


def shift_sequence(n: int, shifts: dict[str, ShiftPattern]) -> list[str]:
    """Pattern of each of the first ``n`` carers; every prefix tracks the shares."""
    total = sum(p.share for p in shifts.values())
    counts = dict.fromkeys(shifts, 0)
    out = []
    for k in range(1, n + 1):
        name = max(shifts, key=lambda s: (shifts[s].share / total * k - counts[s], shifts[s].share))
        counts[name] += 1
        out.append(name)
    return out


def carer_sequence(
    n: int, homes: Sequence[tuple[float, float]], skills: Sequence[str], seed: int
) -> list[dict[str, Any]]:
    """The first ``n`` carers of a provider's seeded sequence, as contract carers."""
    config = GenerateConfig()
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(homes), size=n)
    female = rng.random(n) < FEMALE_SHARE
    carers = []
    for i, (name, pick, woman) in enumerate(
        zip(shift_sequence(n, config.shifts), picks, female, strict=True)
    ):
        pattern = config.shifts[name]
        lat, lon = homes[int(pick)]
        carer: dict[str, Any] = {
            "id": f"c{i + 1:03d}",
            "start": {"lat": lat, "lon": lon},
            "shift": {"start": pattern.start, "end": pattern.end},
            "skills": sorted(skills),
            "max_visits": config.max_visits,
            "gender": "female" if woman else "male",
        }
        if pattern.break_window is not None:
            window = {"start": pattern.break_window[0], "end": pattern.break_window[1]}
            carer["breaks"] = [{"window": window, "duration_min": pattern.break_min}]
        if pattern.cap_working:
            start_h, start_m = map(int, pattern.start.split(":"))
            end_h, end_m = map(int, pattern.end.split(":"))
            carer["max_working_min"] = (end_h - start_h) * 60 + end_m - start_m
        carers.append(carer)
    return carers


def provider_problem(
    ident: str,
    date: str,
    visits: Sequence[Visit],
    carers: list[dict[str, Any]],
    seed: int,
    road_tiles: str | None = None,
) -> Problem:
    config = GenerateConfig()
    travel: HaversineTravel | ValhallaTravel = (
        HaversineTravel(circuity=config.circuity, speed_kmh={"car": config.car_speed_kmh})
        if road_tiles is None
        else ValhallaTravel(model="valhalla", tiles=road_tiles)
    )
    return Problem.model_validate(
        {
            "id": ident,
            "date": date,
            "carers": carers,
            "visits": [v.model_dump() for v in visits],
            "travel": travel.model_dump(exclude_none=True),
            "options": {"seed": seed},
        }
    )


def estimate(visits: Sequence[Visit]) -> int:
    """Carers from care hours alone: carer contact hours at the generator's norm a carer."""
    hours = sum(v.duration_min * v.carers_required for v in visits) / 60
    doubles = any(v.carers_required == 2 for v in visits)
    return max(2 if doubles else 1, math.ceil(hours / GenerateConfig().contact_hours_per_carer))


def meets(visits: Sequence[Visit], missing: set[str]) -> bool:
    """Every critical visit served and at least 99% of all visits."""
    if any(v.priority == "critical" and v.id in missing for v in visits):
        return False
    return len(missing) <= misses_allowed(visits)


def probe(problem: Problem, seed: int, give_up_after: int | None = None) -> set[str]:
    """Visits a single seeded insertion pass (with repair) leaves out: a cheap, deterministic
    stand-in for a solve, pessimistic if anything. With ``give_up_after``, the repair stops
    once more visits than that are out, and the visits it did not try count as out: enough to
    tell a fleet that misses the target, in a fraction of the time."""
    cp = compile_problem(problem)
    _, unplaced = construct(
        cp, Nodes.of(cp), seed=seed, budget_s=math.inf, attempts=1, give_up_after=give_up_after
    )
    return {problem.visits[v].id for v in unplaced}


def misses_allowed(visits: Sequence[Visit]) -> int:
    """The most visits a fleet may leave out and still meet the target (``meets``)."""
    return math.floor((1 - SERVED_TARGET) * len(visits) + 1e-9)


def _work(visits: Sequence[Visit]) -> float:
    return float(sum(v.duration_min * v.carers_required for v in visits))


Trial = Callable[[int], tuple[bool, float]]  # fleet size -> (meets the target, share of the work placed)


def fewest(start: int, ceiling: int, tolerance: float, trial: Trial) -> int:
    """The smallest fleet ``trial`` accepts, to within ``tolerance`` of it (``ceiling`` if none).

    From ``start``: while trials fail, grow toward a fleet that would place all the work, in
    proportion to what the first trial placed, then along the line through the last two trials
    (each carer added places less than the one before, so aiming at all of it, not at the
    target, keeps the steps from creeping up on it). Then step down from the first fleet that met
    the target, doubling the step, and bisect what is left. Trials are assumed to meet more often
    as the fleet grows."""
    n = min(max(start, 1), ceiling)
    low = 0  # known to fail (no carers never meet a target)
    met, placed = trial(n)
    before: tuple[int, float] | None = None
    while not met and n < ceiling:
        low = n
        if placed <= 0:
            guess = ceiling
        elif before is None or placed <= before[1]:
            guess = math.ceil(n / placed) + 1
        else:
            guess = math.ceil(n + (1.0 - placed) * (n - before[0]) / (placed - before[1])) + 1
        before = (n, placed)
        n = min(ceiling, max(n + 1, guess))
        met, placed = trial(n)
    high = n
    step = max(1, int(tolerance * high))
    while high - step > low and trial(high - step)[0]:
        high, step = high - step, step * 2
    low = max(low, high - step)
    while high - low > max(1, int(tolerance * high)):
        mid = (low + high) // 2
        low, high = (low, mid) if trial(mid)[0] else (mid, high)
    return high


def size_fleet(
    build: Callable[[int], Problem], visits: Sequence[Visit], seed: int, settings: SolveSettings
) -> Sizing:
    """The fewest carers meeting the target, to within ``settings.fleet_tolerance`` (see the
    module docstring); ``build(n)`` makes the problem."""
    probes: list[tuple[int, bool]] = []
    cache: dict[int, tuple[bool, float]] = {}
    work = max(_work(visits), 1.0)

    def trial(n: int) -> tuple[bool, float]:
        if n not in cache:
            missing = probe(build(n), seed, give_up_after=misses_allowed(visits))
            cache[n] = meets(visits, missing), 1.0 - _work([v for v in visits if v.id in missing]) / work
            probes.append((n, cache[n][0]))
        return cache[n]

    # One carer per visit copy, from shifts on duty at its time: at least 75% of the mix is.
    ceiling = math.ceil(sum(v.carers_required for v in visits) / 0.75) + 2
    n = fewest(estimate(visits), ceiling, settings.fleet_tolerance, trial)
    return _confirm(build, visits, n, ceiling, seed, settings, probes)


def _confirm(
    build: Callable[[int], Problem],
    visits: Sequence[Visit],
    n: int,
    ceiling: int,
    seed: int,
    settings: SolveSettings,
    probes: list[tuple[int, bool]],
) -> Sizing:
    """A proper solve at ``n``; one carer more (then doubling the step) while it misses."""
    confirms: list[tuple[int, bool]] = []
    step = 1
    while True:
        problem = build(n)
        cap = settings.cap(len(visits))
        limit, tries = settings.solution_limit, settings.attempts
        if len(visits) <= settings.whole_up_to:
            solution = solve(problem, time_limit_s=cap, seed=seed, solution_limit=limit, attempts=tries)
        else:
            solution = solve_decomposed(
                problem,
                time_limit_s=cap,
                seed=seed,
                solution_limit=limit,
                attempts=tries,
                zone_visits=settings.zone_visits,
                processes=1,
            )
        met = meets(visits, {u.visit_id for u in solution.unassigned})
        confirms.append((n, met))
        if met or n >= ceiling:
            capped = solution.solver.wall_s >= 0.95 * cap
            return Sizing(n, solution, problem, probes, confirms, met, capped)
        n, step = min(ceiling, n + step), step * 2
