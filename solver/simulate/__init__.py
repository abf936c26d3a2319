"""Zone-efficiency simulator for commissioners: zone designs x providers per zone, from real solves.

``from solver.simulate import SimConfig, simulate``. The names load lazily, so that importing the
CLI (which registers ``carerun simulate``) does not pull in shapely, scipy and matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solver.simulate.run import Outcome, SimConfig, simulate

__all__ = ["Outcome", "SimConfig", "simulate"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from solver.simulate import run

        return getattr(run, name)
    raise AttributeError(f"module 'solver.simulate' has no attribute {name!r}")
