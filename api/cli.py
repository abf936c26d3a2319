"""``carerun keys``, ``serve``, ``worker`` and ``db``: the API's commands, as ``carerun.commands``
entry points. ``python -m api.cli`` runs the same commands from a checkout that was not installed."""

from __future__ import annotations

import dataclasses
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.settings import Settings

if TYPE_CHECKING:
    from api.store import Store

keys_app = typer.Typer(
    no_args_is_help=True, help="API keys: each belongs to one tenant (provider or council)."
)
err = Console(stderr=True)


def _store() -> Store:
    from api.store import Store  # SQLAlchemy only for the commands that need it

    return Store(Settings.from_env().database_url)


@keys_app.command("create")
def create(tenant: Annotated[str, typer.Option("--tenant", help="Provider or commissioner name.")]) -> None:
    """Print a new key for TENANT (shown once; only its hash is stored)."""
    if not tenant.strip() or len(tenant) > 200:
        err.print("error: --tenant must be 1 to 200 characters", markup=False)
        raise typer.Exit(2)
    key_id, key = _store().create_key(tenant)
    err.print(f"key {key_id} for tenant {tenant!r}; store it now, it cannot be shown again", markup=False)
    sys.stdout.write(key + "\n")


@keys_app.command("list")
def list_keys(tenant: Annotated[str | None, typer.Option("--tenant")] = None) -> None:
    """Every key's id, tenant, creation and revocation time (never the key)."""
    table = Table("id", "tenant", "created", "revoked")
    for k in _store().list_keys(tenant):
        when = datetime.fromtimestamp(k.created_at, UTC).isoformat(timespec="seconds")
        gone = datetime.fromtimestamp(k.revoked_at, UTC).isoformat(timespec="seconds") if k.revoked_at else ""
        table.add_row(k.id, k.tenant, when, gone)
    Console().print(table)


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The id shown by `keys list`.")]) -> None:
    """Revoke a key at once: requests with it get 401."""
    if not _store().revoke_key(key_id):
        err.print(f"error: no live key with id {key_id!r}", markup=False)
        raise typer.Exit(2)
    err.print(f"revoked {key_id}", markup=False)


def serve(
    host: Annotated[
        str, typer.Option(help="Interface; loopback unless you mean to expose it.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Run the HTTP API (uvicorn). Configuration comes from CARERUN_* environment variables."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, log_level="info")


def worker(
    workers: Annotated[
        int | None, typer.Option(min=1, help="Jobs solving at once here (default CARERUN_WORKERS).")
    ] = None,
) -> None:
    """Solve queued jobs from the database at CARERUN_DATABASE_URL until SIGINT or SIGTERM.

    Run any number of these, on any machines, against one PostgreSQL database; set
    CARERUN_IN_PROCESS_WORKER=false on the API so that it only queues. A clean stop puts the
    jobs it interrupts back in the queue; a killed worker's jobs go back when its lease expires."""
    from api.runner import Dispatcher
    from api.store import Store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    if workers is not None:
        settings = dataclasses.replace(settings, workers=workers)
    store = Store(settings.database_url)
    dispatcher = Dispatcher(store, settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    dispatcher.start()
    err.print(f"worker {dispatcher.owner}: {settings.workers} slot(s) on {_safe(store.url)}", markup=False)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        dispatcher.close()
        store.close()
    err.print(f"worker {dispatcher.owner} stopped", markup=False)


def _safe(url: str) -> str:
    """A database URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


db_app = typer.Typer(no_args_is_help=True, help="The API's database: schema migrations and retention.")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Alembic revision; the newest by default.")] = "head",
) -> None:
    """Migrate the database at CARERUN_DATABASE_URL (each server and worker also does at start)."""
    from api.migrate import upgrade
    from api.store import make_engine

    url = Settings.from_env().database_url
    engine = make_engine(url)
    try:
        now = upgrade(engine, revision)
    finally:
        engine.dispose()
    err.print(f"{_safe(url)} is at revision {now}", markup=False)


@db_app.command("purge")
def db_purge(
    days: Annotated[
        float | None,
        typer.Option(min=0, help="Erase ended jobs older than this (default CARERUN_RETENTION_DAYS)."),
    ] = None,
) -> None:
    """Erase ended jobs past the retention time now, with their problems, plans and versions."""
    settings = Settings.from_env()
    keep = settings.retention_days if days is None else days
    if keep <= 0:
        err.print("error: retention is off (CARERUN_RETENTION_DAYS=0); pass --days", markup=False)
        raise typer.Exit(2)
    gone = _store().purge(keep * 86400)
    err.print(f"erased {gone} job(s) that ended more than {keep:g} days ago", markup=False)


def main() -> None:
    """``python -m api.cli``: the API's commands without the installed ``carerun`` entry points."""
    app = typer.Typer(no_args_is_help=True)
    app.add_typer(keys_app, name="keys")
    app.add_typer(db_app, name="db")
    app.command("serve")(serve)
    app.command("worker")(worker)
    app()


if __name__ == "__main__":
    main()
