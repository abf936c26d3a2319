"""The ``carerun`` command line: one module per command, shared output in ``output``, the app in ``app``.

Plans go to ``-o FILE`` or standard output; progress, summaries and errors go to standard error.

Exit codes, for scripts:

- 0: done.
- 1: the plan breaks a rule (``check``, ``evaluate``; ``simulate`` when a plan it made does).
- 2: bad input, with a message that names the field and the problem and no traceback; also a
  wrong option or argument (usage error).
- 70: internal error (sysexits' EX_SOFTWARE), one line on standard error and no traceback; a
  command whose plugin could not be loaded exits 70 too.
- 130: interrupted (Ctrl-C).
"""

from solver.cli.app import app

__all__ = ["app"]
