"""``carerun keys ...`` and ``carerun serve``: the API's commands, as ``carerun.commands`` entry points."""

from __future__ import annotations

import sys
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
