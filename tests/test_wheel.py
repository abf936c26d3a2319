"""The carerun wheel, installed on its own, runs every command away from the checkout.

Why: a checkout hides packaging mistakes, because data and modules are found through the
repository root whatever the wheel holds. So the wheel is built from a copy of the tree,
installed without dependencies into a fresh venv, and every command runs from a temporary
directory. The venv borrows the dependencies of the running environment through a .pth file
that lists a directory of links to them, leaving out carerun itself and its editable finder: a
path in a .pth is only added to sys.path, the .pth files inside it are never run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Not part of the source tree a wheel is built from.
SKIP = (".git", ".venv", "dist", "build", "out", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")
SKIP += (".benchmarks", "carerun-api.sqlite3*")
# Names the running environment may hold for carerun itself (an editable install, say).
OURS = ("solver", "api", "benchmarks", "tests", "__pycache__", "__editable__", "carerun")
ATTRIBUTION = "Office for National Statistics licensed under the Open Government Licence v3.0"

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> str:
    """Run a command to completion; on a non-zero exit show what it printed."""
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _build_wheel(tmp: Path, env: dict[str, str]) -> Path:
    """Build from a copy so the checkout gets no build/ or egg-info, and parallel runs cannot race."""
    source = tmp / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*SKIP))
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(source)]
    _run(pip, tmp, env, timeout=300)
    (wheel,) = dist.glob("carerun-*.whl")
    return wheel


def _top_level(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "solver/generate/data/wiltshire_lsoa21_centroids.csv" in names
    assert "solver/generate/data/README.md" in names
    return {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}


def _dependencies(tmp: Path) -> Path:
    """Links to everything the running environment installed, except carerun and .pth files."""
    links = tmp / "deps"
    links.mkdir()
    paths = sysconfig.get_paths()
    for site in dict.fromkeys([Path(paths["purelib"]), Path(paths["platlib"])]):
        for entry in site.iterdir():
            ours = entry.name.startswith(OURS) or entry.suffix == ".pth"
            if not ours and not (links / entry.name).exists():
                (links / entry.name).symlink_to(entry)
    return links


def _install(wheel: Path, tmp: Path, env: dict[str, str]) -> Path:
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, env)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index"]
    _run([*pip, str(wheel)], tmp, env)
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, env)
    (Path(site.strip()) / "carerun_test_dependencies.pth").write_text(f"{_dependencies(tmp)}\n")
    return venv


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _health(carerun: Path, cwd: Path, env: dict[str, str]) -> dict[str, object]:
    """Start `carerun serve` on a free loopback port, read /health once it answers, stop it."""
    port = _free_port()
    with (cwd / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [str(carerun), "serve", "--port", str(port)], cwd=cwd, env=env, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, (cwd / "serve.log").read_text()
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as answer:
                        body: dict[str, object] = json.loads(answer.read())
                        break
                except OSError:
                    assert time.monotonic() < deadline, (cwd / "serve.log").read_text()
                    time.sleep(0.3)
        finally:
            server.terminate()
            code = server.wait(timeout=20)
    # uvicorn shuts down cleanly on SIGTERM, then re-raises it (exit 0 on older versions).
    assert code in (0, -signal.SIGTERM), (cwd / "serve.log").read_text()
    return body


def test_wheel_installs_alone_and_every_command_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {"PYTHONNOUSERSITE": "1", "CARERUN_DB_PATH": str(tmp_path / "api.sqlite3")}
    wheel = _build_wheel(tmp_path, env)
    assert _top_level(wheel) == {"solver", "api"}

    venv = _install(wheel, tmp_path, env)
    work = tmp_path / "elsewhere"
    work.mkdir()
    imports = "import solver, api; print(solver.__file__); print(api.__file__)"
    where = _run([str(venv / "bin" / "python"), "-c", imports], work, env)
    assert all(Path(line).is_relative_to(venv) for line in where.split())
    carerun = venv / "bin" / "carerun"

    _run([str(carerun), "generate", "--visits", "40", "-o", "day.json"], work, env)
    assert len(json.loads((work / "day.json").read_text())["visits"]) == 40
    _run([str(carerun), "solve", "day.json", "--time-limit", "2", "-o", "plan.json"], work, env)
    assert json.loads((work / "plan.json").read_text())["kpis"]["visits_assigned"] > 0
    assert "OK" in _run([str(carerun), "check", "day.json", "plan.json"], work, env)

    tiny = ["--designs", "hubs18", "--providers", "1", "--scale", "0.01", "--workers", "1"]
    _run([str(carerun), "simulate", *tiny, "--solution-limit", "5", "--out", "sim"], work, env)
    assert ATTRIBUTION in (work / "sim" / "report.html").read_text(encoding="utf-8")
    assert (work / "sim" / "table.csv").is_file()

    health = _health(carerun, work, env)
    assert health["status"] == "ok", health
