"""trade lists: a run's trades by position in one order, for pages at any offset

``trade_lists`` names a run's list in one sort with equality filters only, as of one
rebuild (its token); ``trade_list_positions`` holds each trade's place in it. A page
deep in a large run is then a range of positions instead of an OFFSET that reads every
row before it, and the list's count is stored with it. Rows are built on the first read
after a rebuild, so nothing needs filling here.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import strategy_analysis.db.types

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trade_lists",
        sa.Column("list_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("list_key", sa.String(length=400), nullable=False),
        sa.Column("rebuild_token", sa.String(length=32), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_trade_lists")),
    )
    op.create_index(
        op.f("ix_trade_lists_run_id_list_key"), "trade_lists", ["run_id", "list_key"], unique=True
    )
    op.create_table(
        "trade_list_positions",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("trade_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("list_id", "position", name=op.f("pk_trade_list_positions")),
    )


def downgrade() -> None:
    op.drop_table("trade_list_positions")
    op.drop_index(op.f("ix_trade_lists_run_id_list_key"), table_name="trade_lists")
    op.drop_table("trade_lists")
