"""One deadline for a whole solve: the time limit, the count limits and the caller's stop.

A provider's system calls carerun with a time limit and waits that long, so every phase of a
solve (PyVRP, construction, OR-Tools' model build and search, re-insertion, diagnosis,
extraction) must end by the same instant, and each must hear the caller's ``stop`` (the API's
DELETE). One immutable ``Deadline`` is handed down to all of them; a phase that should take only
part of what is left asks for ``share(fraction)``.

``deterministic`` is true when a solution or iteration limit, not the clock, is meant to end the
search: phases then bound their work by counts (attempts, iterations) and use the clock only as
the hard stop, so that the same seed gives the same plan on any machine as long as the time
limit is not what ends it. The clock is injectable so that tests can drive a phase past its
deadline without waiting for it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

Clock = Callable[[], float]
Stop = Callable[[], bool]


@dataclass(frozen=True)
class Deadline:
    """The instant a solve (or one phase of it) must end, on ``clock``'s scale.

    ``at`` may be ``math.inf`` (no time limit); ``solution_limit`` counts the engine's improving
    solutions, ``iteration_limit`` PyVRP's iterations; ``stop`` is the caller's hook."""

    at: float
    clock: Clock = field(default=time.monotonic, compare=False)
    solution_limit: int | None = None
    iteration_limit: int | None = None
    stop: Stop | None = field(default=None, compare=False)

    @classmethod
    def after(
        cls,
        seconds: float,
        *,
        clock: Clock = time.monotonic,
        solution_limit: int | None = None,
        iteration_limit: int | None = None,
        stop: Stop | None = None,
    ) -> Deadline:
        """A deadline ``seconds`` from now on ``clock``."""
        return cls(clock() + seconds, clock, solution_limit, iteration_limit, stop)

    @property
    def deterministic(self) -> bool:
        """True when a count, not the clock, is meant to end the search."""
        return self.solution_limit is not None or self.iteration_limit is not None

    def now(self) -> float:
        return self.clock()

    def remaining(self) -> float:
        """Seconds left, never negative (``math.inf`` without a time limit)."""
        return max(self.at - self.clock(), 0.0)

    def stopped(self) -> bool:
        """The caller asked the solve to end (its ``stop`` returned True)."""
        return self.stop is not None and bool(self.stop())

    def expired(self) -> bool:
        """Time is up or the caller asked to stop: a phase should hand back what it has."""
        return self.clock() >= self.at or self.stopped()

    def share(self, fraction: float) -> Deadline:
        """A sub-deadline for a phase: ``fraction`` of what is left now (never past this one).

        A deterministic deadline gives every phase all that is left: a phase bounded by a
        share of the clock would do more work on a fast machine than on a slow one."""
        if self.deterministic or math.isinf(self.at):
            return self
        return replace(self, at=self.clock() + max(fraction, 0.0) * self.remaining())

    def within(self, seconds: float) -> Deadline:
        """This deadline, or ``seconds`` from now if that comes first."""
        return replace(self, at=min(self.at, self.clock() + max(seconds, 0.0)))

    def less(self, seconds: float) -> Deadline:
        """This deadline brought forward by ``seconds`` (room kept for the phases after it)."""
        return replace(self, at=self.at - max(seconds, 0.0))

    def wall_at(self) -> float:
        """The deadline on ``time.monotonic``'s scale, for code that reads the wall clock."""
        return time.monotonic() + (self.at - self.clock())
