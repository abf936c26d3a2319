"""Shared fixtures: a real app on a real SQLite file, keys for two tenants, small problems."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api import pg
from tests.api.pg import PG_ENV
from tests.solver.tiny import DIST, DUR, A, B, C, H, carer, visit

ROOT = Path(__file__).resolve().parents[2]


def tiny_problem(**options: Any) -> dict[str, Any]:
    """Two carers, three visits on the hand-checkable tiny world; solves in well under a second."""
    return {
        "id": "tiny",
        "carers": [carer("c1"), carer("c2")],
        "visits": [visit("v1", A), visit("v2", B, "10:00", "11:00"), visit("v3", C, "11:00", "12:00")],
        "travel": {
            "model": "matrix",
            "locations": [H, A, B, C],
            "durations_s": {"car": DUR},
            "distances_m": {"car": DIST},
        },
        "options": {"time_limit_s": 1, "seed": 0, "solution_limit": 50, **options},
    }


def instance(name: str, time_limit_s: float) -> dict[str, Any]:
    data = json.loads((ROOT / "instances" / "homecare" / name).read_text())
    data = copy.deepcopy(data)
    data["options"] = {"time_limit_s": time_limit_s, "seed": 0}
    return data


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """This xdist worker's own PostgreSQL database (created at first use, dropped at the end);
    skips when CARERUN_TEST_POSTGRES_URL is not set (.ci/run sets it)."""
    base = pg.base_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL here (.ci/run installs and sets one)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = pg.worker_database_url(base, worker)
    yield url
    pg.drop_database(base, url)


@pytest.fixture
def empty_postgres(postgres_url: str) -> str:
    """The worker's PostgreSQL database with nothing in it."""
    pg.empty(postgres_url)
    return postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite always; PostgreSQL (this worker's own database, emptied) when it is configured."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    return str(request.getfixturevalue("empty_postgres"))


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'api.sqlite3'}",
        "grace_s": 5.0,
        "workers": 1,
        "sync_concurrency": 1,
        "vroom_time_limit_s": 1.0,
    }
    return Settings(**{**base, **overrides})


class Api:
    """A TestClient on a live app (lifespan and dispatcher running) plus two tenants' keys."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        store = client.app.state.store  # type: ignore[attr-defined]
        self.key = store.create_key("acme-care")[1]
        self.other_key = store.create_key("wiltshire-council")[1]

    def headers(self, other: bool = False) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.other_key if other else self.key}"}


def open_api(tmp_path: Path, **overrides: Any) -> Iterator[Api]:
    with TestClient(create_app(make_settings(tmp_path, **overrides))) as client:
        yield Api(client)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from open_api(tmp_path)
