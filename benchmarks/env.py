"""The machine and versions a benchmark figure was measured on, stored beside the figure."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from solver.provenance import machine_info, versions


def machine() -> dict[str, Any]:
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": {
            "python": sys.version.split()[0],
            **versions(("carerun", "ortools", "numpy", "numba", "pydantic")),
        },
    }
