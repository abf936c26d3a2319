"""Jobs, problems, solutions and API keys in SQLite (WAL) or PostgreSQL, through SQLAlchemy Core.

The database is the only state the API keeps, so a restart loses nothing: every job is a row,
and its problem and solution are JSON text beside it. One API process dispatches the jobs of a
database; solving may still happen on many machines (see ``api.runner``).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
    text,
    update,
)

STATUSES = ("queued", "solving", "solved", "failed", "cancelled")
ACTIVE = ("queued", "solving")
KEY_PREFIX = "crk_"
RESTART_REASON = "the server stopped while this job was solving; submit it again"

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("tenant", String(200), nullable=False, index=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant", String(200), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("problem", Text, nullable=False),
    Column("solution", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("visits", Integer, nullable=False),
    Column("time_limit_s", Float, nullable=False),
    Column("stop_requested", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)


@dataclass(frozen=True)
class Job:
    id: str
    tenant: str
    status: str
    problem: str
    solution: str | None
    error: str | None
    visits: int
    time_limit_s: float
    stop_requested: bool
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class KeyInfo:
    id: str
    tenant: str
    created_at: float
    revoked_at: float | None


class Overloaded(Exception):
    """A submission the limits refuse; ``reason`` is the sentence for the client (429)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def hash_key(key: str) -> str:
    """Keys are 256 random bits, so one SHA-256 suffices (no password stretching needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    """All reads and writes of the API's database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self._submit_lock = threading.Lock()
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # ------------------------------------------------------------------ keys
    def create_key(self, tenant: str) -> tuple[str, str]:
        """A new key for ``tenant``: (key id, the key itself, shown once and never stored)."""
        key_id = secrets.token_hex(4)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._tx() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key_id, tenant=tenant, key_hash=hash_key(key), created_at=time.time()
                )
            )
        return key_id, key

    def list_keys(self, tenant: str | None = None) -> list[KeyInfo]:
        query = select(api_keys.c.id, api_keys.c.tenant, api_keys.c.created_at, api_keys.c.revoked_at)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(api_keys.c.created_at)).all()
        return [KeyInfo(r.id, r.tenant, r.created_at, r.revoked_at) for r in rows]

    def revoke_key(self, key_id: str) -> bool:
        with self._tx() as conn:
            result = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=time.time())
            )
        return result.rowcount == 1

    def tenant_of(self, key: str) -> str | None:
        """The tenant a live key belongs to; None for unknown or revoked keys."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_keys.c.tenant).where(
                    api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None)
                )
            ).first()
        return None if row is None else str(row.tenant)

    # ------------------------------------------------------------------ jobs
    def submit(
        self, tenant: str, problem_json: str, visits: int, time_limit_s: float, per_tenant: int, queue: int
    ) -> str:
        """Queue a job, or raise Overloaded when the tenant or the queue is full."""
        job_id = uuid.uuid4().hex
        now = time.time()
        with self._submit_lock, self._tx() as conn:
            if self.is_postgres:  # serialise submissions across API processes
                conn.execute(text("SELECT pg_advisory_xact_lock(7341)"))
            mine = conn.execute(
                select(func.count())
                .select_from(jobs)
                .where(jobs.c.tenant == tenant, jobs.c.status.in_(ACTIVE))
            ).scalar_one()
            if mine >= per_tenant:
                raise Overloaded(f"tenant already has {mine} jobs queued or solving (limit {per_tenant})")
            queued = conn.execute(
                select(func.count()).select_from(jobs).where(jobs.c.status == "queued")
            ).scalar_one()
            if queued >= queue:
                raise Overloaded(f"the queue is full ({queued} jobs waiting)")
            conn.execute(
                jobs.insert().values(
                    id=job_id,
                    tenant=tenant,
                    status="queued",
                    problem=problem_json,
                    visits=visits,
                    time_limit_s=time_limit_s,
                    stop_requested=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        return job_id

    def get(self, job_id: str, tenant: str | None = None) -> Job | None:
        """A job by id; with ``tenant``, another tenant's job is None, exactly like an unknown id."""
        query = select(jobs).where(jobs.c.id == job_id)
        if tenant is not None:
            query = query.where(jobs.c.tenant == tenant)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else Job(**row._asdict())

    def list_jobs(self, tenant: str, limit: int = 100) -> list[Job]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(jobs)
                .where(jobs.c.tenant == tenant)
                .order_by(jobs.c.created_at.desc(), jobs.c.id)
                .limit(limit)
            ).all()
        return [Job(**r._asdict()) for r in rows]

    def claim_next(self) -> Job | None:
        """Move the oldest queued job to ``solving`` and return it; None when nothing waits."""
        with self._tx() as conn:
            row = conn.execute(
                select(jobs.c.id)
                .where(jobs.c.status == "queued")
                .order_by(jobs.c.created_at, jobs.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            claimed = conn.execute(
                update(jobs)
                .where(jobs.c.id == row.id, jobs.c.status == "queued")
                .values(status="solving", updated_at=time.time())
            )
            if claimed.rowcount != 1:
                return None
        return self.get(row.id)

    def finish(self, job_id: str, status: str, solution: str | None = None, error: str | None = None) -> None:
        assert status in STATUSES
        with self._tx() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(status=status, solution=solution, error=error, updated_at=time.time())
            )

    def request_stop(self, job_id: str, tenant: str) -> Job | None:
        """Ask a job to stop: a queued job is cancelled at once, a solving one keeps its best plan."""
        now = time.time()
        with self._tx() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.tenant == tenant, jobs.c.status == "queued")
                .values(
                    status="cancelled",
                    stop_requested=True,
                    error="cancelled before it started",
                    updated_at=now,
                )
            )
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.tenant == tenant, jobs.c.status == "solving")
                .values(stop_requested=True, updated_at=now)
            )
        return self.get(job_id, tenant)

    def stop_requested(self, job_id: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs.c.stop_requested).where(jobs.c.id == job_id)).first()
        return bool(row and row.stop_requested)

    def requeue(self, job_id: str) -> bool:
        """Put a solving job back in the queue (a clean shutdown interrupted it, not the job)."""
        with self._tx() as conn:
            result = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == "solving")
                .values(status="queued", updated_at=time.time())
            )
        return result.rowcount == 1

    def recover(self) -> int:
        """At start-up: jobs left ``solving`` by a dead process become ``failed`` with the reason."""
        with self._tx() as conn:
            result = conn.execute(
                update(jobs)
                .where(jobs.c.status == "solving")
                .values(status="failed", error=RESTART_REASON, updated_at=time.time())
            )
        return int(result.rowcount)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
        return {str(status): int(n) for status, n in rows}
