"""Schema migrations (Alembic, shipped in ``api.migrations``), run once however many processes start.

Every API process and every ``carerun worker`` upgrades the database when it starts, and
``carerun db upgrade`` does it ahead of a deployment. On PostgreSQL the upgrade runs under a
session advisory lock, so processes starting together take turns and the later ones find
nothing to do; on SQLite (one machine) a lock file beside the database does the same.
"""

from __future__ import annotations

import fcntl
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATION_LOCK = 7342  # pg_advisory_lock key; the submission lock is 7341
_local = threading.Lock()


def config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "api:migrations")
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@functools.cache
def head() -> str:
    """The newest revision this code knows (read once: the scripts do not change under us)."""
    found = ScriptDirectory.from_config(config()).get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    """The revision the database is at; None before the first upgrade."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    with _local, engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
                conn.commit()
            return
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            yield conn
            return
        with Path(database + ".migrate-lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield conn
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database to ``revision`` under the lock; the revision it ends at."""
    with _locked(engine) as conn:
        if MigrationContext.configure(conn).get_current_revision() != head() or revision != "head":
            command.upgrade(config(conn), revision)
            conn.commit()
        return MigrationContext.configure(conn).get_current_revision()
