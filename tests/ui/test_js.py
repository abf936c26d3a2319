"""The page's own logic (projection, timeline layout, CSV, change list) under ``node --test``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_page_modules_pass_their_node_tests() -> None:
    node = shutil.which("node")
    assert node, "node (20 or later) is needed for the page's unit tests: apt-get install nodejs"
    files = sorted(str(p) for p in (HERE / "js").glob("*.test.mjs"))
    assert len(files) >= 4
    done = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
