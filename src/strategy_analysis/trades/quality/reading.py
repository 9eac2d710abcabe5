"""What execution quality and the data-quality checks read of a run: its orders and fills
as columns (one query each: on PostgreSQL one binary COPY, as the rebuild reads
executions), its symbols' finest bars around their fills, its status and the
instruments it trades."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from psycopg import sql as pg_sql
from sqlalchemy import Connection, bindparam, text

from ..pg_binary_copy import FLOAT8, INT8, TIMESTAMPTZ
from ..reading import copy_columns, load_bars
from ..sql_time import micros_expression
from .checks import SymbolBars
from .columns import FillColumns, OrderColumns


def _rows(conn: Connection, sql: str, run_id: str) -> np.ndarray:
    """SQLite: the rows from the driver's cursor as one 2-D object array (a column is a
    slice of it): no result-row object per row, no Python loop over them."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, (run_id,))
        return np.array(cursor.fetchall(), dtype=object)
    finally:
        cursor.close()


def time_sql(conn: Connection, column: str) -> str:
    # SQLite's stored text is parsed by numpy (strftime knows no year before 0 or after 9999).
    return column if conn.dialect.name == "sqlite" else micros_expression(column, "postgresql")


def times_of(conn: Connection, values: Iterable[Any]) -> np.ndarray:
    if conn.dialect.name == "sqlite":
        return np.array(list(values), dtype="datetime64[us]").astype(np.int64)
    return np.array(values, dtype=np.int64)


def _floats(rows: np.ndarray) -> np.ndarray:
    # None -> NaN in one conversion.
    return rows.astype(np.float64)


def _times(texts: np.ndarray) -> np.ndarray:
    # SQLite's stored text parsed by numpy (strftime knows no year before 0 or after 9999).
    return texts.astype("datetime64[us]").astype(np.int64)


def _run_literal(conn: Connection, run_id: str) -> str:
    return pg_sql.Literal(run_id).as_string(conn.connection.driver_connection)


def read_orders(conn: Connection, run_id: str) -> OrderColumns:
    if conn.dialect.name == "postgresql":
        return _copy_orders(conn, run_id)
    rows = _rows(
        conn,
        "SELECT order_id, symbol, order_type, status, quantity, price, stop_price, "
        "submit_time FROM orders WHERE run_id = ?",
        run_id,
    )
    if not len(rows):
        return OrderColumns.empty()
    numbers = _floats(rows[:, 4:7])
    return OrderColumns(
        order_id=rows[:, 0].copy(),
        symbol=rows[:, 1].copy(),
        order_type=rows[:, 2].copy(),
        status=rows[:, 3].copy(),
        quantity=numbers[:, 0].copy(),
        price=numbers[:, 1].copy(),
        stop_price=numbers[:, 2].copy(),
        submit_time=_times(rows[:, 7]),
    )


def _copy_orders(conn: Connection, run_id: str) -> OrderColumns:
    """PostgreSQL: one binary COPY of the run's orders as columns (a missing price as NaN)."""
    (quantity, price, stop, submitted), (ids, symbols, types, statuses) = copy_columns(
        conn.connection.driver_connection,
        "SELECT order_id, symbol, order_type, status, quantity::float8 AS quantity, "
        "COALESCE(price::float8, 'NaN') AS price, "
        "COALESCE(stop_price::float8, 'NaN') AS stop_price, submit_time "
        f"FROM orders WHERE run_id = {_run_literal(conn, run_id)}",
        [
            ("quantity", FLOAT8),
            ("price", FLOAT8),
            ("stop_price", FLOAT8),
            ("submit_time", TIMESTAMPTZ),
        ],
        [("order_id", False), ("symbol", False), ("order_type", False), ("status", False)],
    )
    if not len(ids):
        return OrderColumns.empty()
    return OrderColumns(ids, symbols, types, statuses, quantity, price, stop, submitted)


def read_fills(conn: Connection, run_id: str) -> FillColumns:
    if conn.dialect.name == "postgresql":
        return _copy_fills(conn, run_id)
    rows = _rows(
        conn,
        "SELECT execution_id, order_id, symbol, side, exec_time, price, quantity, "
        "COALESCE(fee, 0), liquidity_flag FROM executions WHERE run_id = ?",
        run_id,
    )
    if not len(rows):
        return FillColumns.empty()
    numbers = _floats(rows[:, 5:8])
    return FillColumns(
        execution_id=rows[:, 0].copy(),
        order_id=rows[:, 1].copy(),
        symbol=rows[:, 2].copy(),
        side=np.where(rows[:, 3] == "BUY", 1, -1).astype(np.int8),
        exec_time=_times(rows[:, 4]),
        price=numbers[:, 0].copy(),
        quantity=numbers[:, 1].copy(),
        fee=numbers[:, 2].copy(),
        liquidity_flag=rows[:, 8].copy(),
    )


def _copy_fills(conn: Connection, run_id: str) -> FillColumns:
    """PostgreSQL: one binary COPY of the run's fills as columns."""
    (side, exec_time, price, quantity, fee), (ids, orders, symbols, flags) = copy_columns(
        conn.connection.driver_connection,
        "SELECT execution_id, order_id, symbol, "
        "(CASE side WHEN 'BUY' THEN 1 ELSE -1 END)::int8 AS side, exec_time, "
        "price::float8 AS price, quantity::float8 AS quantity, "
        "COALESCE(fee, 0)::float8 AS fee, liquidity_flag "
        f"FROM executions WHERE run_id = {_run_literal(conn, run_id)}",
        [("side", INT8), ("exec_time", TIMESTAMPTZ), ("price", FLOAT8), ("quantity", FLOAT8),
         ("fee", FLOAT8)],
        [("execution_id", False), ("order_id", False), ("symbol", False),
         ("liquidity_flag", True)],
    )  # fmt: skip
    if not len(ids):
        return FillColumns.empty()
    return FillColumns(
        ids, orders, symbols, side.astype(np.int8), exec_time, price, quantity, fee, flags
    )


def instruments_of(conn: Connection, symbols: Iterable[str]) -> dict[str, float]:
    """Point value per symbol that has an instrument row."""
    names = sorted(set(symbols))
    if not names:
        return {}
    rows = conn.execute(
        text("SELECT symbol, point_value FROM instruments WHERE symbol IN :names").bindparams(
            bindparam("names", expanding=True)
        ),
        {"names": names},
    )
    return {symbol: 1.0 if value is None else float(value) for symbol, value in rows.tuples()}


def bars_around(
    conn: Connection, fills: FillColumns, symbols: Mapping[str, np.ndarray]
) -> dict[str, SymbolBars]:
    """Per traded symbol, its finest bars from the one containing its first fill to the
    one containing its last."""
    found = {}
    for symbol, rows in symbols.items():
        times = fills.exec_time[rows]
        timeframe, bars = load_bars(conn, symbol, int(times.min()), int(times.max()))
        found[symbol] = SymbolBars(timeframe, bars)
    return found


def run_status(conn: Connection, run_id: str) -> str | None:
    return conn.execute(
        text("SELECT status FROM runs WHERE run_id = :run_id"), {"run_id": run_id}
    ).scalar()


def open_trade_ids(conn: Connection, run_id: str) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT trade_id FROM trades WHERE run_id = :run_id AND status = 'OPEN' "
                "ORDER BY entry_time, trade_id"
            ),
            {"run_id": run_id},
        ).scalars()
    )
