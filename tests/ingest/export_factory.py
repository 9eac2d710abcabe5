"""Tiny export files written with sqlite3, for tests: each test states the rows it needs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

BAR_COLUMNS = (
    "symbol",
    "timeframe",
    "start_time_utc",
    "end_time_utc",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "open_interest",
)
ORDER_COLUMNS = (
    "order_id",
    "parent_order_id",
    "strategy_id",
    "strategy_version",
    "account_id",
    "symbol",
    "side",
    "order_type",
    "time_in_force",
    "submit_time_utc",
    "price",
    "stop_price",
    "quantity",
    "status",
    "reject_reason",
    "cancel_reason",
    "client_tag",
    "meta_json",
)
EXECUTION_COLUMNS = (
    "execution_id",
    "order_id",
    "strategy_id",
    "account_id",
    "symbol",
    "side",
    "exec_time_utc",
    "price",
    "quantity",
    "fee",
    "fee_currency",
    "liquidity_flag",
)
INSTRUMENT_COLUMNS = ("symbol", "point_value", "tick_size", "currency")
REAL = {
    "open",
    "high",
    "low",
    "close",
    "volume",
    "open_interest",
    "price",
    "stop_price",
    "quantity",
    "fee",
    "point_value",
    "tick_size",
}


class TextBytes(bytes):
    """A TEXT cell holding exactly these bytes (UTF-8 or not), as another writer may leave."""


def order(order_id: str = "O1", **values: Any) -> dict[str, Any]:
    row = {
        "order_id": order_id,
        "strategy_id": "S1",
        "strategy_version": "1.0",
        "account_id": "A1",
        "symbol": "ES 12-25",
        "side": "BUY",
        "order_type": "MARKET",
        "time_in_force": "GTC",
        "submit_time_utc": "2025-01-06 10:00:00",
        "quantity": 1.0,
        "status": "FILLED",
    }
    row.update(values)
    return row


def execution(execution_id: str = "E1", **values: Any) -> dict[str, Any]:
    row = {
        "execution_id": execution_id,
        "order_id": "O1",
        "strategy_id": "S1",
        "account_id": "A1",
        "symbol": "ES 12-25",
        "side": "BUY",
        "exec_time_utc": "2025-01-06 10:00:00.5",
        "price": 5000.0,
        "quantity": 1.0,
        "fee": 2.5,
        "fee_currency": "USD",
        "liquidity_flag": "TAKER",
    }
    row.update(values)
    return row


def bar(start: str = "2025-01-06 10:00:00", **values: Any) -> dict[str, Any]:
    row = {
        "symbol": "ES 12-25",
        "timeframe": "1m",
        "start_time_utc": start,
        "open": 5000.0,
        "high": 5001.0,
        "low": 4999.0,
        "close": 5000.5,
        "volume": 100.0,
    }
    row.update(values)
    return row


def instrument(
    symbol: str = "ES 12-25", point_value: float = 50.0, **values: Any
) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "point_value": point_value,
        "tick_size": 0.25,
        "currency": "USD",
        **values,
    }


def write_export(
    path: Path,
    *,
    metadata: dict[str, Any] | None = None,
    bars: list[dict[str, Any]] | None = None,
    orders: list[dict[str, Any]] | None = None,
    executions: list[dict[str, Any]] | None = None,
    instruments: list[dict[str, Any]] | None = None,
    names: dict[str, str] | None = None,
    columns: dict[str, tuple[str, ...]] | None = None,
    typed: bool = True,
) -> Path:
    """Write an export. ``names`` renames tables (e.g. {"Orders": "ORDERS"}); ``columns``
    overrides a table's column list (to drop or add columns); ``typed=False`` declares
    columns without types, so values keep exactly the Python type given; a ``TextBytes``
    value is stored as a TEXT of its bytes."""
    names = names or {}
    columns = columns or {}
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        if metadata is not None:
            table = names.get("Metadata", "Metadata")
            con.execute(f'CREATE TABLE "{table}" (key TEXT, value TEXT)')
            con.executemany(f'INSERT INTO "{table}" VALUES (?, ?)', list(metadata.items()))
            con.execute(
                f'UPDATE "{table}" SET value = CAST(value AS TEXT) WHERE typeof(value) = ?',
                ("blob",),
            )
        for default_name, rows, default_columns in (
            ("Instruments", instruments, INSTRUMENT_COLUMNS),
            ("Bars", bars, BAR_COLUMNS),
            ("Orders", orders, ORDER_COLUMNS),
            ("Executions", executions, EXECUTION_COLUMNS),
        ):
            if rows is None:
                continue
            table = names.get(default_name, default_name)
            cols = columns.get(default_name, default_columns)
            decl = ", ".join(
                f'"{c}" {("REAL" if c.lower() in REAL else "TEXT") if typed else ""}' for c in cols
            )
            con.execute(f'CREATE TABLE "{table}" ({decl})')
            marks = ", ".join("?" for _ in cols)
            values = [tuple(row.get(c, row.get(c.lower())) for c in cols) for row in rows]
            con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
            for rowid, row_values in enumerate(values, start=1):
                for c, value in zip(cols, row_values, strict=True):
                    if isinstance(value, TextBytes):
                        con.execute(
                            f'UPDATE "{table}" SET "{c}" = CAST("{c}" AS TEXT) WHERE rowid = ?',
                            (rowid,),
                        )
        con.commit()
    finally:
        con.close()
    return path
