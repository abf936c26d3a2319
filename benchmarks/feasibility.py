"""An own feasibility check for peers' plans, on the compiled instance every solver was given.

carerun's plans go through ``solver/analysis/check.py``; a peer's routes are checked here instead,
against the same integers the peer saw: every visit at most once, service starts inside its
window (waiting allowed), the carer leaves home no earlier than the shift start and is home by
its end, and load within capacity. The travel cost is recomputed here, never taken from a peer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.engine.compiled import Compiled

Routes = list[list[int]]


@dataclass
class Evaluation:
    cost: int  # summed travel matrix entries, depot to depot
    vehicles: int
    served: int
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations


def evaluate(cp: Compiled, routes: Routes) -> Evaluation:
    """Travel, vehicles used, visits served and every broken rule of ``routes``."""
    out = Evaluation(cost=0, vehicles=0, served=0)
    if len(routes) > cp.n_carers:
        out.violations.append(f"{len(routes)} routes for {cp.n_carers} carers")
        return out
    seen: set[int] = set()
    for c, route in enumerate(routes):
        if not route:
            continue
        out.vehicles += 1
        out.cost += _route(cp, c, route, seen, out.violations)
    out.served = len(seen)
    return out


def _route(cp: Compiled, c: int, route: list[int], seen: set[int], violations: list[str]) -> int:
    travel = cp.dur_by_mode[int(cp.c_mode[c])]
    clock, at, load, cost = int(cp.c_shift_s[c]), int(cp.c_start[c]), 0, 0
    for v in route:
        if not 0 <= v < cp.n_visits:
            violations.append(f"carer {c}: no visit {v}")
            return cost
        if v in seen:
            violations.append(f"visit {v} served twice")
        seen.add(v)
        place = int(cp.v_place[v])
        cost += int(travel[at, place])
        clock = max(clock + int(travel[at, place]), int(cp.v_ws[v]))
        if clock > int(cp.v_we[v]):
            violations.append(
                f"carer {c}: visit {v} starts at {clock}, after its window ends {int(cp.v_we[v])}"
            )
        clock += int(cp.v_dur[v])
        at = place
        load += int(cp.v_demand[v])
    cost += int(travel[at, int(cp.c_end[c])])
    clock += int(travel[at, int(cp.c_end[c])])
    if clock > int(cp.c_shift_e[c]):
        violations.append(f"carer {c}: home at {clock}, after the shift ends {int(cp.c_shift_e[c])}")
    if load > int(cp.c_capacity[c]):
        violations.append(f"carer {c}: load {load} over capacity {int(cp.c_capacity[c])}")
    return cost
