"""Figures of the coordinator's screen in Debian's Chromium against a real ``carerun serve``.

    python -m benchmarks.ui [--time-limit 10] [--drags 5]

1. Upload to first drawn plan: ``zone.json`` (330 visits) chosen in the page and started with
   the time limit; the clock runs from the page's submit to the first frame after the plan is
   drawn (queueing, solving, fetching and drawing included). The drawing alone is given too.
2. Redraw after a drag: a visit dragged to the next carer's row; from the drop to the first
   frame after the evaluated plan is drawn (``POST /v1/evaluate`` included), then undone;
   ``--drags`` times, median and worst. The target is under a second.

Writes ``benchmarks/results/ui.json`` with machine, versions, command and load averages.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.env import machine
from solver.provenance import versions
from tests.api.server import Server
from tests.ui.browser import ROOT, Screen, launch, require_tools

RESULTS = Path(__file__).resolve().parent / "results"
ZONE = ROOT / "instances" / "homecare" / "zone.json"


def _chromium_version(browser: Any) -> str:
    return str(browser.version)


def drags(s: Screen, count: int) -> list[dict[str, float]]:
    """Drag the middle stop of a run onto the next run's row, ``count`` times over the runs."""
    rows = s.page.locator(".run-row").evaluate_all("rs => rs.map(r => r.dataset.carerId)")
    out = []
    for i in range(count):
        carer, target = rows[(2 * i) % len(rows)], rows[(2 * i + 1) % len(rows)]
        stops = s.page.locator(f'.run-row[data-carer-id="{carer}"] .stop')
        visit = stops.nth(stops.count() // 2).get_attribute("data-visit-id")
        s.drag(str(visit), carer, target)
        out.append({k: round(s.timing(k), 1) for k in ("dragRedraw_ms", "dragEvaluate_ms", "dragRender_ms")})
        s.page.click("#undo")
        s.page.wait_for_selector("#change", state="hidden")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--time-limit", type=float, default=10)
    parser.add_argument("--drags", type=int, default=5)
    args = parser.parse_args()
    require_tools()
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "ui.sqlite3") as server:
        key = server.cli("keys", "create", "--tenant", "bench")
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            s = Screen(page, server.url, key)
            s.login()
            s.upload(ZONE, args.time_limit)
            s.wait_for_plan(args.time_limit + 120)
            first = {
                "upload_to_first_drawn_ms": round(s.timing("firstPlan_ms")),
                "draw_ms": round(s.timing("renderPlan_ms"), 1),
            }
            moved = drags(s, args.drags)
            chromium = _chromium_version(browser)
            browser.close()
    redraw = [m["dragRedraw_ms"] for m in moved]
    result = {
        **machine(),
        "command": " ".join(["python -m benchmarks.ui", *sys.argv[1:]]),
        "browser": {"chromium": chromium, **versions(("playwright",))},
        "instance": "instances/homecare/zone.json (330 visits, 42 carers)",
        "time_limit_s": args.time_limit,
        "viewport": "1280x800",
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "first_plan": first,
        "drag_redraw": {
            "median_ms": round(statistics.median(redraw), 1),
            "max_ms": max(redraw),
            "under_1s": max(redraw) < 1000,
            "drags": moved,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ui.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"first_plan": first, "drag_redraw": result["drag_redraw"]}, indent=2))


if __name__ == "__main__":
    main()
