"""``carerun keys`` (through the installed command's Typer app) and ``carerun db`` (its own Typer
app: the installed metadata learns new commands only on reinstall) against a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import db_app
from api.migrate import current, head
from api.store import Store
from solver.cli import app

ROOT = Path(__file__).resolve().parents[2]


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


def test_db_upgrade_migrates_and_adopts_a_database_made_before_migrations(db: Path) -> None:
    """A database the API made with create_all (no Alembic row) is adopted, then upgraded."""
    from sqlalchemy import Column, Float, MetaData, String, Table, create_engine, inspect

    old = MetaData()
    Table("api_keys", old, Column("id", String(16), primary_key=True), Column("created_at", Float))
    engine = create_engine(f"sqlite:///{db}")
    old.create_all(engine)
    result = CliRunner().invoke(db_app, ["upgrade"])
    assert result.exit_code == 0 and f"revision {head()}" in result.stderr
    assert current(engine) == head()
    assert {"owner", "lease_until", "attempts"} <= {c["name"] for c in inspect(engine).get_columns("jobs")}
    engine.dispose()


def test_db_purge_erases_only_old_ended_jobs(db: Path) -> None:
    store = Store(f"sqlite:///{db}")
    job_id = store.submit("acme", "{}", 1, 1.0, per_tenant=5, queue=5)
    store.finish(job_id, "failed", error="x")
    runner = CliRunner()
    kept = runner.invoke(db_app, ["purge", "--days", "1"])
    assert kept.exit_code == 0 and "erased 0 job(s)" in kept.stderr and store.get(job_id) is not None
    gone = runner.invoke(db_app, ["purge", "--days", "0.0000001"])
    assert gone.exit_code == 0 and "erased 1 job(s)" in gone.stderr and store.get(job_id) is None


def test_the_module_runs_the_same_commands_without_installed_entry_points() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "worker", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0 and "lease" in out.stdout


def test_pyproject_declares_the_commands_and_ships_the_migrations() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    commands = project["project"]["entry-points"]["carerun.commands"]
    assert commands == {
        "serve": "api.cli:serve",
        "keys": "api.cli:keys_app",
        "worker": "api.cli:worker",
        "db": "api.cli:db_app",
    }
    assert any(d.startswith("alembic>=") for d in project["project"]["dependencies"])
    # modules of a package (an __init__.py each) go into the wheel; the template is package data
    assert (ROOT / "api" / "migrations" / "__init__.py").exists()
    assert (ROOT / "api" / "migrations" / "versions" / "__init__.py").exists()
    assert project["tool"]["setuptools"]["package-data"]["api.migrations"] == ["script.py.mako"]
