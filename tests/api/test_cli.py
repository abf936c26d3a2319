"""``carerun keys`` against a real SQLite file, through the installed command's Typer app."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.store import Store
from solver.cli import app


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys.sqlite3"
    monkeypatch.setenv("CARERUN_DB_PATH", str(path))
    monkeypatch.delenv("CARERUN_DATABASE_URL", raising=False)
    return path


def test_create_list_revoke(db: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--tenant", "acme-care"])
    assert created.exit_code == 0
    key = created.stdout.strip().splitlines()[-1]
    store = Store(f"sqlite:///{db}")
    assert store.tenant_of(key) == "acme-care"
    (info,) = store.list_keys()
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0 and info.id in listed.stdout and key not in listed.stdout
    assert runner.invoke(app, ["keys", "revoke", info.id]).exit_code == 0
    assert store.tenant_of(key) is None
    again = runner.invoke(app, ["keys", "revoke", info.id])
    assert again.exit_code == 2 and "no live key" in again.stderr


def test_create_needs_a_tenant_name(db: Path) -> None:
    assert CliRunner().invoke(app, ["keys", "create", "--tenant", " "]).exit_code == 2
