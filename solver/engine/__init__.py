"""The engine's public face: ``solve`` a Problem into a Solution, optionally from a ``FirstPlan``.

``solve`` is ``solver.engine.search.solve`` (see that module for where a search starts). It is
loaded on first use, so that importing a light engine module (``compiled``, ``construct``) does
not import OR-Tools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from solver.engine.firstplan import FirstPlan

if TYPE_CHECKING:
    from solver.engine.search import solve

__all__ = ["FirstPlan", "solve"]


def __getattr__(name: str) -> Any:
    if name == "solve":
        from solver.engine.search import solve

        return solve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
