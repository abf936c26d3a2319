"""The coordinator's loop in a real browser against a real ``carerun serve``: log in, upload
small.json, see the plan, drag a visit onto a carer without the skill, undo, re-plan with a
sick carer, print the run sheets. Each step leaves a screenshot in tests/ui/screenshots/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.server import Server
from tests.ui.browser import ROOT, Screen, launch, require_tools, serious_axe_violations

pytestmark = pytest.mark.slow
SMALL = ROOT / "instances" / "homecare" / "small.json"
SHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[tuple[Screen, Server]]:
    require_tools()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with Server(tmp_path / "ui.sqlite3", CARERUN_WORKERS="1") as server, sync_playwright() as p:
        key = server.cli("keys", "create", "--tenant", "ui-test")
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            yield Screen(page, server.url, key), server
        finally:
            browser.close()
        assert not errors, errors


def shot(s: Screen, name: str) -> None:
    s.page.screenshot(path=str(SHOTS / f"{name}.png"))


def small_day(folder: Path) -> Path:
    """small.json, but its carer c03 does not hold 'medication': in the shipped day every carer
    holds every skill its visits need, and step 5 needs a carer without one."""
    problem = json.loads(SMALL.read_text())
    carer = next(c for c in problem["carers"] if c["id"] == "c03")
    carer["skills"] = [k for k in carer["skills"] if k != "medication"]
    path = folder / "small.json"
    path.write_text(json.dumps(problem))
    return path


def job_of(s: Screen, server: Server) -> tuple[dict[str, Any], dict[str, Any]]:
    auth = {"Authorization": f"Bearer {s.key}"}
    job = httpx.get(server.url + "/v1/plans", headers=auth).json()["jobs"][0]
    plan = httpx.get(f"{server.url}/v1/plans/{job['id']}", headers=auth).json()["solution"]
    problem = httpx.get(f"{server.url}/v1/plans/{job['id']}/problem", headers=auth).json()
    return plan, problem


def unskilled_move(problem: dict[str, Any], plan: dict[str, Any]) -> tuple[str, str, str, list[str]]:
    """A single-carer visit needing a skill, its carer, and a used carer lacking that skill."""
    skills = {c["id"]: set(c["skills"]) for c in problem["carers"]}
    visits = {v["id"]: v for v in problem["visits"]}
    used = [r["carer_id"] for r in plan["runs"] if r["stops"]]
    options = [
        (visits[s["visit_id"]]["duration_min"], s["visit_id"], r["carer_id"], other, missing)
        for r in plan["runs"]
        for s in r["stops"]
        if visits[s["visit_id"]]["carers_required"] == 1
        for other in used
        if (missing := sorted(set(visits[s["visit_id"]]["skills"]) - skills[other]))
    ]
    assert options, "no visit that another carer lacks the skill for"
    _, visit, carer, other, missing = max(options)
    return visit, carer, other, missing


def test_the_coordinators_day(screen: tuple[Screen, Server], tmp_path: Path) -> None:
    s, server = screen
    page = s.page
    # 1. log in with a key
    s.login()
    assert s.key not in page.url
    assert page.evaluate("sessionStorage.getItem('carerun.key')") == s.key
    assert serious_axe_violations(page) == []
    shot(s, "1-login")
    # a bad file is refused in the page with the API's field paths
    bad = json.loads(SMALL.read_text())
    bad["visits"][3]["window"] = {"start": "10:00", "end": "09:00"}
    s.upload(None, 5, payload=json.dumps(bad).encode())
    page.wait_for_selector("#upload-errors li")
    assert "visits[3].window" in page.inner_text("#upload-errors")
    assert serious_axe_violations(page) == []
    shot(s, "1b-refused")
    # 2. upload small.json (c03 without 'medication')
    s.upload(small_day(tmp_path), 5)
    shot(s, "2-upload")
    # 3. wait for the plan
    s.wait_for_plan(90)
    plan, problem = job_of(s, server)
    shot(s, "3-plan")
    # 4. one timeline row per carer used, one map line per run, every stop findable
    used = [r for r in plan["runs"] if r["stops"]]
    rows = page.locator(".run-row[data-carer-id]")
    shown = rows.evaluate_all("rs => rs.map(r => r.dataset.carerId)")
    assert sorted(shown) == sorted(r["carer_id"] for r in used)
    assert page.locator("#map polyline.runline").count() == len(used)
    assert page.locator(".stop[data-visit-id]").count() == sum(len(r["stops"]) for r in used)
    page.locator(".stop[data-visit-id]").first.click()
    assert page.locator("#details-body dd").count() >= 4
    assert serious_axe_violations(page) == []
    shot(s, "4-plan-selected")
    # 5. drag a visit onto a carer without the skill: the broken rule is shown in words
    visit, carer, other, missing = unskilled_move(problem, plan)
    s.drag(visit, carer, other)
    page.wait_for_selector("#change:not([hidden]) #violations li")
    text = page.inner_text("#violations")
    assert f"missing skill at {visit}: {other} does not hold {', '.join(missing)}" in text
    assert page.locator(f'.run-row[data-carer-id="{other}"] .stop[data-visit-id="{visit}"]').count() == 1
    assert s.timing("dragRedraw_ms") < 1000
    assert serious_axe_violations(page) == []
    shot(s, "5-drag-violation")
    # 6. undo: the visit is back with its carer and the change panel is gone
    page.click("#undo")
    page.wait_for_selector("#change", state="hidden")
    assert page.locator(f'.run-row[data-carer-id="{carer}"] .stop[data-visit-id="{visit}"]').count() == 1
    assert page.locator(f'.run-row[data-carer-id="{other}"] .stop[data-visit-id="{visit}"]').count() == 0
    shot(s, "6-undo")
    # 7. re-plan with a sick carer from 10:00: the change list says who moved where
    sick = max(used, key=lambda r: sum(st["start"] >= "10:00:00" for st in r["stops"]))
    page.select_option("#sick-carer", sick["carer_id"])
    page.fill("#sick-from", "10:00")
    page.fill("#replan-now", "09:00")
    page.fill("#replan-limit", "3")
    page.click("#replan")
    page.wait_for_selector("#changes li", timeout=90000)
    changes = page.locator("#changes li").all_inner_texts()
    assert any(re.match(rf"v\d+ moved {sick['carer_id']} → c\d+, ", c) for c in changes), changes
    late = page.locator(f'.run-row[data-carer-id="{sick["carer_id"]}"] .stop').evaluate_all(
        "ss => ss.filter(s => /, (1\\d|2\\d):\\d\\d to /.test(s.getAttribute('aria-label'))).length"
    )
    assert late == 0, "the sick carer still has visits from 10:00"
    assert page.locator("#version option").count() == 2
    shot(s, "7-replan")
    # by keyboard: select a stop, move it with the form, keep the change as a new version; the
    # stop is one the receiving carer does not already have (a double-up's other copy, say: the
    # re-plan is timed, so which stop comes first depends on the machine's load)
    to = used[-1]["carer_id"]
    theirs = page.locator(f'.run-row[data-carer-id="{to}"] .stop').evaluate_all(
        "ss => ss.map(s => s.dataset.visitId)"
    )
    stop = next(
        st for st in page.locator(".run-row .stop").all() if st.get_attribute("data-visit-id") not in theirs
    )
    stop.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#move-go")
    moved = stop.get_attribute("data-visit-id")
    page.select_option("#move-to", to)
    page.focus("#move-go")
    page.keyboard.press("Enter")
    page.wait_for_selector("#change:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "keep", page.inner_text("#change-summary")
    page.keyboard.press("Enter")
    page.wait_for_selector("#change", state="hidden")
    assert page.locator("#version option").count() == 3
    assert page.locator(f'.run-row[data-carer-id="{to}"] .stop[data-visit-id="{moved}"]').count()
    # the versions are kept on the server: after a reload the plan opens with all three, the
    # kept change shown
    names = page.locator("#version option").all_inner_texts()
    auth = {"Authorization": f"Bearer {s.key}"}
    job_id = httpx.get(server.url + "/v1/plans", headers=auth).json()["jobs"][0]["id"]
    stored = httpx.get(f"{server.url}/v1/plans/{job_id}/versions", headers=auth).json()["versions"]
    assert [v["number"] for v in stored] == [1, 2, 3]
    forget = "Object.keys(sessionStorage).filter(k => k !== 'carerun.key')"
    page.evaluate(forget + ".forEach(k => sessionStorage.removeItem(k))")  # the tab keeps only the key
    page.reload()
    page.wait_for_selector("#jobs tbody button")
    page.locator("#jobs tbody button").first.click()
    page.wait_for_selector("#plan:not([hidden]) .run-row")
    assert page.locator("#version option").all_inner_texts() == names
    assert names[1].startswith("v2 re-planned at") and names[2].startswith(f"v3 moved {moved}")
    assert page.locator(f'.run-row[data-carer-id="{to}"] .stop[data-visit-id="{moved}"]').count()
    # usable at 1024 wide: nothing runs off the side
    page.set_viewport_size({"width": 1024, "height": 768})
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    shot(s, "7b-kept-1024")
    # 8. print the run sheets: one PDF page per carer with a run
    runs_now = page.locator(".run-row").count()
    pdf = tmp_path / "sheets.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4")
    page.emulate_media(media="screen")
    (SHOTS / "8-run-sheets.pdf").write_bytes(pdf.read_bytes())
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())) == runs_now
    # a configured tile server draws tiles under the runs; without one the outline is drawn
    assert page.locator("#map polygon.outline").count() == 1
    page.click("#settings-open")
    page.fill("#tile-url", server.url + "/tiles/{z}/{x}/{y}.png")
    page.click("#settings-save")
    page.wait_for_selector("#map image")
    assert page.locator("#map image").first.get_attribute("href").startswith(server.url + "/tiles/")
    assert page.locator("#map polygon.outline").count() == 0
    assert s.outside_requests() == []
