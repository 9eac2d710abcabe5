"""A stream batch with an FX run (EURUSD, tick 0.00001), a scaled ES trade (point value
50, 128 contracts entered over time, never more than 38 held) and a symbol without
instrument (6E), for the browser test of prices, excursions and missing point values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

RUN_ID = "precision-run"
T0 = datetime(2025, 2, 3, 14, 0, tzinfo=UTC)

# (symbol, side, quantity, price, minutes after T0, fee)
FILLS = (
    ("EURUSD", "BUY", 100_000, 1.09100, 0, 0.0),
    ("EURUSD", "SELL", 100_000, 1.08918, 2, 0.0),
    # A reversal: the 20,000 sell closes 10,000 and opens a 10,000 short.
    ("EURUSD", "BUY", 10_000, 1.07156, 5, 2.18),
    ("EURUSD", "SELL", 20_000, 1.07200, 7, 4.36),
    ("EURUSD", "BUY", 10_000, 1.07100, 9, 2.18),
    # The scaled ES trade of tests/trades/test_position_excursions.py, an hour later.
    ("ES", "BUY", 38, 5000.0, 60, 0.0),
    ("ES", "SELL", 30, 5002.0, 61, 0.0),
    ("ES", "BUY", 30, 4998.0, 62, 0.0),
    ("ES", "SELL", 30, 5003.0, 63, 0.0),
    ("ES", "BUY", 30, 4999.0, 64, 0.0),
    ("ES", "SELL", 30, 5004.0, 65, 0.0),
    ("ES", "BUY", 30, 5000.0, 66, 0.0),
    ("ES", "SELL", 38, 5005.0, 67, 0.0),
    ("6E", "BUY", 2, 1.07150, 90, 0.0),
    ("6E", "SELL", 2, 1.07165, 92, 0.0),
)
ES_BARS = (
    (5004.0, 4990.0),
    (5003.0, 4996.0),
    (5004.0, 4995.0),
    (5004.0, 4997.0),
    (5005.0, 4996.0),
    (5005.0, 4998.0),
    (5006.0, 4990.0),
    (5010.0, 5000.0),
)


def _time(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


def _bar(symbol: str, minute: int, high: float, low: float) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "timeframe": "1m",
        "start_time_utc": _time(minute),
        "open": low,
        "high": high,
        "low": low,
        "close": high,
        "volume": 10.0,
    }


def _fx_bars() -> list[dict[str, Any]]:
    """One-minute bars that move from each EURUSD fill price to the next one's."""
    fills = {minutes: price for s, _, _, price, minutes, _ in FILLS if s == "EURUSD"}
    bars, price = [], fills[0]
    for minute in range(12):
        price = fills.get(minute, price)
        after = fills.get(minute + 1, price)
        swing = 0.00011 * (1 + minute % 3)
        high, low = max(price, after) + swing, min(price, after) - swing
        bars.append(_bar("EURUSD", minute, round(high, 5), round(low, 5)))
    return bars


# The signal of each fill's order: its client tag.
TAGS = {"EURUSD": ("Breakout", "Target"), "ES": ("Scale in", "Scale out"), "6E": ("Fade", "Exit")}


def _orders() -> list[dict[str, Any]]:
    orders = []
    for n, (symbol, side, quantity, _, minutes, _) in enumerate(FILLS):
        opening = symbol == "ES" and side == "BUY" or symbol != "ES" and n % 2 == 0
        orders.append(
            {
                "order_id": f"O{n}",
                "symbol": symbol,
                "side": side,
                "order_type": "MARKET",
                "submit_time_utc": _time(minutes),
                "quantity": float(quantity),
                "status": "FILLED",
                "client_tag": TAGS[symbol][0 if opening else 1],
            }
        )
    return orders


def precision_batch() -> dict[str, Any]:
    fx_bars = _fx_bars()
    es_bars = [_bar("ES", 60 + k, high, low) for k, (high, low) in enumerate(ES_BARS)]
    return {
        "schema_version": "1.1",
        "run": {
            "run_id": RUN_ID,
            "strategy_id": "Precision",
            "strategy_name": "Precision",
            "account_id": "Sim101",
            "status": "COMPLETED",
        },
        "instruments": [
            {"symbol": "EURUSD", "point_value": 1, "tick_size": 0.00001, "currency": "USD"},
            {"symbol": "ES", "point_value": 50, "tick_size": 0.25, "currency": "USD"},
        ],
        "bars": fx_bars + es_bars,
        "orders": _orders(),
        "executions": [
            {
                "execution_id": f"E{n}",
                "order_id": f"O{n}",
                "symbol": symbol,
                "side": side,
                "exec_time_utc": _time(minutes),
                "price": price,
                "quantity": float(quantity),
                "fee": fee,
            }
            for n, (symbol, side, quantity, price, minutes, fee) in enumerate(FILLS)
        ],
    }
