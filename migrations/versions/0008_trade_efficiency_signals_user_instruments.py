"""trades: efficiencies and signal names; instruments: set_by_user

Trades gain entry/exit/total efficiency and the signal names of their first entry and
last exit fill's orders (analytics.md). An instrument saved through the API is marked
``set_by_user``: imports leave its values alone. Nothing recorded before this revision
which rows a user saved, so they all start as an import's.

Position excursions change what ``mae``/``mfe`` hold: trades stored before this revision
keep their old values (and no efficiencies or signals) until their run is rebuilt
(``python cli.py rebuild``).

Revision ID: 0008
Revises: 0011
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRADE_COLUMNS = (
    ("entry_efficiency", sa.Float()),
    ("exit_efficiency", sa.Float()),
    ("total_efficiency", sa.Float()),
    ("entry_signal", sa.String(length=200)),
    ("exit_signal", sa.String(length=200)),
)


def upgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        for name, column_type in _TRADE_COLUMNS:
            batch_op.add_column(sa.Column(name, column_type, nullable=True))
    with op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("set_by_user", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.drop_column("set_by_user")
    with op.batch_alter_table("trades", schema=None) as batch_op:
        for name, _ in reversed(_TRADE_COLUMNS):
            batch_op.drop_column(name)
