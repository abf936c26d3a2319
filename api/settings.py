"""Every knob of the HTTP API, read from environment variables once at start-up.

Environment variables, not a config file, because the API runs in containers and CI where the
environment is the one thing every launcher can set. The README lists each variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _number(name: str, default: float, kind: type[int] | type[float]) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected {'an integer' if kind is int else 'a number'}") from None
    if value < 0:
        raise ValueError(f"{name}={raw!r}: must not be negative")
    return value


def _int(name: str, default: int) -> int:
    return int(_number(name, default, int))


def _float(name: str, default: float) -> float:
    return float(_number(name, default, float))


def _positive(name: str, default: float) -> float:
    value = _float(name, default)
    if value <= 0:
        raise ValueError(f"{name}={value:g}: must be more than 0")
    return value


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={raw!r}: expected true or false")


def default_database_url() -> str:
    path = Path(os.environ.get("CARERUN_DB_PATH", "carerun-api.sqlite3")).resolve()
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    max_body_bytes: int = 10 * 1024 * 1024
    max_visits: int = 5000
    max_carers: int = 1000
    max_time_limit_s: float = 600.0
    sync_max_visits: int = 200
    sync_max_time_limit_s: float = 30.0
    workers: int = 2
    sync_concurrency: int = 2
    vroom_time_limit_s: float = 5.0
    per_tenant_jobs: int = 4
    queue_size: int = 100
    grace_s: float = 10.0
    health_ttl_s: float = 30.0
    retry_after_s: int = 5
    dask_scheduler: str | None = None
    # the shared queue (api.store): a claim's lease, renewed every third of it while solving
    lease_s: float = 30.0
    max_attempts: int = 2
    # False: this API only queues jobs, and `carerun worker` processes solve them
    in_process_worker: bool = True
    # ended jobs (problem, plan, versions: personal data) are erased after this long; 0 keeps them
    retention_days: float = 30.0
    # /v1/check and /v1/evaluate run in a synchronous slot and are killed after this long
    check_timeout_s: float = 30.0

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("CARERUN_DATABASE_URL") or default_database_url(),
            max_body_bytes=_int("CARERUN_MAX_BODY_BYTES", cls.max_body_bytes),
            max_visits=_int("CARERUN_MAX_VISITS", cls.max_visits),
            max_carers=_int("CARERUN_MAX_CARERS", cls.max_carers),
            max_time_limit_s=_float("CARERUN_MAX_TIME_LIMIT_S", cls.max_time_limit_s),
            sync_max_visits=_int("CARERUN_SYNC_MAX_VISITS", cls.sync_max_visits),
            sync_max_time_limit_s=_float("CARERUN_SYNC_MAX_TIME_LIMIT_S", cls.sync_max_time_limit_s),
            workers=_int("CARERUN_WORKERS", cls.workers),
            sync_concurrency=_int("CARERUN_SYNC_CONCURRENCY", cls.sync_concurrency),
            vroom_time_limit_s=_float("CARERUN_VROOM_TIME_LIMIT_S", cls.vroom_time_limit_s),
            per_tenant_jobs=_int("CARERUN_TENANT_JOBS", cls.per_tenant_jobs),
            queue_size=_int("CARERUN_QUEUE_SIZE", cls.queue_size),
            grace_s=_float("CARERUN_GRACE_S", cls.grace_s),
            health_ttl_s=_float("CARERUN_HEALTH_TTL_S", cls.health_ttl_s),
            retry_after_s=_int("CARERUN_RETRY_AFTER_S", cls.retry_after_s),
            dask_scheduler=os.environ.get("CARERUN_DASK_SCHEDULER") or None,
            lease_s=_positive("CARERUN_LEASE_S", cls.lease_s),
            max_attempts=max(_int("CARERUN_MAX_ATTEMPTS", cls.max_attempts), 1),
            in_process_worker=_flag("CARERUN_IN_PROCESS_WORKER", cls.in_process_worker),
            retention_days=_float("CARERUN_RETENTION_DAYS", cls.retention_days),
            check_timeout_s=_float("CARERUN_CHECK_TIMEOUT_S", cls.check_timeout_s),
        )
