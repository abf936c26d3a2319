"""carerun's own search for full-rules days: ruin and recreate over exactly timed runs.

- ``cost.py``: the objective, in one place (coverage by priority, then travel and soft costs);
- ``timing.py``: earliest and latest starts of runs tied by double-ups and `after` gaps;
- ``ruin.py`` and ``recreate.py``: the moves;
- ``improve.py``: the loop, with simulated annealing and the best plan kept;
- ``stops.py``: iteration and run-time limits.
"""

from solver.engine.compiled import Compiled
from solver.engine.lns.improve import Outcome, improve_plan
from solver.engine.lns.stops import MaxIterations, MaxRuntime

LNS_NOTE = "searched by carerun's own ruin and recreate (double-ups, breaks or gaps tie the runs)"


def full_rules(cp: Compiled) -> bool:
    """A day whose runs are tied or cut (double-ups, `after` gaps, breaks): OR-Tools' local
    search checks those ties only after each move, and this search is the better one there
    (docs/engine.md, "carerun's own search")."""
    return bool((cp.v_req == 2).any()) or bool(cp.r.links) or any(cp.c_breaks)


def search_note(done: Outcome, first_plan_s: float, seconds: float) -> str:
    """What the search did, for ``solver.notes`` (the benchmarks read the figures from it)."""
    rate = done.iterations / seconds if seconds > 0 else 0.0
    return (
        f"ruin and recreate: {done.iterations} iterations in {seconds:.1f} s ({rate:.0f} per second), "
        f"{done.improved} improving; first plan at {first_plan_s:.2f} s"
    )


__all__ = ["LNS_NOTE", "MaxIterations", "MaxRuntime", "Outcome", "full_rules", "improve_plan", "search_note"]
