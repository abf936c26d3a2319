"""Fixtures shared by the solver's road-travel tests (travel, CLI and simulator)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def helsinki_tiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Valhalla tiles of the Helsinki extract, built once per test run."""
    from tests.solver.roads import shared_tiles

    return shared_tiles(tmp_path_factory)


@pytest.fixture
def roads_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A road-matrix cache of the test's own, never the user's."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("CARERUN_ROADS_CACHE", str(cache))
    return cache
