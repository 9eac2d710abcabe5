"""trades.lots_digest: a digest of the trade's lot matches

A rebuild on PostgreSQL compares what it built with what is stored; with the digest in the
trade's row it rewrites the lots of changed trades only (trades/lot_digest.py). Trades
stored before this revision have no digest: their next rebuild writes their lots once more.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-06 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("trades", sa.Column("lots_digest", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trades") as batch:
        batch.drop_column("lots_digest")
