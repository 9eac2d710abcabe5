"""What a rebuild writes: trades and lot matches of (run, symbol) pairs, run statistics.

Bulk only: PostgreSQL binary ``COPY ... FROM STDIN`` encoded with numpy; SQLite
``executemany`` of multi-row ``INSERT`` statements sized to its variable limit. The caller
owns the transaction, so a pair's DELETE and INSERT become visible together.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
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
_SQLITE_REBUILD_CACHE_KIB = 128 * 1024


def _db_column(name: str, values: np.ndarray) -> Any:
    if name in _TIME_COLUMNS:
        return micros_to_text(values)
    if name in _NULLABLE_INT_COLUMNS:
        return np.where(values == NO_TIME, None, values).tolist()
    if values.dtype.kind == "f":
        return np.where(np.isnan(values), None, values).tolist()
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
    source: BuiltTrades | LotMatches,
    schema_table: str,
) -> None:
    columns = Base.metadata.tables[schema_table].c
    kinds = [_pg_kind(columns[name].type) for name in fields]
    arrays = [np.asarray(source.column(name)) for name in fields]
    dbapi = conn.connection.driver_connection
    with dbapi.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(fields)}) FROM STDIN (FORMAT BINARY)") as copy:
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
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
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
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{_SQLITE_REBUILD_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def delete_trades(conn: Connection, run_id: str, symbols: Iterable[str]) -> int:
    names = sorted(set(symbols))
    if not names:
        return 0
    params = {"run_id": run_id, "symbols": names}
    conn.execute(
        text("DELETE FROM trade_lots WHERE run_id = :run_id AND symbol IN :symbols").bindparams(
            bindparam("symbols", expanding=True)
        ),
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
    bulk_insert(conn, "trade_lots", LOT_FIELDS, built.lots)


def store_statistics(conn: Connection, run_id: str, document: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(RunStatistics).values(run_id=run_id, statistics=document, updated_at=now)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[RunStatistics.run_id],
            set_={"statistics": statement.excluded.statistics, "updated_at": now},
        )
    )
    # updated_at keeps its value: a rebuild is not a change of the run's own data.
    conn.execute(
        update(Run)
        .where(Run.run_id == run_id)
        .values(analysis_updated_at=now, updated_at=Run.updated_at)
    )
