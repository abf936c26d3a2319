"""The ``carerun`` command line: one module per command, output helpers in ``output``."""

from solver.cli.main import app

__all__ = ["app"]
