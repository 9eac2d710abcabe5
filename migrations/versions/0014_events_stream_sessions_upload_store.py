"""events table; stream sessions in the import history; the uploads folder of a job

- ``events``: what the web app hears over ``/api/events``, written by every process
  (servers, the rebuild process, the CLI, the watcher) and kept for a retention window.
- ``import_records``: ``run_id``, ``session_id``, ``batch_count``, ``last_batch_at`` (a
  run's stream batches gathered in one history entry), with the history's index over the
  records that are no batch.
- ``jobs.upload_store``: the uploads folder that holds the job's file.

Revision ID: 0014
Revises: 0007
Create Date: 2026-12-05 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from strategy_analysis.db.types import JsonDocument, UtcDateTime

revision: str = "0014"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", _BIGINT_ID, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("data", JsonDocument, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_events_created_at"), "events", ["created_at"], unique=False)

    with op.batch_alter_table("import_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("session_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("batch_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_batch_at", UtcDateTime(timezone=True), nullable=True))
    # Files imported before: their run, when they had exactly one.
    op.execute(
        sa.text(
            "UPDATE import_records SET run_id = "
            + (
                "run_ids ->> 0 WHERE CASE WHEN jsonb_typeof(run_ids) = 'array'"
                " THEN jsonb_array_length(run_ids) = 1 ELSE false END"
                if op.get_bind().dialect.name == "postgresql"
                else "json_extract(run_ids, '$[0]') WHERE json_array_length(run_ids) = 1"
            )
        )
    )
    op.create_index(
        "ix_import_records_history",
        "import_records",
        ["created_at", "id"],
        unique=False,
        sqlite_where=sa.text("session_id IS NULL"),
        postgresql_where=sa.text("session_id IS NULL"),
    )
    op.create_index(
        op.f("ix_import_records_session_id_id"), "import_records", ["session_id", "id"]
    )
    op.create_index(
        "ix_import_records_history_run",
        "import_records",
        ["run_id"],
        unique=False,
        sqlite_where=sa.text("session_id IS NULL"),
        postgresql_where=sa.text("session_id IS NULL"),
    )

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload_store", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("upload_store")
    op.drop_index("ix_import_records_history_run", table_name="import_records")
    op.drop_index(op.f("ix_import_records_session_id_id"), table_name="import_records")
    op.drop_index("ix_import_records_history", table_name="import_records")
    with op.batch_alter_table("import_records", schema=None) as batch_op:
        batch_op.drop_column("last_batch_at")
        batch_op.drop_column("batch_count")
        batch_op.drop_column("session_id")
        batch_op.drop_column("run_id")
    op.drop_index(op.f("ix_events_created_at"), table_name="events")
    op.drop_table("events")
