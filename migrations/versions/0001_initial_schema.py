"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 20:24:06.902781
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import strategy_analysis.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "bars",
        sa.Column("symbol", sa.String(length=200), nullable=False),
        sa.Column("timeframe", sa.String(length=50), nullable=False),
        sa.Column(
            "start_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("end_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("open", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("close", sa.Float(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("open_interest", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("symbol", "timeframe", "start_time", name=op.f("pk_bars")),
    )
    op.create_table(
        "import_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "finished_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("schema_version", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "run_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("conflict_count", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_records")),
    )
    with op.batch_alter_table("import_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_records_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_import_records_sha256"), ["sha256"], unique=False)

    op.create_table(
        "instruments",
        sa.Column("symbol", sa.String(length=200), nullable=False),
        sa.Column("point_value", sa.Float(), nullable=False),
        sa.Column("tick_size", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=20), nullable=True),
        sa.Column(
            "updated_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_instruments")),
    )
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "created_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "started_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "finished_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("stored_path", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("progress_done", sa.BigInteger(), nullable=False),
        sa.Column("progress_total", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column(
            "report",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("import_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jobs_status_created_at"), ["status", "created_at"], unique=False
        )

    op.create_table(
        "strategies",
        sa.Column("strategy_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("strategy_id", name=op.f("pk_strategies")),
    )
    op.create_table(
        "import_conflicts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("table_name", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.String(length=200), nullable=True),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column(
            "old_values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "new_values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_records.id"],
            name=op.f("fk_import_conflicts_import_id_import_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_conflicts")),
    )
    with op.batch_alter_table("import_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_conflicts_import_id"), ["import_id"], unique=False
        )

    op.create_table(
        "import_rejections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("table_name", sa.String(length=20), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("record_key", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "record",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_records.id"],
            name=op.f("fk_import_rejections_import_id_import_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rejections")),
    )
    with op.batch_alter_table("import_rejections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_rejections_import_id"), ["import_id"], unique=False
        )

    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("strategy_id", sa.String(length=200), nullable=False),
        sa.Column("strategy_name", sa.String(length=200), nullable=True),
        sa.Column("strategy_version", sa.String(length=100), nullable=True),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("mode", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("exporter", sa.String(length=300), nullable=True),
        sa.Column("schema_version", sa.String(length=10), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_utc", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("reported_net_pnl", sa.Float(), nullable=True),
        sa.Column("reported_trade_count", sa.Integer(), nullable=True),
        sa.Column(
            "first_data_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_data_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "analysis_updated_at",
            strategy_analysis.db.types.UtcDateTime(timezone=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.strategy_id"], name=op.f("fk_runs_strategy_id_strategies")
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_strategy_id"), ["strategy_id"], unique=False)

    op.create_table(
        "executions",
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("execution_id", sa.String(length=200), nullable=False),
        sa.Column("order_id", sa.String(length=200), nullable=False),
        sa.Column("strategy_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("symbol", sa.String(length=200), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column(
            "exec_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("fee", sa.Float(), nullable=False),
        sa.Column("fee_currency", sa.String(length=20), nullable=True),
        sa.Column("liquidity_flag", sa.String(length=50), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_executions_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "execution_id", name=op.f("pk_executions")),
    )
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_executions_run_id_symbol_exec_time_sequence"),
            ["run_id", "symbol", "exec_time", "sequence"],
            unique=False,
        )

    op.create_table(
        "orders",
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("order_id", sa.String(length=200), nullable=False),
        sa.Column("parent_order_id", sa.String(length=200), nullable=True),
        sa.Column("strategy_id", sa.String(length=200), nullable=False),
        sa.Column("strategy_version", sa.String(length=100), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("symbol", sa.String(length=200), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("order_type", sa.String(length=20), nullable=False),
        sa.Column("time_in_force", sa.String(length=20), nullable=False),
        sa.Column(
            "submit_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("stop_price", sa.Float(), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("client_tag", sa.String(length=200), nullable=True),
        sa.Column("meta_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_orders_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "order_id", name=op.f("pk_orders")),
    )
    op.create_table(
        "run_statistics",
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column(
            "statistics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "updated_at", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_run_statistics_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_statistics")),
    )
    op.create_table(
        "trade_lots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("trade_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("symbol", sa.String(length=200), nullable=False),
        sa.Column("entry_execution_id", sa.String(length=200), nullable=False),
        sa.Column("exit_execution_id", sa.String(length=200), nullable=False),
        sa.Column(
            "entry_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "exit_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("entry_price", sa.Float(), nullable=False),
        sa.Column("exit_price", sa.Float(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("pnl_gross", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_trade_lots_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_lots")),
    )
    with op.batch_alter_table("trade_lots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_lots_run_id_symbol"), ["run_id", "symbol"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trade_lots_trade_id"), ["trade_id"], unique=False)

    op.create_table(
        "trades",
        sa.Column("trade_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("strategy_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("symbol", sa.String(length=200), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "entry_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "exit_time", strategy_analysis.db.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("entry_price", sa.Float(), nullable=False),
        sa.Column("exit_price", sa.Float(), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("pnl_gross", sa.Float(), nullable=True),
        sa.Column("commission", sa.Float(), nullable=False),
        sa.Column("pnl_net", sa.Float(), nullable=True),
        sa.Column("mae", sa.Float(), nullable=True),
        sa.Column("mfe", sa.Float(), nullable=True),
        sa.Column("mae_points", sa.Float(), nullable=True),
        sa.Column("mfe_points", sa.Float(), nullable=True),
        sa.Column("etd", sa.Float(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("point_value", sa.Float(), nullable=False),
        sa.Column("first_execution_id", sa.String(length=200), nullable=False),
        sa.Column("exit_sequence", sa.BigInteger(), nullable=True),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("exit_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_trades_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("trade_id", name=op.f("pk_trades")),
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trades_run_id_entry_time"), ["run_id", "entry_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trades_run_id_exit_time"), ["run_id", "exit_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trades_run_id_symbol"), ["run_id", "symbol"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trades_symbol_entry_time"), ["symbol", "entry_time"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trades_symbol_entry_time"))
        batch_op.drop_index(batch_op.f("ix_trades_run_id_symbol"))
        batch_op.drop_index(batch_op.f("ix_trades_run_id_exit_time"))
        batch_op.drop_index(batch_op.f("ix_trades_run_id_entry_time"))

    op.drop_table("trades")
    with op.batch_alter_table("trade_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_lots_trade_id"))
        batch_op.drop_index(batch_op.f("ix_trade_lots_run_id_symbol"))

    op.drop_table("trade_lots")
    op.drop_table("run_statistics")
    op.drop_table("orders")
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_executions_run_id_symbol_exec_time_sequence"))

    op.drop_table("executions")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_strategy_id"))

    op.drop_table("runs")
    with op.batch_alter_table("import_rejections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_rejections_import_id"))

    op.drop_table("import_rejections")
    with op.batch_alter_table("import_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_conflicts_import_id"))

    op.drop_table("import_conflicts")
    op.drop_table("strategies")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_status_created_at"))

    op.drop_table("jobs")
    op.drop_table("instruments")
    with op.batch_alter_table("import_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_records_sha256"))
        batch_op.drop_index(batch_op.f("ix_import_records_created_at"))

    op.drop_table("import_records")
    op.drop_table("bars")
