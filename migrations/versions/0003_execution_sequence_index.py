"""execution sequence index: a run's largest sequence without reading all its executions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:55:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each stream batch continues its run's sequence from the stored maximum.
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_executions_run_id_sequence"), ["run_id", "sequence"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_executions_run_id_sequence"))
