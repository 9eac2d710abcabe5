"""run management: a run's name, notes and tags; a trade's notes and tags

The user's own words about a run (``runs.name``, ``runs.notes``, ``run_tags``) and about a
trade (``trade_notes``, ``trade_tags``). Trade notes and tags are keyed by run and
trade_id, not tied to the trades table: a rebuild writes a run's trades again under the
same ids, and the notes and tags stay.

Revision ID: 0011
Revises: 0014
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import strategy_analysis.db.types

revision: str = "0011"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run_key() -> sa.Column:
    return sa.Column("run_id", sa.String(length=200), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))

    op.create_table(
        "run_tags",
        _run_key(),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_tags_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "tag", name=op.f("pk_run_tags")),
    )
    op.create_index(op.f("ix_run_tags_tag"), "run_tags", ["tag"], unique=False)

    op.create_table(
        "trade_notes",
        _run_key(),
        sa.Column("trade_id", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_trade_notes_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "trade_id", name=op.f("pk_trade_notes")),
    )

    op.create_table(
        "trade_tags",
        _run_key(),
        sa.Column("trade_id", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_trade_tags_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "trade_id", "tag", name=op.f("pk_trade_tags")),
    )
    op.create_index(
        op.f("ix_trade_tags_run_id_tag"), "trade_tags", ["run_id", "tag"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_trade_tags_run_id_tag"), table_name="trade_tags")
    op.drop_table("trade_tags")
    op.drop_table("trade_notes")
    op.drop_index(op.f("ix_run_tags_tag"), table_name="run_tags")
    op.drop_table("run_tags")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("name")
