"""Schemathesis against the live OpenAPI document of a real server, on SQLite and on PostgreSQL.

Every operation gets generated requests, half schema-valid (positive) and half not (negative),
and every response runs schemathesis' checks: no 5xx, documented status codes, content types,
headers and schemas, invalid data rejected, valid data accepted, and a 405's ``Allow``. Cases
are linked to real state: a job-id parameter is often the id of a real job (queued, solved or
deleted), and a share of ``POST /v1/replan`` bodies re-plan a real published plan with drawn
events, so they reach the solver.

The default run is seeded (``SEED``) and short; the ``nightly`` run (``make nightly``, not part
of ``make test``) draws ``SLOW_CASES`` random cases per operation, one test per operation and
database with its own random seed (printed and recorded). Each run prints the cases and 5xx per
operation; with ``CARERUN_FUZZ_RESULTS=PATH`` the nightly run also writes them there
(benchmarks/results/fuzz.json is written so). Schemathesis' own pytest plugin does not run under
pytest 9, so each operation's strategy is driven by hypothesis directly; the checks are the same.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis import checks as sc

from tests.api import pg
from tests.api.conftest import tiny_problem
from tests.api.server import Server

SEED = 20261129
QUICK_CASES = 25
SLOW_CASES = int(os.environ.get("CARERUN_FUZZ_CASES", "1000"))
REPLAN_SHARE = 10  # of the valid replan cases, 2 in this many re-plan a real plan (a solver each)
FAST = {  # generated problems that are valid must solve in a blink
    "CARERUN_SYNC_MAX_TIME_LIMIT_S": "0.2",
    "CARERUN_MAX_TIME_LIMIT_S": "0.2",
    "CARERUN_VROOM_TIME_LIMIT_S": "0.2",
    "CARERUN_HEALTH_TTL_S": "3600",
    "CARERUN_TENANT_JOBS": "100000",
    "CARERUN_QUEUE_SIZE": "100000",
    "CARERUN_SYNC_MAX_VISITS": "50",
    "CARERUN_MAX_VISITS": "200",
    "CARERUN_MAX_CARERS": "50",
    "CARERUN_WORKERS": "1",
}
OPERATIONS = [
    ("POST", "/v1/plans"),
    ("GET", "/v1/plans"),
    ("GET", "/v1/plans/{job_id}"),
    ("DELETE", "/v1/plans/{job_id}"),
    ("GET", "/v1/plans/{job_id}/problem"),
    ("POST", "/v1/plans/{job_id}/versions"),
    ("GET", "/v1/plans/{job_id}/versions"),
    ("GET", "/v1/plans/{job_id}/versions/{number}"),
    ("POST", "/v1/solve"),
    ("POST", "/v1/check"),
    ("POST", "/v1/evaluate"),
    ("POST", "/v1/replan"),
    ("POST", "/v1/vroom"),
    ("GET", "/v1/schema"),
    ("GET", "/health"),
]
# JSON Schema cannot say everything these requests must be (ids unique and known, windows in
# order, a travel mode for every carer, square matrices), so a schema-valid body may rightly be
# a 422 here; every other operation must accept whatever its schema accepts.
SEMANTIC_BODIES = {
    ("POST", "/v1/plans"),
    ("POST", "/v1/plans/{job_id}/versions"),
    ("POST", "/v1/solve"),
    ("POST", "/v1/check"),
    ("POST", "/v1/evaluate"),
    ("POST", "/v1/replan"),
    ("POST", "/v1/vroom"),
    ("GET", "/v1/plans"),  # its cursor is opaque: one the server did not issue is a 422
}
WITHOUT_INPUT = {("GET", "/v1/schema"), ("GET", "/health")}  # few distinct cases exist
CHECKS = [
    sc.not_a_server_error,
    sc.status_code_conformance,
    sc.content_type_conformance,
    sc.response_schema_conformance,
    sc.response_headers_conformance,
    sc.negative_data_rejection,
    sc.missing_required_header,
    sc.ignored_auth,
    sc.use_after_free,
    sc.ensure_resource_availability,
]


class Live:
    """A server on one database, a key, and real state for cases to link to."""

    def __init__(self, server: Server, key: str) -> None:
        self.server, self.key = server, key
        self.headers = {"Authorization": f"Bearer {key}"}
        self.job_ids: list[str] = []
        self.published: dict[str, Any] = {}

    def prepare(self) -> None:
        """Fresh jobs to link cases to: fuzzing ``DELETE`` deletes the ones it is given."""
        self.job_ids = []
        with httpx.Client(base_url=self.server.url, headers=self.headers, timeout=60) as client:
            for _ in range(3):
                self.job_ids.append(client.post("/v1/plans", json=tiny_problem()).json()["id"])
            gone = client.post("/v1/plans", json=tiny_problem()).json()["id"]
            client.delete(f"/v1/plans/{gone}")
            self.job_ids.append(gone)
            solved = client.post("/v1/solve", json=tiny_problem(time_limit_s=0.2))
            assert solved.status_code == 200, solved.text
            self.published = solved.json()


def serve(database: str, tmp_path_factory: pytest.TempPathFactory, name: str, **extra: str) -> Iterator[Live]:
    """A live server on ``database`` (sqlite or postgresql) with a key and real jobs."""
    env = dict(FAST) | extra
    if database == "postgresql":
        base = pg.base_url()
        if base is None:
            pytest.skip(f"{pg.PG_ENV} is not set: no PostgreSQL here (.ci/run installs and sets one)")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        env["CARERUN_DATABASE_URL"] = pg.worker_database_url(base, f"{worker}_{name}")
    db: Path = tmp_path_factory.mktemp(name) / f"{name}.sqlite3"
    with Server(db, **env) as server:
        live = Live(server, server.cli("keys", "create", "--tenant", "fuzz"))
        live.prepare()
        yield live
    if database == "postgresql":
        pg.drop_database(str(pg.base_url()), env["CARERUN_DATABASE_URL"])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from serve(request.param, tmp_path_factory, "fuzz")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def queued(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server that only queues (no worker): a job's state cannot change between two calls, so
    hypothesis can replay a sequence of linked calls and get the same answers."""
    yield from serve(request.param, tmp_path_factory, "linked", CARERUN_IN_PROCESS_WORKER="false")


@pytest.fixture(scope="module")
def api_schema(live: Live) -> Any:
    return schemathesis.openapi.from_url(live.server.url + "/openapi.json")


def replan_bodies(live: Live) -> st.SearchStrategy[dict[str, Any]]:
    """Valid re-planning requests on the real published plan: they reach the solver."""
    problem = tiny_problem(time_limit_s=0.2)
    carers = [c["id"] for c in problem["carers"]]
    visits = [v["id"] for v in problem["visits"]]
    times = st.sampled_from(["08:00", "09:30", "10:30", "11:30"])
    event = st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("carer_unavailable"), "carer_id": st.sampled_from(carers), "from": times}
        ),
        st.fixed_dictionaries({"type": st.just("visit_cancelled"), "visit_id": st.sampled_from(visits)}),
    )
    return st.fixed_dictionaries(
        {
            "problem": st.just(problem),
            "published": st.just(live.published),
            "events": st.fixed_dictionaries({"events": st.lists(event, max_size=2, unique_by=json.dumps)}),
            "now": times,
            "time_limit_s": st.just(0.2),
        }
    )


def fuzz_operation(
    live: Live, api_schema: Any, method: str, path: str, cases: int, run_seed: int
) -> Counter[str]:
    """``cases`` generated requests to one operation, every check on each; their status tally."""
    operation = api_schema[path][method]
    live.prepare()
    tally: Counter[str] = Counter()
    # built once: building a strategy costs far more than drawing from it
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    replans = replan_bodies(live)
    checks = CHECKS if (method, path) in SEMANTIC_BODIES else [*CHECKS, sc.positive_data_acceptance]

    @given(data=st.data())
    @seed(run_seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def fuzz(data: st.DataObject) -> None:
        valid = data.draw(st.booleans())
        case = data.draw(positive if valid else negative)
        # Real state goes into schema-valid cases only: a negative case made valid here would
        # still be judged negative, and its 2xx reported as invalid data accepted.
        if valid and "job_id" in (case.path_parameters or {}) and data.draw(st.booleans()):
            case.path_parameters["job_id"] = data.draw(st.sampled_from(live.job_ids))
            if "number" in case.path_parameters and data.draw(st.booleans()):
                case.path_parameters["number"] = 1  # a solved job's own plan is its version 1
        replan = (method, path) == ("POST", "/v1/replan")
        if valid and replan and data.draw(st.integers(0, REPLAN_SHARE // 2 - 1)) == 0:
            case.body = data.draw(replans)
            tally["replanned"] += 1
        response = case.call(base_url=live.server.url, headers=live.headers)
        tally["cases"] += 1
        tally[f"{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=checks, headers=live.headers)

    try:
        fuzz()
    finally:
        print(f"{method} {path}: {dict(sorted(tally.items()))}", file=sys.stderr)
    return tally


def test_every_operation_is_fuzzed(api_schema: Any) -> None:
    documented = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_generated_requests(method: str, path: str, live: Live, api_schema: Any) -> None:
    tally = fuzz_operation(live, api_schema, method, path, QUICK_CASES, SEED)
    assert tally["5xx"] == 0
    assert tally["cases"] >= (1 if (method, path) in WITHOUT_INPUT else QUICK_CASES)


def test_linked_calls_follow_real_jobs(queued: Live) -> None:
    """Schemathesis' state machine over the document's OpenAPI links: a job created by
    ``POST /v1/plans`` is then read, versioned and deleted by its id, every check on each call."""
    live = queued
    tally: Counter[str] = Counter()
    schema = schemathesis.openapi.from_url(live.server.url + "/openapi.json")
    # schema-valid calls only: ``before_call`` gives half the new jobs a real day and every call
    # carries the key, which would turn a negative case valid (the operations' own fuzzing above
    # sends the negative cases, unaltered)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    base = schema.as_state_machine()

    class Linked(base):  # type: ignore[valid-type,misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": live.server.url, "headers": live.headers}

        def before_call(self, case: Any) -> None:
            """About half the new jobs are a real day, so that the links have a job to follow; which
            half is a function of the generated body, so that hypothesis can replay a run."""
            if (case.method, case.path) == ("POST", "/v1/plans") and zlib.crc32(repr(case.body).encode()) % 2:
                case.body = tiny_problem(time_limit_s=0.2)

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kw: Any
        ) -> None:
            tally[f"{case.method} {case.path} {response.status_code // 100}xx"] += 1
            case.validate_response(response, checks=CHECKS, headers=live.headers)

    try:
        Linked.run(
            settings=settings(
                max_examples=QUICK_CASES,
                stateful_step_count=6,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
        )
    finally:
        print(f"linked: {dict(sorted(tally.items()))}", file=sys.stderr)
    assert not any(key.endswith("5xx") for key in tally)
    on_a_job = ("GET /v1/plans/{job_id}", "DELETE /v1/plans/{job_id}")
    assert any(key.startswith(on_a_job) and key.endswith("2xx") for key in tally)  # a link was followed


@pytest.mark.nightly
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_thousand_random_cases_per_operation(
    method: str, path: str, live: Live, api_schema: Any, request: pytest.FixtureRequest
) -> None:
    """One test per operation, so that a failure in one leaves the others' figures standing."""
    run_seed = random.SystemRandom().randrange(2**32)
    started, load = time.monotonic(), os.getloadavg()
    database, operation = request.node.callspec.params["live"], f"{method} {path}"
    try:
        tally = fuzz_operation(live, api_schema, method, path, SLOW_CASES, run_seed)
    except BaseException as failure:
        record(database, operation, run_seed, {"failed": 1}, started, load)
        print(f"{operation}: seed {run_seed}: {failure!r}"[:2000], file=sys.stderr)
        raise
    record(database, operation, run_seed, dict(tally), started, load)
    assert tally["5xx"] == 0, (method, path, run_seed)
    assert tally["cases"] >= (1 if (method, path) in WITHOUT_INPUT else SLOW_CASES), (method, path, tally)


def record(
    database: str,
    operation: str,
    run_seed: int,
    counts: dict[str, int],
    started: float,
    load: tuple[float, ...],
) -> None:
    """Add one operation's figures to ``CARERUN_FUZZ_RESULTS`` (one entry per database and operation).

    The file is locked while it is read and rewritten: the campaign may run on several workers."""
    target = os.environ.get("CARERUN_FUZZ_RESULTS")
    if not target:
        return
    import fcntl

    from benchmarks.env import machine

    path = Path(target)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        document = json.loads(path.read_text()) if path.exists() else {}
        run = document.setdefault("runs", {}).setdefault(database, {"operations": {}})
        run["operations"][operation] = {
            "seed": run_seed,
            "cases_asked": SLOW_CASES,
            "counts": counts,
            "wall_s": round(time.monotonic() - started, 1),
            "load_before": [round(x, 2) for x in load],
            "load_after": [round(x, 2) for x in os.getloadavg()],
        }
        run["operations_done"] = len(run["operations"])
        run["server_errors"] = sum(c["counts"].get("5xx", 0) for c in run["operations"].values())
        run["machine"] = machine()
        path.write_text(json.dumps(document, indent=2) + "\n")
