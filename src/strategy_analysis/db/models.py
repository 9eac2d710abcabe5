"""The platform's tables (SQLAlchemy 2.0 typed models).

Alembic migrations in ``migrations/`` create and change these tables; a test checks that
the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import JsonDocument, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    # Every model here is mapped to a Table (DeclarativeBase types it as any FromClause).
    __table__: ClassVar[Table]
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JsonDocument}


class Strategy(Base):
    __tablename__ = "strategies"

    strategy_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class Run(Base):
    """One run of a strategy (a backtest, a sim session, a live session)."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    strategy_id: Mapped[str] = mapped_column(ForeignKey("strategies.strategy_id"), index=True)
    strategy_name: Mapped[str | None] = mapped_column(String(200))
    strategy_version: Mapped[str | None] = mapped_column(String(100))
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    mode: Mapped[str | None] = mapped_column(String(20))
    # RUNNING while a stream is open; COMPLETED/FAILED close it; files import as COMPLETED.
    status: Mapped[str] = mapped_column(String(20), default="COMPLETED")
    account_id: Mapped[str | None] = mapped_column(String(200))
    exporter: Mapped[str | None] = mapped_column(String(300))
    schema_version: Mapped[str | None] = mapped_column(String(10))
    # Every Metadata key/value as received (including ones the platform does not interpret).
    run_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JsonDocument)
    created_utc: Mapped[datetime | None] = mapped_column()
    reported_net_pnl: Mapped[float | None] = mapped_column(Float)
    reported_trade_count: Mapped[int | None] = mapped_column(Integer)
    first_data_time: Mapped[datetime | None] = mapped_column()
    last_data_time: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    analysis_updated_at: Mapped[datetime | None] = mapped_column()
    # The user's own (PATCH /api/runs/{run_id}): no import or stream batch writes these.
    name: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)


class RunTag(Base):
    """A user's tag on a run."""

    __tablename__ = "run_tags"
    __table_args__ = (Index(None, "tag"),)

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class TradeNote(Base):
    """A user's notes on a trade. Not a foreign key to trades: a rebuild deletes and
    writes trades again under the same (deterministic) trade_id, and the notes stay."""

    __tablename__ = "trade_notes"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    trade_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    notes: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class TradeTag(Base):
    """A user's tag on a trade (kept across rebuilds, like its notes)."""

    __tablename__ = "trade_tags"
    # The run's trades with a tag, and the tags in use in a run.
    __table_args__ = (Index(None, "run_id", "tag"),)

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    trade_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class Instrument(Base):
    __tablename__ = "instruments"

    symbol: Mapped[str] = mapped_column(String(200), primary_key=True)
    point_value: Mapped[float] = mapped_column(Float, default=1.0)
    tick_size: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(20))
    # Set through the API: the user's values, which imports never overwrite (a differing
    # value is listed as a conflict in the import's report).
    set_by_user: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class Bar(Base):
    """Market data, shared by all runs."""

    __tablename__ = "bars"
    # PostgreSQL: new symbols of a large import get a partition of their own (partitions.py).
    __table_args__ = ({"postgresql_partition_by": "LIST (symbol)"},)

    symbol: Mapped[str] = mapped_column(String(200), primary_key=True)
    timeframe: Mapped[str] = mapped_column(String(50), primary_key=True)
    start_time: Mapped[datetime] = mapped_column(primary_key=True)
    end_time: Mapped[datetime | None] = mapped_column()
    open: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float)
    open_interest: Mapped[float | None] = mapped_column(Float)


class Order(Base):
    __tablename__ = "orders"
    # PostgreSQL: a large import of a new run gets a partition of its own (partitions.py).
    __table_args__ = ({"postgresql_partition_by": "LIST (run_id)"},)

    # No foreign key to runs: its per-row check keeps COPY from batching a new run's rows.
    run_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    parent_order_id: Mapped[str | None] = mapped_column(String(200))
    strategy_id: Mapped[str] = mapped_column(String(200))
    strategy_version: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[str] = mapped_column(String(200))
    symbol: Mapped[str] = mapped_column(String(200))
    side: Mapped[str] = mapped_column(String(10))
    order_type: Mapped[str] = mapped_column(String(20))
    time_in_force: Mapped[str] = mapped_column(String(20), default="GTC")
    submit_time: Mapped[datetime] = mapped_column()
    price: Mapped[float | None] = mapped_column(Float)
    stop_price: Mapped[float | None] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    client_tag: Mapped[str | None] = mapped_column(String(200))
    meta_json: Mapped[str | None] = mapped_column(Text)


class Execution(Base):
    __tablename__ = "executions"
    __table_args__ = (
        Index(None, "run_id", "symbol", "exec_time", "sequence"),
        # A stream batch continues its run's sequence from the stored maximum.
        Index(None, "run_id", "sequence"),
        # PostgreSQL: a large import of a new run gets a partition of its own (partitions.py).
        {"postgresql_partition_by": "LIST (run_id)"},
    )

    # No foreign key to runs (as for orders).
    run_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    execution_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Not a foreign key: an execution may arrive before its order (contract).
    order_id: Mapped[str] = mapped_column(String(200))
    strategy_id: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(200))
    symbol: Mapped[str] = mapped_column(String(200))
    side: Mapped[str] = mapped_column(String(10))
    exec_time: Mapped[datetime] = mapped_column()
    price: Mapped[float] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    fee: Mapped[float] = mapped_column(Float, default=0.0)
    fee_currency: Mapped[str | None] = mapped_column(String(20))
    liquidity_flag: Mapped[str | None] = mapped_column(String(50))
    # File rowid or batch position (offset per batch): the true order of equal timestamps.
    sequence: Mapped[int] = mapped_column(BigInteger)


class Trade(Base):
    """A round-trip trade rebuilt from executions (analytics.md).

    Few indexes and no foreign key: a rebuild writes hundreds of thousands of rows, and
    every index and per-row key check multiplies that cost. Only the rebuild writes here,
    for runs it has just read; it deletes a run's trades explicitly.
    """

    __tablename__ = "trades"
    __table_args__ = (
        # The run's page in entry order; also serves any run_id (+ symbol) filter.
        Index(None, "run_id", "entry_time"),
        # Filters by symbol across runs, and the distinct symbols (loose index scan).
        Index(None, "symbol", "entry_time"),
    )

    trade_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(200))
    strategy_id: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(200))
    symbol: Mapped[str] = mapped_column(String(200))
    side: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    entry_time: Mapped[datetime] = mapped_column()
    exit_time: Mapped[datetime | None] = mapped_column()
    entry_price: Mapped[float] = mapped_column(Float)
    exit_price: Mapped[float | None] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    pnl_gross: Mapped[float | None] = mapped_column(Float)
    commission: Mapped[float] = mapped_column(Float, default=0.0)
    pnl_net: Mapped[float | None] = mapped_column(Float)
    mae: Mapped[float | None] = mapped_column(Float)
    mfe: Mapped[float | None] = mapped_column(Float)
    mae_points: Mapped[float | None] = mapped_column(Float)
    mfe_points: Mapped[float | None] = mapped_column(Float)
    etd: Mapped[float | None] = mapped_column(Float)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    entry_efficiency: Mapped[float | None] = mapped_column(Float)
    exit_efficiency: Mapped[float | None] = mapped_column(Float)
    total_efficiency: Mapped[float | None] = mapped_column(Float)
    entry_signal: Mapped[str | None] = mapped_column(String(200))
    exit_signal: Mapped[str | None] = mapped_column(String(200))
    point_value: Mapped[float] = mapped_column(Float, default=1.0)
    first_execution_id: Mapped[str] = mapped_column(String(200))
    # Sequence of the last exit fill: breaks exit-time ties when ordering closed trades.
    exit_sequence: Mapped[int | None] = mapped_column(BigInteger)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    exit_count: Mapped[int] = mapped_column(Integer, default=0)
    # trades/lot_digest.py: equal digests, equal lots (NULL: stored before it existed).
    lots_digest: Mapped[int | None] = mapped_column(BigInteger)


class TradeLot(Base):
    """A FIFO lot match: one entry fill (part) closed by one exit fill (part)."""

    __tablename__ = "trade_lots"

    # Lots are read and replaced by trade: the key is the trade and the lot's place in it.
    trade_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lot_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(200))
    symbol: Mapped[str] = mapped_column(String(200))
    entry_execution_id: Mapped[str] = mapped_column(String(200))
    exit_execution_id: Mapped[str] = mapped_column(String(200))
    entry_time: Mapped[datetime] = mapped_column()
    exit_time: Mapped[datetime] = mapped_column()
    entry_price: Mapped[float] = mapped_column(Float)
    exit_price: Mapped[float] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    pnl_gross: Mapped[float] = mapped_column(Float)


class TradeList(Base):
    """A run's trade list in one order and with equality filters only (``list_key``), as of
    one rebuild (``rebuild_token``): its trades' positions are in ``trade_list_positions``.
    A page at any offset is then a range of positions, and ``total`` its count, however
    far the page is from the start. Built on the first read after a rebuild; a rebuild
    leaves it stale (the token no longer matches) and the next read replaces it."""

    __tablename__ = "trade_lists"
    __table_args__ = (Index(None, "run_id", "list_key", unique=True),)

    list_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(200))
    list_key: Mapped[str] = mapped_column(String(400))
    rebuild_token: Mapped[str] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class TradeListPosition(Base):
    """The trade at one position (0-based) of a trade list."""

    __tablename__ = "trade_list_positions"

    list_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    trade_id: Mapped[str] = mapped_column(String(64))


class RunStatistics(Base):
    """Statistics, equity curve and reconciliation of a run, stored by each rebuild."""

    __tablename__ = "run_statistics"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    statistics: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    # New with every rebuild of the run's trades: tells a process whether the trades it
    # kept in memory are still the stored ones (trades/run_trades.py).
    rebuild_token: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class RunQuality(Base):
    """A run's execution quality (the run's and each symbol's), data-quality findings
    and verdict (clean | warnings | errors), stored by each rebuild of its trades."""

    __tablename__ = "run_quality"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    verdict: Mapped[str] = mapped_column(String(10))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    execution_quality: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class AnalysisFailure(Base):
    """A (run, symbol) whose last trade rebuild failed: its stored trades and the run's
    statistics are those of an earlier rebuild. A later rebuild of the pair that succeeds
    removes the row."""

    __tablename__ = "analysis_failures"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    symbol: Mapped[str] = mapped_column(String(200), primary_key=True)
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(default=utc_now)


class ImportRecord(Base):
    """One import (file, upload, watched folder or stream batch) and its report.

    A run's stream batches are gathered in a stream session: a record of its own
    (``batch_count`` set, status ``live`` until a batch closes the run, then ``closed``)
    that adds up its batches' counts; each batch's record points to it by ``session_id``.
    The history lists the records without a ``session_id``: files and sessions.
    """

    __tablename__ = "import_records"
    __table_args__ = (
        Index(None, "created_at"),
        # The history: newest first among files and sessions, never walking the batches.
        Index(
            "ix_import_records_history",
            "created_at",
            "id",
            sqlite_where=text("session_id IS NULL"),
            postgresql_where=text("session_id IS NULL"),
        ),
        Index(None, "session_id", "id"),
        # The history's run filter and a batch's look-up of its live session; without
        # the batches, whose number grows with every one a stream sends.
        Index(
            "ix_import_records_history_run",
            "run_id",
            sqlite_where=text("session_id IS NULL"),
            postgresql_where=text("session_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column()
    # cli | upload | watch | stream
    source: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    schema_version: Mapped[str | None] = mapped_column(String(10))
    # running | succeeded | failed | refused | duplicate
    status: Mapped[str] = mapped_column(String(20))
    run_ids: Mapped[list[str] | None] = mapped_column(JsonDocument)
    # {"orders": {"inserted": 1, "updated": 0, "unchanged": 0, "rejected": 0, "conflicts": 0}, ...}
    counts: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    conflict_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    job_id: Mapped[str | None] = mapped_column(String(36))
    # The run the import is about (a file's run, a stream session's and its batches').
    run_id: Mapped[str | None] = mapped_column(String(200))
    # A stream batch: its session's record.
    session_id: Mapped[int | None] = mapped_column(BigInteger)
    # A stream session: its batches so far, and when the last one arrived.
    batch_count: Mapped[int | None] = mapped_column(Integer)
    last_batch_at: Mapped[datetime | None] = mapped_column()


class ImportRejection(Base):
    """A record an import refused, with the reason (the rest of its file still imports)."""

    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("import_records.id", ondelete="CASCADE"), index=True
    )
    table_name: Mapped[str] = mapped_column(String(20))
    position: Mapped[int | None] = mapped_column(BigInteger)
    record_key: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    record: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)


class ImportConflict(Base):
    """A stored record that an import changed where the contract calls it a conflict.

    ``old_values`` keeps what was overwritten, so nothing is lost silently.
    """

    __tablename__ = "import_conflicts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("import_records.id", ondelete="CASCADE"), index=True
    )
    table_name: Mapped[str] = mapped_column(String(20))
    run_id: Mapped[str | None] = mapped_column(String(200))
    record_key: Mapped[str] = mapped_column(Text)
    old_values: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    new_values: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class Job(Base):
    """A background import job (uploads); claimed by one worker at a time."""

    __tablename__ = "jobs"
    __table_args__ = (Index(None, "status", "created_at"),)

    job_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="import")
    # queued | running | succeeded | failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # import | rebuild: the phase that failed a failed job (None for every other job)
    failed_phase: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    file_name: Mapped[str | None] = mapped_column(String(500))
    stored_path: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(20), default="upload")
    progress_done: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_total: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    report: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    error: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(BigInteger)
    # Which uploads folder holds the file (jobs/upload_store.py): only a process that
    # reads the same folder claims the job.
    upload_store: Mapped[str | None] = mapped_column(String(36))


class StoredEvent(Base):
    """An event for the web app (analysis updated, import finished, ...), written by
    whichever process produced it and kept for a retention window, so every server's
    clients hear it and a client that reconnects gets what it missed (jobs/shared_events.py).
    The id is the server-sent event's id; AUTOINCREMENT on SQLite: never reused."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "created_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    kind: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
