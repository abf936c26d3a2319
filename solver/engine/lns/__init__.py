"""carerun's own search for full-rules days: ruin and recreate over exactly timed runs.

- ``cost.py``: the objective, in one place (coverage by priority, then travel and soft costs);
- ``timing.py``: earliest and latest starts of runs tied by double-ups and `after` gaps;
- ``ruin.py`` and ``recreate.py``: the moves;
- ``exchange.py``: two carers trading the ends of their runs at a double-up they share;
- ``improve.py``: the loop, with simulated annealing and the best plan kept;
- ``stops.py``: iteration and run-time limits.
"""

from solver.engine.compiled import Compiled
from solver.engine.construct import Nodes, Plan
from solver.engine.lns.improve import Outcome, improve_plan
from solver.engine.lns.stops import MaxIterations, MaxRuntime

LNS_NOTE = "searched by carerun's own ruin and recreate (double-ups, breaks or gaps tie the runs)"


def full_rules(cp: Compiled) -> bool:
    """A day whose runs are tied or cut (double-ups, `after` gaps, breaks): OR-Tools' local
    search checks those ties only after each move, and this search is the better one there
    (docs/engine.md, "carerun's own search")."""
    return bool((cp.v_req == 2).any()) or bool(cp.r.links) or any(cp.c_breaks)


# On a day without breaks this search takes this share of the time, then OR-Tools' rounds
# search on from its plan; a day of fewer visit copies than LNS_MIN_NODES is left to OR-Tools.
# Measured on four Mankowska days at 5 s (gap to the published best: OR-Tools alone, this
# search alone, this search then OR-Tools): 25 patients -1.6, 7.0, 14.4 %; 50: 5.6, 17.0, 2.8 %;
# 75: 97.9, 33.8, 0.5 %; 100: 120.0, 38.1, 30.3 % (docs/engine.md, "carerun's own search").
LNS_SHARE = 0.5
LNS_MIN_NODES = 40


def left_out(nodes: Nodes, plan: Plan) -> list[int]:
    """Visits none of whose copies is in a run of ``plan``."""
    served = {int(nodes.visit[e]) for run in plan.runs for e in run if e >= 0}
    return [v for v in range(len(nodes.of_visit)) if v not in served]


def search_note(done: Outcome, first_plan_s: float, seconds: float) -> str:
    """What the search did, for ``solver.notes`` (the benchmarks read the figures from it)."""
    rate = done.iterations / seconds if seconds > 0 else 0.0
    return (
        f"ruin and recreate: {done.iterations} iterations in {seconds:.1f} s ({rate:.0f} per second), "
        f"{done.improved} improving; first plan at {first_plan_s:.2f} s"
    )


__all__ = [
    "LNS_MIN_NODES",
    "LNS_NOTE",
    "LNS_SHARE",
    "MaxIterations",
    "MaxRuntime",
    "Outcome",
    "full_rules",
    "improve_plan",
    "left_out",
    "search_note",
]
