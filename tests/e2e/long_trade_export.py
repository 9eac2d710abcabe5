"""A small schema-1.1 export with one long trade over many 1-minute bars (chart budget test)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def write_long_trade_export(
    path: Path, *, window_bars: int, run_id: str = "long-trade-run", symbol: str = "ES 03-26"
) -> dict[str, object]:
    """One LONG trade of 2 (entered in two fills, exited in two) among 1-minute bars.

    The API shows half the trade's duration either side of it, so a trade lasting
    ``window_bars / 2`` minutes is served with about ``window_bars`` bars (the API's cap
    is 10,000). Returns what the test checks against.
    """
    span = window_bars // 2
    entry_at = 1000 + span // 2
    exit_at = entry_at + span
    bars = exit_at + span // 2 + 1000
    price = [5000.0 + 10 * ((i % 240) / 240 - 0.5) for i in range(bars)]
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE Metadata (key TEXT, value TEXT)")
        con.executemany(
            "INSERT INTO Metadata VALUES (?, ?)",
            [
                ("schema_version", "1.1"),
                ("run_id", run_id),
                ("strategy_id", "LongHold"),
                ("strategy_name", "Long Hold"),
                ("account_id", "Sim201"),
                ("mode", "backtest"),
                ("parameters", json.dumps({"hold_minutes": span})),
            ],
        )
        con.execute("CREATE TABLE Instruments (symbol TEXT, point_value REAL, tick_size REAL)")
        con.execute("INSERT INTO Instruments VALUES (?, 50, 0.25)", (symbol,))
        con.execute(
            "CREATE TABLE Bars (symbol TEXT, timeframe TEXT, start_time_utc TEXT, open REAL, "
            "high REAL, low REAL, close REAL, volume REAL)"
        )
        con.executemany(
            "INSERT INTO Bars VALUES (?, '1m', ?, ?, ?, ?, ?, 100)",
            (
                (symbol, _ts(START + timedelta(minutes=i)), p, p + 1.0, p - 1.0, p + 0.25)
                for i, p in enumerate(price)
            ),
        )
        con.execute(
            "CREATE TABLE Orders (order_id TEXT, strategy_id TEXT, account_id TEXT, symbol TEXT, "
            "side TEXT, order_type TEXT, submit_time_utc TEXT, quantity REAL, status TEXT)"
        )
        con.execute(
            "CREATE TABLE Executions (execution_id TEXT, order_id TEXT, symbol TEXT, side TEXT, "
            "exec_time_utc TEXT, price REAL, quantity REAL, fee REAL)"
        )
        fills = [
            ("x1", "o1", "BUY", entry_at, 1.0),
            ("x2", "o2", "BUY", entry_at + 30, 1.0),
            ("x3", "o3", "SELL", exit_at - 30, 1.0),
            ("x4", "o4", "SELL", exit_at, 1.0),
        ]
        for execution_id, order_id, side, minute, qty in fills:
            at = START + timedelta(minutes=minute, seconds=20)
            con.execute(
                "INSERT INTO Orders VALUES (?, 'LongHold', 'Sim201', ?, ?, 'MARKET', ?, ?, 'FILLED')",
                (order_id, symbol, side, _ts(at), qty),
            )
            con.execute(
                "INSERT INTO Executions VALUES (?, ?, ?, ?, ?, ?, ?, 2.09)",
                (execution_id, order_id, symbol, side, _ts(at), price[minute] + 0.25, qty),
            )
    con.close()
    return {"run_id": run_id, "executions": len(fills), "symbol": symbol}
