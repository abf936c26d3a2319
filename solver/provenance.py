"""Where a figure was measured: the machine and package versions stored beside every result."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version


def cpu() -> str:
    """The CPU model as the kernel names it, since speed figures mean little without it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, object]:
    return {"cpu": cpu(), "cores": os.cpu_count(), "platform": platform.platform()}


def versions(packages: tuple[str, ...]) -> dict[str, str | None]:
    """Installed versions; None for a package that is not installed (an optional extra)."""
    out: dict[str, str | None] = {}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out
