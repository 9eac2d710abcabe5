"""What a rebuild writes: trades and lot matches of (run, symbol) pairs, run statistics.

Bulk only: PostgreSQL binary ``COPY ... FROM STDIN`` encoded with numpy; SQLite
``executemany`` of multi-row ``INSERT`` statements sized to its variable limit. The caller
owns the transaction, so a pair's DELETE and INSERT become visible together.

On PostgreSQL, pairs that already have trades are merged rather than rewritten: trade ids
are deterministic, so most rows of a rebuild equal the stored ones, and re-inserting them
costs an index entry per index and a uniqueness check against the deleted twin. The new
rows go into temporary tables (no indexes, no WAL); only trades that differ are deleted and
inserted, and only their lots (a trade's row holds a digest of its lots, lot_digest.py).
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import (
    BigInteger,
    Connection,
    Float,
    Integer,
    String,
    Text,
    bindparam,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.types import TypeEngine

from ..db.models import Base, Run, RunStatistics
from ..db.types import UtcDateTime
from .columns import LOT_FIELDS, NO_TIME, TRADE_FIELDS, BuiltTrades, LotMatches
from .pg_binary_copy import FLOAT8, INT4, INT8, TEXT, TIMESTAMPTZ, binary_copy_chunks
from .sql_time import micros_to_text

log = logging.getLogger(__name__)

_TIME_COLUMNS = {"entry_time", "exit_time"}
_NULLABLE_INT_COLUMNS = {"exit_sequence"}
# SQLite before 3.32 allows 999 bound variables per statement, later ones 32766.
_SQLITE_MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
_SQLITE_MAX_ROWS_PER_INSERT = 500
_SQLITE_REBUILD_CACHE_KIB = 32 * 1024
# Lot columns as stored: the lot's place within its trade completes the key.
STORED_LOT_FIELDS = (*LOT_FIELDS, "lot_index")
# Smaller rebuilds (a stream's steady trickle) delete and insert: cheap at that size,
# and without the catalog churn of two temporary tables per rebuild.
MERGE_MIN_TRADES = 2_000
# The merge's hash joins hold a run's trades (a few hundred MB at most) in memory.
_MERGE_WORK_MEM = "256MB"
# Planner statistics are refreshed when a write changed this share of a table's rows
# (and at least _ANALYZE_MIN_ROWS): the planner otherwise keeps assuming a handful of
# trades per run until autovacuum gets to it.
_ANALYZE_SHARE = 0.2
_ANALYZE_MIN_ROWS = 5_000


def _db_column(name: str, values: np.ndarray) -> Any:
    if name in _TIME_COLUMNS:
        return micros_to_text(values)
    if name in _NULLABLE_INT_COLUMNS:
        return np.where(values == NO_TIME, None, values).tolist()  # type: ignore[call-overload]  # numpy's stubs refuse None
    if values.dtype.kind == "f":
        return np.where(np.isnan(values), None, values).tolist()  # type: ignore[call-overload]  # numpy's stubs refuse None
    return values.tolist()


def _row_matrix(source: BuiltTrades | LotMatches, fields: Sequence[str]) -> np.ndarray:
    """Rows as a 2-D object array (one column at a time, no per-row Python work)."""
    matrix = np.empty((len(source), len(fields)), dtype=object)
    for j, name in enumerate(fields):
        matrix[:, j] = _db_column(name, np.asarray(source.column(name)))
    return matrix


def _pg_kind(column_type: TypeEngine[Any]) -> str:
    if isinstance(column_type, UtcDateTime):
        return TIMESTAMPTZ
    if isinstance(column_type, Float):
        return FLOAT8
    if isinstance(column_type, BigInteger):
        return INT8
    if isinstance(column_type, Integer):
        return INT4
    if isinstance(column_type, String | Text):
        return TEXT
    raise TypeError(f"no binary COPY encoding for column type {column_type!r}")


def _copy_binary(
    conn: Connection,
    table: str,
    fields: Sequence[str],
    source: Any,
    schema_table: str,
) -> None:
    columns = Base.metadata.tables[schema_table].c
    kinds = [_pg_kind(columns[name].type) for name in fields]
    arrays = [np.asarray(source.column(name)) for name in fields]
    dbapi = conn.connection.driver_connection
    with dbapi.cursor() as cursor:  # type: ignore[union-attr]  # a live connection
        # A writer thread sends each chunk while the next one is encoded.
        with cursor.copy(
            f"COPY {table} ({', '.join(fields)}) FROM STDIN (FORMAT BINARY)",
            writer=QueuedLibpqWriter(cursor),
        ) as copy:
            for chunk in binary_copy_chunks(arrays, kinds):
                copy.write(chunk)


def _insert_rows(conn: Connection, table: str, fields: Sequence[str], matrix: np.ndarray) -> None:
    width = len(fields)
    per_statement = max(1, min(_SQLITE_MAX_ROWS_PER_INSERT, _SQLITE_MAX_VARIABLES // width))
    row_sql = "(" + ", ".join("?" * width) + ")"
    head = f"INSERT INTO {table} ({', '.join(fields)}) VALUES "
    flat = matrix.ravel().tolist()
    n = len(matrix)
    full = n - n % per_statement
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # live
    try:
        if full:
            step = per_statement * width
            cursor.executemany(
                head + ", ".join([row_sql] * per_statement),
                (flat[i : i + step] for i in range(0, full * width, step)),
            )
        if n - full:
            cursor.execute(head + ", ".join([row_sql] * (n - full)), flat[full * width :])
    finally:
        cursor.close()


def bulk_insert(
    conn: Connection,
    table: str,
    fields: Sequence[str],
    source: BuiltTrades | LotMatches,
    schema_table: str | None = None,
) -> None:
    """Insert ``source`` into ``table``, whose columns are those of model table
    ``schema_table`` (default: ``table`` itself)."""
    if len(source) == 0:
        return
    if conn.dialect.name == "postgresql":
        _copy_binary(conn, table, fields, source, schema_table or table)
    else:
        _insert_rows(conn, table, fields, _row_matrix(source, fields))


@contextmanager
def large_write_cache(conn: Connection) -> Iterator[None]:
    """SQLite: a page cache that holds the trade indexes while a rebuild writes them.

    Inserting a few hundred thousand rows into five indexes thrashes the default 2 MB
    cache; the previous size comes back before the transaction ends.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    previous: int = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{_SQLITE_REBUILD_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def delete_trades(conn: Connection, run_id: str, symbols: Iterable[str]) -> int:
    """Delete the trades of the run's ``symbols`` and their lots; returns trades deleted."""
    names = sorted(set(symbols))
    if not names:
        return 0
    params = {"run_id": run_id, "symbols": names}
    conn.execute(
        text(
            "DELETE FROM trade_lots WHERE trade_id IN "
            "(SELECT trade_id FROM trades WHERE run_id = :run_id AND symbol IN :symbols)"
        ).bindparams(bindparam("symbols", expanding=True)),
        params,
    )
    result = conn.execute(
        text("DELETE FROM trades WHERE run_id = :run_id AND symbol IN :symbols").bindparams(
            bindparam("symbols", expanding=True)
        ),
        params,
    )
    return result.rowcount or 0


def write_trades(conn: Connection, built: BuiltTrades) -> None:
    bulk_insert(conn, "trades", TRADE_FIELDS, built)
    bulk_insert(conn, "trade_lots", STORED_LOT_FIELDS, built.lots)


def _has_trades(conn: Connection, run_id: str, symbols: Sequence[str]) -> bool:
    found = conn.execute(
        text(
            "SELECT 1 FROM trades WHERE run_id = :run_id AND symbol IN :symbols LIMIT 1"
        ).bindparams(bindparam("symbols", expanding=True)),
        {"run_id": run_id, "symbols": list(symbols)},
    ).first()
    return found is not None


def _same_row(fields: Sequence[str]) -> str:
    """Stage row ``s`` equals stored row ``t`` in every column (NULLs equal)."""
    stage = ", ".join(f"s.{name}" for name in fields)
    stored = ", ".join(f"t.{name}" for name in fields)
    return f"ROW({stage}) IS NOT DISTINCT FROM ROW({stored})"


def _merge_postgresql(
    conn: Connection, run_id: str, symbols: Sequence[str], built: BuiltTrades
) -> int:
    """Make the stored trades and lots of the pairs equal ``built``, writing only rows
    that differ. Returns the trade rows deleted plus inserted."""
    _create_merge_stage(conn)
    _stage_for_merge(conn, built)
    return _merge_staged(conn, run_id, symbols)


def _create_merge_stage(conn: Connection) -> None:
    conn.exec_driver_sql(f"SET LOCAL work_mem = '{_MERGE_WORK_MEM}'")
    conn.exec_driver_sql("CREATE TEMP TABLE trades_stage (LIKE trades) ON COMMIT DROP")
    conn.exec_driver_sql("CREATE TEMP TABLE trade_lots_stage (LIKE trade_lots) ON COMMIT DROP")
    conn.exec_driver_sql("CREATE TEMP TABLE changed_trades (trade_id varchar(64)) ON COMMIT DROP")


def _stage_for_merge(conn: Connection, built: BuiltTrades) -> None:
    bulk_insert(conn, "trades_stage", TRADE_FIELDS, built, schema_table="trades")
    bulk_insert(
        conn,
        "trade_lots_stage",
        STORED_LOT_FIELDS,
        built.lots,
        schema_table="trade_lots",
    )


def _merge_staged(conn: Connection, run_id: str, symbols: Sequence[str]) -> int:
    """The merge of the staged trades and lots into the pairs' stored ones.

    A stored trade equal to its staged twin, ``lots_digest`` included, has the same lots
    (lot_digest.py): only the trades that differ or are gone or new (``changed_trades``)
    have their lots deleted and written, so the lots are never compared one by one."""
    params = {"run_id": run_id, "symbols": list(symbols)}
    trade_columns = ", ".join(TRADE_FIELDS)
    lot_columns = ", ".join(STORED_LOT_FIELDS)
    statements = (
        f"""WITH gone AS (
                DELETE FROM trades t
                 WHERE t.run_id = :run_id AND t.symbol IN :symbols
                   AND NOT EXISTS (SELECT 1 FROM trades_stage s
                                    WHERE s.trade_id = t.trade_id AND {_same_row(TRADE_FIELDS)})
                RETURNING t.trade_id)
            INSERT INTO changed_trades SELECT trade_id FROM gone""",
        """DELETE FROM trade_lots t USING changed_trades c WHERE t.trade_id = c.trade_id""",
        f"""WITH added AS (
                INSERT INTO trades ({trade_columns})
                SELECT {trade_columns} FROM trades_stage s
                 WHERE NOT EXISTS (SELECT 1 FROM trades t WHERE t.trade_id = s.trade_id)
                RETURNING trade_id)
            INSERT INTO changed_trades SELECT trade_id FROM added""",
        f"""INSERT INTO trade_lots ({lot_columns})
            SELECT {lot_columns} FROM trade_lots_stage s
             WHERE s.trade_id IN (SELECT trade_id FROM changed_trades)""",
    )
    changed = []
    for statement in statements:
        bound = text(statement)
        if ":symbols" in statement:
            bound = bound.bindparams(bindparam("symbols", expanding=True))
        changed.append(conn.execute(bound, params).rowcount or 0)
    trades_deleted, lots_deleted, trades_inserted, lots_inserted = changed
    conn.exec_driver_sql("DROP TABLE trades_stage, trade_lots_stage, changed_trades")
    log.debug(
        "run %s: %d trades and %d lots deleted, %d trades and %d lots inserted",
        run_id,
        trades_deleted,
        lots_deleted,
        trades_inserted,
        lots_inserted,
    )
    return trades_deleted + trades_inserted


def _refresh_planner_statistics(conn: Connection, changed: dict[str, int]) -> None:
    """PostgreSQL: ANALYZE a table whose rows this write changed by a large share."""
    if conn.dialect.name != "postgresql":
        return
    for table, rows in changed.items():
        if rows < _ANALYZE_MIN_ROWS:
            continue
        estimate = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"),
            {"table": table},
        ).scalar()
        # reltuples is -1 before the table's first ANALYZE.
        if estimate is None or estimate < 0 or rows > _ANALYZE_SHARE * estimate:
            log.debug("analyzing %s after %d changed rows (estimate %s)", table, rows, estimate)
            conn.exec_driver_sql(f"ANALYZE {table}")


def replace_trades(
    conn: Connection,
    run_id: str,
    symbols: Iterable[str],
    built: BuiltTrades,
    merge_min_trades: int = MERGE_MIN_TRADES,
) -> None:
    """Replace the stored trades and lots of the run's ``symbols`` by ``built``; on
    PostgreSQL, from ``merge_min_trades`` built trades on, by merging into the stored ones."""
    names = sorted(set(symbols))
    if (
        conn.dialect.name == "postgresql"
        and len(built) >= merge_min_trades
        and _has_trades(conn, run_id, names)
    ):
        trade_rows = _merge_postgresql(conn, run_id, names, built)
    else:
        deleted = delete_trades(conn, run_id, names)
        write_trades(conn, built)
        trade_rows = deleted + len(built)
    # Only trades: lots are always read by their key, whatever the planner estimates.
    _refresh_planner_statistics(conn, {"trades": trade_rows})


class SymbolTradesWriter:
    """Replace the stored trades and lots of one (run, symbol) by trades given in parts
    (the windows of a rebuild), as replace_trades does for the whole: on PostgreSQL a
    symbol that has stored trades and ``merge_min_trades`` built trades or more (or more
    than one part) is merged through the stage tables, otherwise its trades are deleted
    and the parts inserted. Call ``add`` for each part, then ``finish``."""

    def __init__(
        self, conn: Connection, run_id: str, symbol: str, merge_min_trades: int = MERGE_MIN_TRADES
    ) -> None:
        self.conn = conn
        self.run_id = run_id
        self.symbol = symbol
        self.merge_min_trades = merge_min_trades
        self.merging: bool | None = None  # decided by the first part
        self.written = 0
        self.deleted = 0

    def add(self, built: BuiltTrades, more: bool) -> None:
        """Write one part; ``more``: other parts follow."""
        conn = self.conn
        if self.merging is None:
            self.merging = (
                conn.dialect.name == "postgresql"
                and (more or len(built) >= self.merge_min_trades)
                and _has_trades(conn, self.run_id, [self.symbol])
            )
            if self.merging:
                _create_merge_stage(conn)
            else:
                self.deleted = delete_trades(conn, self.run_id, [self.symbol])
        if self.merging:
            _stage_for_merge(conn, built)
        else:
            write_trades(conn, built)
        self.written += len(built)

    def finish(self) -> None:
        if self.merging is None:  # no part: no trades
            self.merging = False
            self.deleted = delete_trades(self.conn, self.run_id, [self.symbol])
        if self.merging:
            trade_rows = _merge_staged(self.conn, self.run_id, [self.symbol])
        else:
            trade_rows = self.deleted + self.written
        _refresh_planner_statistics(self.conn, {"trades": trade_rows})


def store_statistics(
    conn: Connection, run_id: str, document: dict[str, Any], token: str | None = None
) -> None:
    """Store the run's statistics document with ``token`` (a new one if None): call it in
    the transaction that writes the run's trades (run_trades.py relies on that)."""
    now = datetime.now(UTC)
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(RunStatistics).values(
        run_id=run_id,
        statistics=document,
        rebuild_token=token or uuid.uuid4().hex,
        updated_at=now,
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[RunStatistics.run_id],
            set_={
                "statistics": statement.excluded.statistics,
                "rebuild_token": statement.excluded.rebuild_token,
                "updated_at": now,
            },
        )
    )
    # updated_at keeps its value: a rebuild is not a change of the run's own data.
    conn.execute(
        update(Run)
        .where(Run.run_id == run_id)
        .values(analysis_updated_at=now, updated_at=Run.updated_at)
    )
