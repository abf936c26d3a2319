"""Zone-efficiency simulator for commissioners: zone designs x providers per zone, from real solves."""

from solver.simulate.run import Outcome, SimConfig, simulate

__all__ = ["Outcome", "SimConfig", "simulate"]
