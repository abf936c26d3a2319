"""Settings come from CARERUN_* environment variables; a bad value names the variable."""

from __future__ import annotations

import pytest

from api.settings import Settings


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARERUN_WORKERS", "5")
    monkeypatch.setenv("CARERUN_SYNC_MAX_TIME_LIMIT_S", "2.5")
    monkeypatch.setenv("CARERUN_DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1/db")
    settings = Settings.from_env()
    assert (settings.workers, settings.sync_max_time_limit_s) == (5, 2.5)
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert Settings.from_env().max_body_bytes == 10 * 1024 * 1024


def test_sqlite_path_when_no_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARERUN_DATABASE_URL", raising=False)
    monkeypatch.setenv("CARERUN_DB_PATH", "/srv/carerun/jobs.sqlite3")
    assert Settings.from_env().database_url == "sqlite:////srv/carerun/jobs.sqlite3"


@pytest.mark.parametrize(("name", "value"), [("CARERUN_WORKERS", "two"), ("CARERUN_GRACE_S", "-1")])
def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Settings.from_env()
