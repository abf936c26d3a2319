"""Schemathesis against the live OpenAPI document of a real server: 500 generated cases per
operation, no 5xx, every response inside the documented status codes, content types and schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as schemathesis_checks

from tests.api.server import Server

pytestmark = pytest.mark.slow
CASES = 500
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


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    db: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    with Server(db, **FAST) as server:
        yield server, server.cli("keys", "create", "--tenant", "fuzz")


@pytest.fixture(scope="module")
def api_schema(live: tuple[Server, str]) -> Any:
    server, _ = live
    return schemathesis.openapi.from_url(server.url + "/openapi.json")


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
WITHOUT_INPUT = {("GET", "/v1/plans"), ("GET", "/v1/schema"), ("GET", "/health")}  # few distinct cases exist
CHECKS = [
    schemathesis_checks.not_a_server_error,
    schemathesis_checks.status_code_conformance,
    schemathesis_checks.content_type_conformance,
    schemathesis_checks.response_schema_conformance,
    schemathesis_checks.response_headers_conformance,
]


def test_every_operation_is_fuzzed(api_schema: Any) -> None:
    documented = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert documented == set(OPERATIONS)


# Schemathesis' own pytest plugin does not run under pytest 9, so each operation's strategy is
# driven by hypothesis directly; the checks are the same.
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_generated_requests(method: str, path: str, live: tuple[Server, str], api_schema: Any) -> None:
    server, key = live
    operation = api_schema[path][method]
    ran: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=CASES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def fuzz(case: Any) -> None:
        ran.append(1)
        case.call_and_validate(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

    fuzz()
    assert len(ran) >= (1 if (method, path) in WITHOUT_INPUT else CASES)
