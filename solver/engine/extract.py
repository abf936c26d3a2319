"""Turn solved sequences (who does which visit, starting when) into contract runs.

Visit starts come from the engine and are kept; everything else is re-derived here: legs,
waits, where each break goes, and the run's start, chosen as the latest departure that keeps
the plan feasible so that nobody leaves home early to sit outside a client's door.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from solver.analysis.kpi import kpis
from solver.analysis.pay import with_pay
from solver.engine.compiled import UNLIMITED, Compiled
from solver.engine.construct import Nodes
from solver.engine.deadline import Deadline
from solver.engine.diagnose import diagnose
from solver.model.clock import format_time
from solver.model.problem import BreakTaken, Run, Solution, SolverInfo, Stop
from solver.travel import UNREACHABLE_S

Sequence = list[tuple[int, int]]  # (node, start second)


class BreakPlacementError(RuntimeError):
    """A solved run whose breaks this module cannot time (the engine falls back)."""


@dataclass
class Gap:
    """The time between two fixed points of a run, holding its travel and any breaks in it."""

    lower: int
    upper: int
    travel: int
    flexible: str = ""  # "start" (the departure floats) or "end" (the return floats) or ""
    breaks: list[tuple[int, int]] = field(default_factory=list)  # (start, duration)

    def used(self) -> int:
        return self.travel + sum(d for _, d in self.breaks)

    def earliest_fit(self, ws: int, we: int, d: int) -> int | None:
        """The earliest start in ``[ws, we]`` this gap accepts; on the way home, failing that,
        once the carer is home (a break then is off duty)."""
        bs = self._first_free(ws if self.flexible == "start" else max(ws, self.lower), d)
        if bs <= we and self.accepts(bs, d):
            return bs
        home = self.bounds() if self.flexible == "end" else None
        if home is not None:
            bs = self._first_free(max(ws, home[1]), d)
            if bs <= we and self.accepts(bs, d):
                return bs
        return None

    def _first_free(self, bs: int, d: int) -> int:
        for s, dd in sorted(self.breaks):
            if bs + d <= s:
                break
            bs = max(bs, s + dd)
        return bs

    def accepts(self, bs: int, d: int) -> bool:
        """Room for a break at ``bs``: never over a visit; before departure or after the return
        the carer is off, so only a fixed end of the gap binds it."""
        if (self.flexible != "start" and bs < self.lower) or (self.flexible != "end" and bs + d > self.upper):
            return False
        if any(bs < s + dd and s < bs + d for s, dd in self.breaks):
            return False
        trial = Gap(self.lower, self.upper, self.travel, self.flexible, [*self.breaks, (bs, d)])
        return trial.bounds() is not None

    def bounds(self) -> tuple[int, int] | None:
        """(departure, arrival) of this gap once its breaks are in; None if they do not fit."""
        if self.flexible == "start":
            leave = self.upper - self.travel
            for s, d in sorted(self.breaks, reverse=True):
                if s + d > leave:
                    leave = min(leave - d, s)
            return (leave, self.upper) if leave >= self.lower else None
        if self.flexible == "end":
            back = self.lower + self.travel
            for s, d in sorted(self.breaks):
                if s < back:
                    back = max(back + d, s + d)
            return (self.lower, back) if back <= self.upper else None
        return (self.lower, self.upper) if self.used() <= self.upper - self.lower else None

    def inside(self, leave: int, back: int) -> int:
        """Break time taken inside the run within this gap."""
        return sum(d for s, d in self.breaks if s >= leave and s + d <= back)


def _gaps(cp: Compiled, c: int, seq: Sequence, nodes: Nodes) -> list[Gap]:
    travel = cp.dur_by_mode[int(cp.c_mode[c])]
    places = [int(cp.v_place[nodes.visit[n]]) for n, _ in seq]
    ends = [t + int(cp.v_dur[nodes.visit[n]]) for n, t in seq]
    gaps = [Gap(int(cp.c_shift_s[c]), seq[0][1], int(travel[cp.c_start[c], places[0]]), "start")]
    for i in range(1, len(seq)):
        gaps.append(Gap(ends[i - 1], seq[i][1], int(travel[places[i - 1], places[i]])))
    gaps.append(Gap(ends[-1], int(cp.c_shift_e[c]), int(travel[places[-1], cp.c_end[c]]), "end"))
    if any(g.travel >= UNREACHABLE_S for g in gaps):  # no engine plans one: never report it
        raise BreakPlacementError(f"carer {cp.problem.carers[c].id}: the run drives a leg with no route")
    return gaps


def place_breaks(cp: Compiled, c: int, gaps: list[Gap], hints: list[int]) -> list[int] | None:
    """Put each break of carer ``c`` into a gap (the engine's choice first); return starts."""
    breaks = cp.c_breaks[c]
    starts = [0] * len(breaks)
    preference = [*range(1, len(gaps) - 1), 0, len(gaps) - 1]
    for k in sorted(range(len(breaks)), key=lambda i: breaks[i][0]):
        ws, we, d = breaks[k]
        hint = hints[k] if k < len(hints) else None
        chosen = None
        if hint is not None and ws <= hint <= we:
            chosen = next(((g, hint) for g in preference if gaps[g].accepts(hint, d)), None)
        if chosen is None:
            for g in preference:
                bs = gaps[g].earliest_fit(ws, we, d)
                if bs is not None:
                    chosen = (g, bs)
                    break
        if chosen is None:
            return None
        gaps[chosen[0]].breaks.append((chosen[1], d))
        starts[k] = chosen[1]
    return starts


def build_run(cp: Compiled, nodes: Nodes, c: int, seq: Sequence, hints: list[int]) -> Run:
    gaps = _gaps(cp, c, seq, nodes)
    starts = place_breaks(cp, c, gaps, hints)
    if starts is None:
        raise BreakPlacementError(
            f"carer {cp.problem.carers[c].id}: breaks cannot be placed in the solved run"
        )
    first, last = gaps[0].bounds(), gaps[-1].bounds()
    assert first is not None and last is not None
    leave, back = first[0], last[1]
    mode = int(cp.c_mode[c])
    travel, dist = cp.dur_by_mode[mode], cp.dist_by_mode[mode]
    prev_place, prev_end = int(cp.c_start[c]), leave
    stops = []
    for i, (node, start) in enumerate(seq):
        v = int(nodes.visit[node])
        place = int(cp.v_place[v])
        arrival = prev_end + int(travel[prev_place, place]) + gaps[i].inside(leave, back)
        stops.append(
            Stop(
                visit_id=cp.problem.visits[v].id,
                arrival=arrival,
                start=start,
                end=start + int(cp.v_dur[v]),
                travel_s=int(travel[prev_place, place]),
                distance_m=int(dist[prev_place, place]),
                wait_s=start - arrival,
            )
        )
        prev_place, prev_end = place, start + int(cp.v_dur[v])
    home = int(cp.c_end[c])
    return Run(
        carer_id=cp.problem.carers[c].id,
        start=leave,
        end=back,
        stops=stops,
        breaks=[BreakTaken(start=s, end=s + cp.c_breaks[c][k][2]) for k, s in enumerate(starts)],
        travel_s=sum(s.travel_s for s in stops) + int(travel[prev_place, home]),
        distance_m=sum(s.distance_m for s in stops) + int(dist[prev_place, home]),
        care_s=sum(s.end - s.start for s in stops),
        wait_s=sum(s.wait_s for s in stops),
    )


Forced = dict[int, tuple[str, str]]


def enforce_rules(cp: Compiled, nodes: Nodes, runs: list[Sequence]) -> tuple[list[Sequence], Forced]:
    """Take out any visit that breaks an `after` gap or the carer cap, with its reason.

    The engine and the construction both keep these rules, so this finds nothing in a normal
    solve; it is the guarantee that a plan never breaks them, whatever path produced it."""
    forced: Forced = {}
    starts = {int(nodes.visit[n]): t for seq in runs for n, t in seq}
    names = [v.id for v in cp.problem.visits]
    for link in cp.r.links:
        a, b = link.later, link.earlier
        if a in starts and b in starts and a not in forced and b not in forced:
            gap = starts[a] - starts[b]
            if not link.min_s <= gap <= link.max_s:
                window = f"{link.min_s // 60}" + (f"-{link.max_s // 60}" if link.max_s < UNLIMITED else "+")
                forced[a] = (
                    "MIN_GAP",
                    f"it must start {window} min after visit {names[b]!r} (at "
                    f"{format_time(starts[b])[:5]}), and no carer could take it then",
                )
    forced.update(_over_cap(cp, nodes, runs, forced))
    kept = [[(n, t) for n, t in seq if int(nodes.visit[n]) not in forced] for seq in runs]
    return kept, forced


def _over_cap(cp: Compiled, nodes: Nodes, runs: list[Sequence], forced: Forced) -> Forced:
    """Visits by carers beyond a client's cap (the carers with fewest of its visits go)."""
    cap = cp.r.cap
    if cap >= UNLIMITED:
        return {}
    count: dict[int, Counter[int]] = {}
    for c, seq in enumerate(runs):
        for n, _ in seq:
            v = int(nodes.visit[n])
            if v not in forced:
                count.setdefault(int(cp.r.v_client[v]), Counter())[c] += 1
    out: Forced = {}
    for client, by_carer in count.items():
        if len(by_carer) <= cap:
            continue
        keep = {c for c, _ in sorted(by_carer.items(), key=lambda kv: (-kv[1], kv[0]))[:cap]}
        for c, seq in enumerate(runs):
            for n, _ in seq:
                v = int(nodes.visit[n])
                if c not in keep and int(cp.r.v_client[v]) == client:
                    out[v] = (
                        "CONTINUITY_CAP",
                        f"its client already has the {cap} carer(s) max_carers_per_client allows, "
                        "none of whom could take it",
                    )
    return out


def build_solution(
    cp: Compiled,
    nodes: Nodes,
    runs: list[Sequence],
    break_hints: list[list[int]],
    *,
    engine: str,
    wall_s: float,
    seed: int,
    objective: int | None,
    time_limit_s: float,
    notes: list[str],
    first_solution: str,
    enforce: bool = True,
    until: Deadline | None = None,
) -> Solution:
    """The contract Solution of timed runs. ``enforce`` (the default for plans the optimiser
    made) first takes out any visit that would break an ``after`` gap or the carer cap.
    ``until`` bounds the diagnosis of the visits left out (see ``diagnose``)."""
    runs, forced = enforce_rules(cp, nodes, runs) if enforce else (runs, {})
    built = [build_run(cp, nodes, c, seq, break_hints[c]) for c, seq in enumerate(runs) if seq]
    out = with_pay(cp.problem, built)
    served = {int(nodes.visit[n]) for seq in runs for n, _ in seq}
    missing = [v for v in range(cp.n_visits) if v not in served]
    unassigned = diagnose(cp, nodes, runs, missing, forced, until)
    return Solution(
        problem_id=cp.problem.id,
        status="partial" if unassigned else "solved",
        runs=out,
        unassigned=unassigned,
        kpis=kpis(cp.problem, out, unassigned),
        solver=SolverInfo(
            engine=engine,
            wall_s=round(wall_s, 3),
            seed=seed,
            objective=objective,
            time_limit_s=time_limit_s,
            first_solution=first_solution,
            notes=notes,
        ),
    )
