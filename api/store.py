"""Jobs, problems, solutions and API keys in SQLite (WAL) or PostgreSQL, through SQLAlchemy Core.

The database is the only state the API keeps, so a restart loses nothing: every job is a row,
and its problem and solution are JSON text beside it. The jobs table is also the queue that any
number of workers share (``carerun worker`` on other machines, or the API's own): a worker claims
a job with ``SELECT ... FOR UPDATE SKIP LOCKED``, becomes its owner for a lease it renews while it
solves, and may record the outcome only while it still owns the job. A worker that dies stops
renewing; once its lease has expired any worker puts the job back in the queue, or fails it after
``max_attempts`` tries. The schema is Alembic's (``api.migrations``), never ``create_all``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import random
import re
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
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

STATUSES = ("queued", "solving", "solved", "failed", "cancelled")
ACTIVE = ("queued", "solving")
KEY_PREFIX = "crk_"
RESTART_REASON = "the worker solving this job stopped (its lease expired) too often; submit it again"
ERASED = ("solved", "failed", "cancelled")
JOB_ID = re.compile(r"[0-9a-f]{32}")
log = logging.getLogger("carerun.store")
FIRST_KEPT_VERSION = 2  # version 1 is the job's own plan, read from the job row
VERSION_RETRIES = 50  # racing writers of one job's next version number

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
    # the queue: who solves the job, until when its claim holds, how many claims it has had
    Column("owner", String(100), nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Index("ix_jobs_status_created", "status", "created_at"),
    Index("ix_jobs_tenant_created", "tenant", "created_at"),
)

# Versions a coordinator kept of a job's plan (changes by hand, re-plans). The job's own plan is
# version 1 and is not copied here: rows are numbered from FIRST_KEPT_VERSION, per job.
plan_versions = Table(
    "plan_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(32), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("problem", Text, nullable=False),
    Column("solution", Text, nullable=False),
    Column("violations", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("job_id", "number", name="uq_plan_versions_job_number"),
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
    owner: str | None = None
    lease_until: float | None = None
    attempts: int = 0


@dataclass(frozen=True)
class Page:
    """One page of a tenant's jobs, newest first; ``cursor`` fetches the next (None: no more)."""

    jobs: list[Job]
    cursor: str | None


@dataclass(frozen=True)
class KeyInfo:
    id: str
    tenant: str
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True)
class VersionInfo:
    """A kept version without its documents, for lists."""

    number: int
    label: str
    violations: int
    created_at: float


@dataclass(frozen=True)
class Version(VersionInfo):
    problem: str
    solution: str


class Overloaded(Exception):
    """A submission the limits refuse; ``reason`` is the sentence for the client (429)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadCursor(ValueError):
    """A paging cursor this server did not hand out."""


def valid_job_id(job_id: str) -> bool:
    """Job ids are 32 hex digits (uuid4); anything else cannot name a job, and must not reach a
    query (PostgreSQL refuses text with NUL bytes outright)."""
    return JOB_ID.fullmatch(job_id) is not None


def encode_cursor(created_at: float, job_id: str) -> str:
    raw = json.dumps([created_at, job_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """The (created_at, id) a cursor resumes after; BadCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, job_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if not isinstance(created_at, int | float) or not isinstance(job_id, str) or not valid_job_id(job_id):
        raise BadCursor(cursor)
    return float(created_at), job_id


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

    def __init__(self, url: str, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self._submit_lock = threading.Lock()
        if migrate:
            from api.migrate import upgrade

            upgrade(self.engine)

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
        if not valid_job_id(job_id):
            return None
        query = select(jobs).where(jobs.c.id == job_id)
        if tenant is not None:
            query = query.where(jobs.c.tenant == tenant)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else Job(**row._asdict())

    def list_jobs(self, tenant: str, limit: int = 100, cursor: str | None = None) -> Page:
        """A page of the tenant's jobs, newest first, resuming after ``cursor`` (keyset paging, so
        a page costs the same however deep it is). BadCursor for a cursor not handed out here."""
        query = select(jobs).where(jobs.c.tenant == tenant)
        if cursor is not None:
            created_at, job_id = decode_cursor(cursor)
            query = query.where(
                (jobs.c.created_at < created_at) | ((jobs.c.created_at == created_at) & (jobs.c.id < job_id))
            )
        query = query.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit + 1)
        with self.engine.connect() as conn:
            found = [Job(**r._asdict()) for r in conn.execute(query).all()]
        more = len(found) > limit
        page = found[:limit]
        return Page(page, encode_cursor(page[-1].created_at, page[-1].id) if more and page else None)

    def claim_next(self, owner: str = "", lease_s: float = 60.0) -> Job | None:
        """Claim the oldest queued job for ``owner`` until ``lease_s`` from now; None when nothing
        waits. SKIP LOCKED lets many workers claim at once without waiting on each other."""
        now = time.time()
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
                .values(
                    status="solving",
                    owner=owner,
                    lease_until=now + lease_s,
                    attempts=jobs.c.attempts + 1,
                    updated_at=now,
                )
            )
            if claimed.rowcount != 1:
                return None
        return self.get(row.id)

    def heartbeat(self, job_ids: list[str], owner: str, lease_s: float) -> set[str]:
        """Renew ``owner``'s lease on ``job_ids``; the ids it no longer owns (another worker
        took them over after the lease ran out, or they were erased) come back to be abandoned."""
        if not job_ids:
            return set()
        with self._tx() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id.in_(job_ids), jobs.c.owner == owner, jobs.c.status == "solving")
                .values(lease_until=time.time() + lease_s)
            )
            held = conn.execute(
                select(jobs.c.id).where(
                    jobs.c.id.in_(job_ids), jobs.c.owner == owner, jobs.c.status == "solving"
                )
            ).scalars()
            return set(job_ids) - set(held)

    def finish(
        self,
        job_id: str,
        status: str,
        solution: str | None = None,
        error: str | None = None,
        owner: str | None = None,
    ) -> bool:
        """Record how a job ended. With ``owner`` (every worker passes it) only while that worker
        still owns the job and it is solving: a stale owner's result is refused (False, logged),
        so a job ends exactly once however many workers once held it. Without ``owner`` it is an
        operator's write and applies whatever the state."""
        assert status in STATUSES
        query = update(jobs).where(jobs.c.id == job_id)
        if owner is not None:
            query = query.where(jobs.c.owner == owner, jobs.c.status == "solving")
        with self._tx() as conn:
            done = conn.execute(
                query.values(
                    status=status, solution=solution, error=error, lease_until=None, updated_at=time.time()
                )
            ).rowcount
        if not done:
            log.warning("refused %s for job %s from %s: it no longer owns the job", status, job_id, owner)
        return bool(done)

    def request_stop(self, job_id: str, tenant: str) -> Job | None:
        """Ask a job to stop: a queued job is cancelled at once, a solving one keeps its best plan."""
        if not valid_job_id(job_id):
            return None
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

    def requeue(self, job_id: str, owner: str | None = None) -> bool:
        """Put a solving job back in the queue (a clean shutdown interrupted it, not the job, so
        the claim does not count as a try). With ``owner``, only a job that worker still owns."""
        query = update(jobs).where(jobs.c.id == job_id, jobs.c.status == "solving")
        if owner is not None:
            query = query.where(jobs.c.owner == owner)
        with self._tx() as conn:
            result = conn.execute(
                query.values(
                    status="queued",
                    owner=None,
                    lease_until=None,
                    attempts=case((jobs.c.attempts > 0, jobs.c.attempts - 1), else_=0),
                    updated_at=time.time(),
                )
            )
        return result.rowcount == 1

    def reap(self, max_attempts: int, now: float | None = None) -> tuple[int, int]:
        """Jobs whose lease ran out (their worker died or hung): back to the queue, or ``failed``
        with the reason once they have had ``max_attempts`` claims. (requeued, failed)."""
        now = time.time() if now is None else now
        expired = (jobs.c.status == "solving") & (jobs.c.lease_until.is_(None) | (jobs.c.lease_until < now))
        with self._tx() as conn:
            failed = conn.execute(
                update(jobs)
                .where(expired, jobs.c.attempts >= max_attempts)
                .values(status="failed", error=RESTART_REASON, lease_until=None, updated_at=now)
            ).rowcount
            requeued = conn.execute(
                update(jobs)
                .where(expired)
                .values(status="queued", owner=None, lease_until=None, updated_at=now)
            ).rowcount
        if failed or requeued:
            log.warning("expired leases: %d job(s) back in the queue, %d failed", requeued, failed)
        return int(requeued), int(failed)

    def recover(self, max_attempts: int = 1) -> int:
        """Jobs left ``solving`` with an expired lease: requeued or failed (see ``reap``); how many
        failed. A job another live worker holds is left alone, whatever process starts."""
        return self.reap(max_attempts)[1]

    def purge(self, older_than_s: float, now: float | None = None) -> int:
        """Erase ended jobs (with their problems, plans and versions) not touched for
        ``older_than_s``: the retention limit on personal data. How many jobs went."""
        cutoff = (time.time() if now is None else now) - older_than_s
        old = select(jobs.c.id).where(jobs.c.status.in_(ERASED), jobs.c.updated_at < cutoff)
        with self._tx() as conn:
            conn.execute(delete(plan_versions).where(plan_versions.c.job_id.in_(old)))
            gone = conn.execute(delete(jobs).where(jobs.c.status.in_(ERASED), jobs.c.updated_at < cutoff))
        return int(gone.rowcount)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
        return {str(status): int(n) for status, n in rows}

    # ------------------------------------------------------------------ versions
    def add_version(
        self, job_id: str, tenant: str, label: str, problem_json: str, solution_json: str, violations: int
    ) -> VersionInfo | None:
        """Keep a version of a job's plan under the next free number; None when the tenant has
        no such job. Two writers racing for one number: the loser retries with the next, after a
        short random pause (SQLite takes no row lock, and four writers on a loaded machine lost
        five races in a row)."""
        if not valid_job_id(job_id):
            return None
        for attempt in range(VERSION_RETRIES):
            try:
                return self._insert_version(job_id, tenant, label, problem_json, solution_json, violations)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise RuntimeError(f"could not number a new version of job {job_id!r}")

    def _insert_version(
        self, job_id: str, tenant: str, label: str, problem_json: str, solution_json: str, violations: int
    ) -> VersionInfo | None:
        now = time.time()
        with self._tx() as conn:
            owner = conn.execute(
                select(jobs.c.id).where(jobs.c.id == job_id, jobs.c.tenant == tenant).with_for_update()
            ).first()
            if owner is None:
                return None
            last = conn.execute(
                select(func.max(plan_versions.c.number)).where(plan_versions.c.job_id == job_id)
            ).scalar_one()
            number = FIRST_KEPT_VERSION if last is None else int(last) + 1
            conn.execute(
                plan_versions.insert().values(
                    job_id=job_id,
                    number=number,
                    label=label,
                    problem=problem_json,
                    solution=solution_json,
                    violations=violations,
                    created_at=now,
                )
            )
        return VersionInfo(number, label, violations, now)

    def list_versions(self, job_id: str, tenant: str) -> list[VersionInfo] | None:
        """The kept versions of a job, oldest first; None when the tenant has no such job."""
        if self.get(job_id, tenant) is None:
            return None
        v = plan_versions.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(v.number, v.label, v.violations, v.created_at)
                .where(v.job_id == job_id)
                .order_by(v.number)
            ).all()
        return [VersionInfo(r.number, r.label, r.violations, r.created_at) for r in rows]

    def get_version(self, job_id: str, tenant: str, number: int) -> Version | None:
        """One kept version with its problem and solution; None for another tenant's job too."""
        if not valid_job_id(job_id):
            return None
        v = plan_versions.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(v.number, v.label, v.violations, v.created_at, v.problem, v.solution)
                .join_from(plan_versions, jobs, jobs.c.id == v.job_id)
                .where(v.job_id == job_id, v.number == number, jobs.c.tenant == tenant)
            ).first()
        return None if row is None else Version(**row._asdict())

    def delete_job(self, job_id: str, tenant: str) -> bool:
        """Erase a job and every version kept of it (they hold the same personal data). A worker
        still solving it loses it at its next heartbeat, and its result is refused."""
        if not valid_job_id(job_id):
            return False
        with self._tx() as conn:
            owned = conn.execute(delete(jobs).where(jobs.c.id == job_id, jobs.c.tenant == tenant)).rowcount
            if owned:
                conn.execute(delete(plan_versions).where(plan_versions.c.job_id == job_id))
        return bool(owned)
