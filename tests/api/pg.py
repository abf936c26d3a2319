"""A PostgreSQL database per pytest-xdist worker, emptied before each test that uses it.

Every worker's tests used to drop and recreate tables in the one CI database, so two workers
raced each other. Here each worker creates its own database beside the CI one (the CI role has
CREATEDB) and owns it alone; a test empties it by recreating the ``public`` schema, which takes
every table, sequence and Alembic's version row with it whatever the schema then holds.
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "CARERUN_TEST_POSTGRES_URL"


def base_url() -> str | None:
    """The CI database's URL, or None when no PostgreSQL is configured here."""
    return os.environ.get(PG_ENV) or None


def worker_database_url(base: str, worker: str) -> str:
    """Create (afresh) the database for ``worker`` beside ``base`` and return its URL."""
    url = make_url(base)
    name = f"{url.database}_{worker}".lower()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(base: str, worker_url: str) -> None:
    name = make_url(worker_url).database
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def empty(url: str) -> None:
    """Drop everything in the database's ``public`` schema (tables, sequences, Alembic's row)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
