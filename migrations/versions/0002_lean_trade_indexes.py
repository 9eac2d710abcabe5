"""lean trade indexes: no foreign keys to runs, trade_lots keyed by (trade_id, lot_index)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_trades_run_id_runs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_trades_run_id_symbol"))
        batch_op.drop_index(batch_op.f("ix_trades_run_id_exit_time"))

    # Stored lots keep their order: lot_index numbers them within their trade by id.
    with op.batch_alter_table("trade_lots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_index", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE trade_lots SET lot_index = ranked.position FROM ("
        " SELECT id, ROW_NUMBER() OVER (PARTITION BY trade_id ORDER BY id) - 1 AS position"
        " FROM trade_lots) AS ranked WHERE trade_lots.id = ranked.id"
    )
    with op.batch_alter_table("trade_lots", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_trade_lots_run_id_runs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_trade_lots_trade_id"))
        batch_op.drop_index(batch_op.f("ix_trade_lots_run_id_symbol"))
        batch_op.drop_constraint(batch_op.f("pk_trade_lots"), type_="primary")
        batch_op.drop_column("id")
        batch_op.alter_column("lot_index", existing_type=sa.Integer(), nullable=False)
        batch_op.create_primary_key(batch_op.f("pk_trade_lots"), ["trade_id", "lot_index"])


def downgrade() -> None:
    # The surrogate key comes back numbered in (trade, lot) order.
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("trade_lots", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("pk_trade_lots"), type_="primary")
    if postgresql:
        op.execute("ALTER TABLE trade_lots ADD COLUMN id BIGSERIAL")
    else:
        with op.batch_alter_table("trade_lots", schema=None) as batch_op:
            batch_op.add_column(sa.Column("id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE trade_lots SET id = ranked.position FROM ("
        " SELECT trade_id, lot_index,"
        " ROW_NUMBER() OVER (ORDER BY trade_id, lot_index) AS position FROM trade_lots"
        ") AS ranked"
        " WHERE trade_lots.trade_id = ranked.trade_id AND trade_lots.lot_index = ranked.lot_index"
    )
    if postgresql:
        op.execute(
            "SELECT setval(pg_get_serial_sequence('trade_lots', 'id'),"
            " COALESCE((SELECT MAX(id) FROM trade_lots), 0) + 1, false)"
        )
    with op.batch_alter_table("trade_lots", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        )
        batch_op.create_primary_key(batch_op.f("pk_trade_lots"), ["id"])
        batch_op.drop_column("lot_index")
        batch_op.create_index(
            batch_op.f("ix_trade_lots_run_id_symbol"), ["run_id", "symbol"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trade_lots_trade_id"), ["trade_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_trade_lots_run_id_runs"),
            "runs",
            ["run_id"],
            ["run_id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trades_run_id_exit_time"), ["run_id", "exit_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trades_run_id_symbol"), ["run_id", "symbol"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_trades_run_id_runs"),
            "runs",
            ["run_id"],
            ["run_id"],
            ondelete="CASCADE",
        )
