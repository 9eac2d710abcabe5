"""Deleting a run: its orders, executions, trades, lot matches, statistics, notes and tags,
in one transaction.

Bars stay (market data shared by every run of the symbol), and so do the strategy, the
instruments and the import history (what was imported when stays true, the run ids of its
records and conflicts included). A failed rebuild of the run goes with it. On PostgreSQL a
run imported into partitions of its own loses them by ``DROP TABLE``, whatever their size;
rows in a DEFAULT partition are deleted through the partition key's index.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, select, text
from sqlalchemy.engine import Connection

from ..db.models import (
    AnalysisFailure,
    Execution,
    Order,
    Run,
    RunQuality,
    RunStatistics,
    RunTag,
    Trade,
    TradeList,
    TradeListPosition,
    TradeLot,
    TradeNote,
    TradeTag,
)
from ..db.partitions_postgres import drop_own_partition
from ..errors import NotFoundError
from ..events import EventBus
from ..trades.run_lock import RunLocks, run_lock

log = logging.getLogger(__name__)

RUN_DELETED = "run_deleted"
# How long the deletion waits for a transaction holding one of the run's rows.
LOCK_TIMEOUT = "10s"

# The run's rows by table, deleted in this order (the run's own row last).
_RUN_ROWS = (
    TradeTag,
    TradeNote,
    RunTag,
    TradeList,
    Trade,
    RunStatistics,
    AnalysisFailure,
    RunQuality,
)
# Partitioned by run on PostgreSQL: dropped last, as a partition's drop locks its table.
_PARTITIONED = (Order, Execution)


class UnknownRunError(NotFoundError, LookupError):
    """No run with the id asked for."""


@dataclass
class RunDeletion:
    run_id: str
    strategy_id: str
    # Rows deleted per table, and the seconds each took.
    deleted: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def done(self, table: str, rows: int, started: float) -> None:
        self.deleted[table] = rows
        self.seconds[table] = time.perf_counter() - started


def delete_run_rows(conn: Connection, run_id: str) -> RunDeletion:
    """Delete the run's rows in the caller's transaction; UnknownRunError when there is
    no such run."""
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": LOCK_TIMEOUT})
    # The run's row is locked first: an import of the run that wrote it commits before
    # this goes on (then its rows are deleted too), or waits until this commits.
    query = select(Run.strategy_id).where(Run.run_id == run_id)
    strategy_id = conn.execute(query.with_for_update() if postgresql else query).scalar()
    if strategy_id is None:
        raise UnknownRunError(f"no run with id {run_id!r}")
    result = RunDeletion(run_id, strategy_id)
    # Lot matches are keyed by trade: found through the trades' (run_id, entry_time) index.
    started = time.perf_counter()
    lots = conn.execute(
        delete(TradeLot).where(
            TradeLot.trade_id.in_(select(Trade.trade_id).where(Trade.run_id == run_id))
        )
    )
    result.done(TradeLot.__tablename__, lots.rowcount, started)
    started = time.perf_counter()
    positions = conn.execute(
        delete(TradeListPosition).where(
            TradeListPosition.list_id.in_(
                select(TradeList.list_id).where(TradeList.run_id == run_id)
            )
        )
    )
    result.done(TradeListPosition.__tablename__, positions.rowcount, started)
    for model in _RUN_ROWS:
        started = time.perf_counter()
        rows = conn.execute(delete(model).where(model.run_id == run_id)).rowcount
        result.done(model.__tablename__, rows, started)
    for partitioned in _PARTITIONED:
        started = time.perf_counter()
        name = partitioned.__tablename__
        dropped = drop_own_partition(conn, name, run_id) if postgresql else None
        rows = conn.execute(delete(partitioned).where(partitioned.run_id == run_id)).rowcount
        result.done(name, (dropped or 0) + rows, started)
    started = time.perf_counter()
    conn.execute(delete(Run).where(Run.run_id == run_id))
    result.done(Run.__tablename__, 1, started)
    return result


def delete_run(
    engine: Engine,
    run_id: str,
    *,
    event_bus: EventBus | None = None,
    stream_locks: RunLocks | None = None,
) -> RunDeletion:
    """Delete the run (committed) and announce ``run_deleted``.

    Holds the run's rebuild lock (a rebuild of the run finishes first, and one that waited
    finds the run gone) and, given ``stream_locks``, its stream lock (no batch of the run is
    half stored meanwhile)."""
    with stream_locks.hold(run_id) if stream_locks is not None else nullcontext():
        with run_lock(engine, run_id), engine.begin() as conn:
            result = delete_run_rows(conn, run_id)
    log.info(
        "run %s deleted: %s",
        run_id,
        ", ".join(
            f"{n} {table} ({result.seconds[table]:.2f}s)" for table, n in result.deleted.items()
        ),
    )
    if event_bus is not None:
        event_bus.publish(RUN_DELETED, run_id=run_id, strategy_id=result.strategy_id)
    return result
