"""``python -m solver.cli``: the ``carerun`` command without its console script."""

from solver.cli import app

app(prog_name="carerun")
