"""analysis_failures: (run, symbol) pairs whose last rebuild failed; jobs.failed_phase

A rebuild that fails leaves a row per (run, symbol) it was rebuilding, with the reason and
when; the next rebuild of the pair that succeeds removes it. A failed job says whether its
import or the rebuild after it failed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from strategy_analysis.db.types import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analysis_failures",
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("symbol", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failed_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_analysis_failures_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "symbol", name=op.f("pk_analysis_failures")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_phase", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("failed_phase")
    op.drop_table("analysis_failures")
