"""Alembic's environment for the API's database: always run by ``api.migrate`` on a connection
it has locked, so this file only hands that connection to Alembic."""

from __future__ import annotations

from alembic import context

from api.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
