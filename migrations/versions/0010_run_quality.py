"""run_quality: a run's execution quality and data-quality findings with their verdict

Stored by every rebuild of the run's trades (analytics.md "Orders and execution quality"
and "Data quality"). Runs rebuilt before this revision have no row (their verdict reads
as null) until their next rebuild (``python cli.py rebuild``).

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-06 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from strategy_analysis.db.types import JsonDocument, UtcDateTime

revision: str = "0010"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_quality",
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("findings", JsonDocument, nullable=False),
        sa.Column("execution_quality", JsonDocument, nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_quality_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_quality")),
    )


def downgrade() -> None:
    op.drop_table("run_quality")
