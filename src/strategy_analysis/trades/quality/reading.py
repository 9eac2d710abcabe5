"""What execution quality and the data-quality checks read of a run: its orders and fills
as columns (one query each, times converted in SQL), its symbols' finest bars around
their fills, its status and the instruments it trades."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, text

from ..reading import load_bars
from ..sql_time import micros_expression
from .checks import SymbolBars
from .columns import FillColumns, OrderColumns


def _rows(conn: Connection, sql: str, run_id: str) -> list[tuple[Any, ...]]:
    """Plain rows from the driver's cursor: no result-row object per row."""
    placeholder = "?" if conn.dialect.name == "sqlite" else "%s"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql.format(run=placeholder), (run_id,))
        return cursor.fetchall()
    finally:
        cursor.close()


def time_sql(conn: Connection, column: str) -> str:
    # SQLite's stored text is parsed by numpy (strftime knows no year before 0 or after 9999).
    return column if conn.dialect.name == "sqlite" else micros_expression(column, "postgresql")


def times_of(conn: Connection, values: Iterable[Any]) -> np.ndarray:
    if conn.dialect.name == "sqlite":
        return np.array(list(values), dtype="datetime64[us]").astype(np.int64)
    return np.array(values, dtype=np.int64)


def _float(values: Iterable[Any]) -> np.ndarray:
    # None -> NaN in one conversion.
    return np.array(list(values), dtype=np.float64)


def read_orders(conn: Connection, run_id: str) -> OrderColumns:
    submit = time_sql(conn, "submit_time")
    rows = _rows(
        conn,
        "SELECT order_id, symbol, order_type, status, quantity, price, stop_price, "
        f"{submit} FROM orders WHERE run_id = {{run}}",
        run_id,
    )
    if not rows:
        return OrderColumns.empty()
    ids, symbols, types, statuses, qty, price, stop, submitted = zip(*rows, strict=True)
    return OrderColumns(
        order_id=np.array(ids, dtype=object),
        symbol=np.array(symbols, dtype=object),
        order_type=np.array(types, dtype=object),
        status=np.array(statuses, dtype=object),
        quantity=_float(qty),
        price=_float(price),
        stop_price=_float(stop),
        submit_time=times_of(conn, submitted),
    )


def read_fills(conn: Connection, run_id: str) -> FillColumns:
    exec_time = time_sql(conn, "exec_time")
    rows = _rows(
        conn,
        "SELECT execution_id, order_id, symbol, side, "
        f"{exec_time}, price, quantity, COALESCE(fee, 0), liquidity_flag "
        "FROM executions WHERE run_id = {run}",
        run_id,
    )
    if not rows:
        return FillColumns.empty()
    ids, orders, symbols, sides, times, prices, qty, fees, flags = zip(*rows, strict=True)
    side = np.array(sides, dtype=object)
    return FillColumns(
        execution_id=np.array(ids, dtype=object),
        order_id=np.array(orders, dtype=object),
        symbol=np.array(symbols, dtype=object),
        side=np.where(side == "BUY", 1, -1).astype(np.int8),
        exec_time=times_of(conn, times),
        price=_float(prices),
        quantity=_float(qty),
        fee=_float(fees),
        liquidity_flag=np.array(flags, dtype=object),
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
    return {symbol: 1.0 if value is None else float(value) for symbol, value in rows}


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
