"""orders and executions without a foreign key to runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 22:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("orders", "executions")


def upgrade() -> None:
    # The per-row key check keeps PostgreSQL's COPY from batching the rows of a new run;
    # the importer writes a run before its orders and executions, and no run is deleted.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_run_id_runs"), type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_run_id_runs"),
                "runs",
                ["run_id"],
                ["run_id"],
                ondelete="CASCADE",
            )
