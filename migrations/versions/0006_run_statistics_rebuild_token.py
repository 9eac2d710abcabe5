"""run_statistics.rebuild_token: which rebuild last wrote a run's trades

Each rebuild stores a new random token with the run's statistics, in the transaction
that writes its trades. A process that kept the run's trades in memory after its own
rebuild uses them for the next incremental one only while the token is still its own.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("run_statistics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rebuild_token", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_statistics", schema=None) as batch_op:
        batch_op.drop_column("rebuild_token")
