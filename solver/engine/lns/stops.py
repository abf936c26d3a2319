"""When the search ends: small stop objects, one of which ends the loop.

``MaxIterations`` ends after a number of ruin-and-recreate iterations: with it the same seed
gives the same plan on any machine, however fast. ``MaxRuntime`` ends at a ``Deadline``. The
deadline handed to the search always ends it too (the caller's time limit and stop hook), so an
iteration limit never runs past the solve's time limit. ``progress`` tells the acceptance how far
along the search is (its temperature falls with it): by iterations when they end the search, so
that acceptance too is the same on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.engine.deadline import Deadline


@dataclass(frozen=True)
class MaxIterations:
    """End after ``iterations`` ruin-and-recreate iterations."""

    iterations: int

    def done(self, iteration: int) -> bool:
        return iteration >= self.iterations

    def progress(self, iteration: int) -> float:
        return min(iteration / max(self.iterations, 1), 1.0)


@dataclass
class MaxRuntime:
    """End at ``deadline`` (its clock, its stop hook)."""

    deadline: Deadline
    began: float = field(init=False)

    def __post_init__(self) -> None:
        self.began = self.deadline.now()

    def done(self, iteration: int) -> bool:
        return self.deadline.expired()

    def progress(self, iteration: int) -> float:
        span = self.deadline.at - self.began
        if span <= 0 or span == float("inf"):
            return 0.0
        return min((self.deadline.now() - self.began) / span, 1.0)


StopRule = MaxIterations | MaxRuntime
