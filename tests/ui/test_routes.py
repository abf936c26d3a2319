"""What the server adds for the page: its files at /app, shipped examples, a job's problem."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.screen import web_root
from tests.api.conftest import ROOT, Api, open_api, tiny_problem


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from open_api(tmp_path)


def test_app_serves_the_page_and_its_modules(api: Api) -> None:
    c = api.client
    assert c.get("/app", follow_redirects=False).headers["location"] == "/app/"
    page = c.get("/app/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for src in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text):
        assert c.get(f"/app/{src}").status_code == 200, src
    kind = c.get("/app/js/main.js").headers["content-type"]
    assert kind.startswith(("text/javascript", "application/javascript"))


def test_every_script_and_style_is_local() -> None:
    """No external requests: nothing in the page's files names another origin."""
    for path in web_root().rglob("*"):
        if path.suffix in {".html", ".js", ".css"}:
            text = path.read_text()
            assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), path
            assert not re.search(r"(?:import|from)\s*\(?\s*[\"']https?:", text), path


def test_shipped_examples_are_the_checkout_days() -> None:
    listed = json.loads((web_root() / "examples" / "index.json").read_text())
    assert [e["name"] for e in listed] == ["small", "zone"]
    for e in listed:
        shipped = json.loads((web_root() / "examples" / e["file"]).read_text())
        assert shipped == json.loads((ROOT / "instances" / "homecare" / e["file"]).read_text())
        assert (e["visits"], e["carers"]) == (len(shipped["visits"]), len(shipped["carers"]))


def test_a_jobs_problem_is_its_tenants_only(api: Api) -> None:
    c = api.client
    job = c.post("/v1/plans", json=tiny_problem(), headers=api.headers()).json()["id"]
    got = c.get(f"/v1/plans/{job}/problem", headers=api.headers())
    assert got.status_code == 200 and got.json()["id"] == "tiny"
    assert c.get(f"/v1/plans/{job}/problem", headers=api.headers(other=True)).status_code == 404
    assert c.get(f"/v1/plans/{job}/problem").status_code == 401
