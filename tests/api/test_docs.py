"""docs/api.md's examples are real: every marked request is sent to the live app and its answer
compared with the documented one, so the guide cannot drift from the service.

A replayable pair in docs/api.md is written as::

    <!-- replay: METHOD PATH [anonymous] [other-tenant] [poll] -->
    ```json
    the request body (left out for GET and DELETE)
    ```
    <!-- response: STATUS -->
    ```json
    the response body (left out for 204, which has none)
    ```

- ``{id}`` in PATH is the ``id`` of the last response that had one (the job just submitted);
  the id the guide shows for that job stands for the live one in later documented responses.
- The request carries the first tenant's key, the other tenant's with ``other-tenant``, none
  with ``anonymous``.
- ``poll`` repeats a GET until the body's ``status`` is no longer ``queued`` or ``solving``.

What is compared:
- the status code, exactly;
- for a status of 400 or more, the content type ``application/problem+json`` (``application/json``
  on ``/v1/vroom``, whose errors are VROOM's);
- the body, field by field: every key of a documented object must be in the live object with
  an equal value (a documented object may leave keys out, to keep the guide short); a list
  must have the same length and match item by item; numbers, strings, booleans and null must
  be equal. Keys in ``VOLATILE`` (timestamps, wall times, computing times) and job ids (an
  ``id`` documented as a string) need only be present: their values change from run to run.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from tests.api.conftest import Api, open_api

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
VOLATILE = {"created_at", "updated_at", "checked_at", "wall_s", "computing_times"}
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"
_REPLAY = re.compile(r"<!-- replay: (GET|POST|DELETE) (\S+)((?: [a-z-]+)*) -->")
_RESPONSE = re.compile(r"\s*<!-- response: (\d{3}) -->")
_BLOCK = re.compile(r"\s*```json\n(.*?)\n```", re.S)
FLAGS = {"anonymous", "other-tenant", "poll"}


@dataclass
class Pair:
    line: int
    method: str
    path: str
    flags: set[str]
    request: Any
    status: int
    response: Any

    def __str__(self) -> str:
        return f"docs/api.md:{self.line} {self.method} {self.path}"


def _block(text: str, at: int, where: str) -> tuple[Any, int]:
    found = _BLOCK.match(text, at)
    assert found, f"{where}: expected a ```json block"
    return json.loads(found[1]), found.end()


def pairs(text: str) -> list[Pair]:
    """Every marked pair of the document, in order."""
    out = []
    for mark in _REPLAY.finditer(text):
        line = text.count("\n", 0, mark.start()) + 1
        where = f"docs/api.md:{line}"
        flags = set(mark[3].split())
        assert flags <= FLAGS, f"{where}: unknown flags {flags - FLAGS}"
        at, request = mark.end(), None
        if mark[1] == "POST":
            request, at = _block(text, at, where)
        status = _RESPONSE.match(text, at)
        assert status, f"{where}: expected <!-- response: STATUS --> after the request"
        response = None if status[1] == "204" else _block(text, status.end(), where)[0]
        out.append(Pair(line, mark[1], mark[2], flags, request, int(status[1]), response))
    return out


def volatile(key: str, documented: Any) -> bool:
    """Timestamps and timings, and job ids (strings; VROOM's ids are integers and compared)."""
    return key in VOLATILE or (key == "id" and isinstance(documented, str))


def mismatches(documented: Any, live: Any, path: str = "") -> Iterator[str]:
    """Where ``live`` differs from ``documented`` under the rules of the module docstring."""
    if isinstance(documented, dict):
        if not isinstance(live, dict):
            yield f"{path or 'body'}: documented an object, got {live!r}"
            return
        for key, value in documented.items():
            here = f"{path}.{key}" if path else key
            if key not in live:
                yield f"{here}: missing"
            elif not volatile(key, value):
                yield from mismatches(value, live[key], here)
    elif isinstance(documented, list):
        if not isinstance(live, list) or len(live) != len(documented):
            yield f"{path}: documented {len(documented)} items, got {live!r}"
            return
        for i, (d, got) in enumerate(zip(documented, live, strict=True)):
            yield from mismatches(d, got, f"{path}[{i}]")
    elif documented != live or type(documented) is not type(live):
        yield f"{path}: documented {documented!r}, got {live!r}"


def replay(api: Api, pair: Pair, last_id: str | None) -> Any:
    path = pair.path
    if "{id}" in path:
        assert last_id, f"{pair}: no earlier response had an id"
        path = path.replace("{id}", last_id)
    headers = {} if "anonymous" in pair.flags else api.headers(other="other-tenant" in pair.flags)
    deadline = time.monotonic() + 60
    while True:
        answer = api.client.request(pair.method, path, json=pair.request, headers=headers)
        busy = answer.status_code == 200 and answer.json().get("status") in ("queued", "solving")
        if "poll" not in pair.flags or not busy or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_the_guide_has_a_replayable_example_of_every_route(tmp_path: Path) -> None:
    documented = {(p.method, p.path) for p in pairs(DOC.read_text(encoding="utf-8"))}
    for api in open_api(tmp_path):
        app = api.client.app
        routes = {
            (method, route.path.replace("{job_id}", "{id}"))
            for route in app.routes  # type: ignore[attr-defined]
            if isinstance(route, APIRoute) and route.include_in_schema  # not the page's redirect
            for method in route.methods
        }
        assert {r for r in routes if not any(shows(r, d) for d in documented)} == set()


def shows(route: tuple[str, str], documented: tuple[str, str]) -> bool:
    """A documented request is an example of a route: ``{id}`` as written, any other path
    parameter (a version's number) by a value."""
    method, template = route
    pattern = re.sub(r"\\\{(?!id\\\})[a-z_]+\\\}", "[^/]+", re.escape(template))
    return method == documented[0] and re.fullmatch(pattern, documented[1]) is not None


@pytest.mark.parametrize(
    ("documented", "live", "expected"),
    [
        ({"a": 1}, {"a": 1, "b": 2}, []),
        ({"a": 1}, {"a": 2}, ["a: documented 1, got 2"]),
        ({"a": 1}, {"a": 1.0}, ["a: documented 1, got 1.0"]),
        ({"id": "x", "a": [1]}, {"id": "y", "a": [1, 2]}, ["a: documented 1 items, got [1, 2]"]),
        ({"id": "x"}, {}, ["id: missing"]),
        ({"id": 2}, {"id": 3}, ["id: documented 2, got 3"]),
        ({"a": [{"b": None}]}, {"a": [{"b": None, "c": 3}]}, []),
    ],
)
def test_the_comparison(documented: Any, live: Any, expected: list[str]) -> None:
    assert list(mismatches(documented, live)) == expected


def test_every_marked_pair_replays_against_the_live_app(tmp_path: Path) -> None:
    """One app for the whole document, in order: a job submitted early is read later."""
    marked = pairs(DOC.read_text(encoding="utf-8"))
    assert len(marked) >= 10
    last_id: str | None = None
    documented_id = "\0"
    for api in open_api(tmp_path):
        for pair in marked:
            answer = replay(api, pair, last_id)
            assert answer.status_code == pair.status, f"{pair}: {answer.status_code} {answer.text[:500]}"
            if pair.status >= 400:
                vroom = pair.path == "/v1/vroom"  # VROOM's own error shape, for VROOM clients
                assert answer.headers["content-type"] == (JSON if vroom else PROBLEM_JSON), str(pair)
            if pair.status == 204:
                assert answer.content == b"", f"{pair}: a 204 with a body"
                continue
            body = answer.json()
            # A sentence naming the job ("no job '...'") names the live id, not the guide's.
            expected = json.loads(json.dumps(pair.response).replace(documented_id, last_id or ""))
            wrong = list(mismatches(expected, body))
            assert not wrong, f"{pair}: " + "; ".join(wrong[:10])
            if pair.method == "POST" and pair.path == "/v1/plans":  # a new job: later {id} is it
                last_id, documented_id = body["id"], pair.response["id"]
