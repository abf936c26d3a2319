"""Driving the coordinator's screen in Debian's Chromium with Playwright, for the browser test
and ``benchmarks/ui.py``. Playwright's own browser download does not work here, so the system
binary is launched; axe-core comes from ``node_modules`` (``npm ci``, locked in package-lock.json)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_tools() -> None:
    """Chromium, Playwright and axe-core must be there: a missing tool fails the test, loudly."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise RuntimeError("playwright is missing: pip install -e '.[dev]' (it is pinned there)") from exc
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"{AXE} is missing and npm is not installed: install Node 20 and run npm ci")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, timeout=300)
    if not AXE.exists():
        raise RuntimeError(f"npm ci did not install {AXE}")


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def serious_axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's findings of impact serious or critical on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


class Screen:
    """One tab on ``/app`` of a running server, logged in with ``key``."""

    def __init__(self, page: Any, base_url: str, key: str) -> None:
        self.page, self.base_url, self.key = page, base_url, key
        self.requests: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))

    def login(self) -> None:
        self.page.goto(self.base_url + "/app")
        self.page.fill("#key", self.key)
        self.page.click("#login-form button")
        self.page.wait_for_selector("#plans:not([hidden])")

    def upload(self, path: Path | None, time_limit_s: float, *, payload: bytes | None = None) -> None:
        """Chooses a file (or ``payload`` as one) and starts the plan."""
        files: Any = (
            str(path)
            if payload is None
            else {"name": "bad.json", "mimeType": "application/json", "buffer": payload}
        )
        self.page.set_input_files("#problem-file", files)
        self.page.fill("#time-limit", str(time_limit_s))
        self.page.click("#start")

    def wait_for_plan(self, timeout_s: float) -> None:
        self.page.wait_for_selector("#plan:not([hidden]) .run-row", timeout=timeout_s * 1000)
        self.page.wait_for_function("window.carerunTimings.firstPlan_ms !== undefined")

    def timing(self, name: str) -> float:
        return float(self.page.evaluate(f"window.carerunTimings.{name}"))

    def drag(self, visit_id: str, from_carer: str, to_carer: str) -> None:
        """Drags ``visit_id`` from ``from_carer``'s row to the same time on ``to_carer``'s row."""
        stop = self.page.locator(f'.run-row[data-carer-id="{from_carer}"] .stop[data-visit-id="{visit_id}"]')
        stop.scroll_into_view_if_needed()
        box = stop.bounding_box()
        row = self.page.locator(f'.row[data-carer-id="{to_carer}"] .track')
        row.scroll_into_view_if_needed()
        box = stop.bounding_box()
        target = row.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        mouse = self.page.mouse
        mouse.move(x, y)
        mouse.down()
        mouse.move(x + 3, y + 8, steps=2)
        mouse.move(x, target["y"] + target["height"] / 2, steps=5)
        self.page.evaluate("window.carerunTimings.dragRedraw_ms = undefined")
        mouse.up()
        self.page.wait_for_function("window.carerunTimings.dragRedraw_ms !== undefined", timeout=60000)

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.base_url, "data:", "blob:"))]
