"""The tables as the API first made them (keys, jobs, plan versions).

Databases made before migrations already have them (the API created them itself): each table
is made only when absent, so such a database is adopted as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "api_keys" not in present:
        op.create_table(
            "api_keys",
            sa.Column("id", sa.String(16), primary_key=True),
            sa.Column("tenant", sa.String(200), nullable=False, index=True),
            sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("revoked_at", sa.Float, nullable=True),
        )
    if "jobs" not in present:
        op.create_table(
            "jobs",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("tenant", sa.String(200), nullable=False, index=True),
            sa.Column("status", sa.String(16), nullable=False, index=True),
            sa.Column("problem", sa.Text, nullable=False),
            sa.Column("solution", sa.Text, nullable=True),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("visits", sa.Integer, nullable=False),
            sa.Column("time_limit_s", sa.Float, nullable=False),
            sa.Column("stop_requested", sa.Boolean, nullable=False),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("updated_at", sa.Float, nullable=False),
        )
    if "plan_versions" not in present:
        op.create_table(
            "plan_versions",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("job_id", sa.String(32), nullable=False, index=True),
            sa.Column("number", sa.Integer, nullable=False),
            sa.Column("label", sa.String(200), nullable=False),
            sa.Column("problem", sa.Text, nullable=False),
            sa.Column("solution", sa.Text, nullable=False),
            sa.Column("violations", sa.Integer, nullable=False),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.UniqueConstraint("job_id", "number", name="uq_plan_versions_job_number"),
        )


def downgrade() -> None:
    op.drop_table("plan_versions")
    op.drop_table("jobs")
    op.drop_table("api_keys")
