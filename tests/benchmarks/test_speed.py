"""The speed suite keeps working: its smallest size, benchmarks disabled (each test runs once)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_speed_suite_runs_at_50_visits() -> None:
    env = {**os.environ, "BENCH_SIZES": "50", "BENCH_SOLUTION_LIMIT": "5"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "benchmarks/speed.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "--benchmark-disable",
            "-p",
            "no:xdist",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout
