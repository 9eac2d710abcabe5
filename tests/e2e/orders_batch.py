"""A stream batch with a bracket trade whose target was cancelled when the stop filled, a
rejected order after it and a second symbol, for the browser tests of the orders page,
the trade chart's unfilled orders and execution quality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

RUN_ID = "orders-e2e"
T0 = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)


def _time(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


def _order(order_id: str, side: str, order_type: str, minute: float, quantity: float,
           status: str, **values: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "order_id": order_id,
        "symbol": values.pop("symbol", "ES"),
        "side": side,
        "order_type": order_type,
        "submit_time_utc": _time(minute),
        "quantity": quantity,
        "status": status,
        **values,
    }


def _fill(execution_id: str, order_id: str, side: str, minute: float, quantity: float,
          price: float, **values: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "execution_id": execution_id,
        "order_id": order_id,
        "symbol": values.pop("symbol", "ES"),
        "side": side,
        "exec_time_utc": _time(minute),
        "price": price,
        "quantity": quantity,
        **values,
    }


def _bars(symbol: str, base: float, step: float) -> list[dict[str, Any]]:
    bars = []
    for minute in range(-5, 20):
        mid = base + step * (minute % 7 - 3)
        bars.append(
            {
                "symbol": symbol,
                "timeframe": "1m",
                "start_time_utc": _time(minute),
                "open": mid,
                "high": mid + 2 * step,
                "low": mid - 2 * step,
                "close": mid + step,
                "volume": 10.0,
            }
        )
    return bars


def orders_batch() -> dict[str, Any]:
    return {
        "schema_version": "1.1",
        "run": {"run_id": RUN_ID, "strategy_id": "Bracket", "account_id": "Sim101"},
        "instruments": [
            {"symbol": "ES", "point_value": 50, "tick_size": 0.25},
            {"symbol": "NQ", "point_value": 20, "tick_size": 0.25},
        ],
        "bars": _bars("ES", 6010.0, 1.0) + _bars("NQ", 21000.0, 2.0),
        "orders": [
            _order("O1", "BUY", "LIMIT", 0, 2, "FILLED", price=6010.0, client_tag="Long entry"),
            _order(
                "O2",
                "SELL",
                "LIMIT",
                1,
                2,
                "CANCELED",
                price=6016.0,
                cancel_reason="Stop hit first",
                client_tag="Target",
                parent_order_id="O1",
            ),
            _order(
                "O3",
                "SELL",
                "STOP",
                1,
                2,
                "FILLED",
                stop_price=6006.0,
                client_tag="Stop",
                parent_order_id="O1",
            ),
            _order("O4", "BUY", "LIMIT", 12, 1, "REJECTED", price=5990.0, reject_reason="Margin"),
            _order("N1", "BUY", "MARKET", 2, 1, "FILLED", symbol="NQ", client_tag="NQ long"),
            _order(
                "N2",
                "SELL",
                "MIT",
                3,
                1,
                "FILLED",
                symbol="NQ",
                stop_price=21010.0,
                client_tag="NQ exit",
            ),
        ],  # fmt: skip
        "executions": [
            _fill("E1", "O1", "BUY", 0.5, 2, 6009.75, fee=1.0, liquidity_flag="MAKER"),
            _fill("E2", "O3", "SELL", 6, 2, 6005.5, fee=2.5, liquidity_flag="TAKER"),
            _fill(
                "F1", "N1", "BUY", 2.2, 1, 21001.0, symbol="NQ", fee=1.25, liquidity_flag="TAKER"
            ),
            _fill("F2", "N2", "SELL", 4, 1, 21010.25, symbol="NQ", fee=0.5),
        ],
    }


FINDINGS_RUN_ID = "findings-e2e"


def findings_batch() -> dict[str, Any]:
    """A completed run whose data has holes: a symbol with no instrument and no bars, an
    execution naming an order that was never sent, an order left working and a trade
    still open at the end."""
    return {
        "schema_version": "1.1",
        "run": {
            "run_id": FINDINGS_RUN_ID,
            "strategy_id": "Bracket",
            "account_id": "Sim101",
            "status": "COMPLETED",
        },
        "orders": [
            _order("C1", "BUY", "MARKET", 0, 2, "FILLED", symbol="CL", client_tag="Entry"),
            _order(
                "C2", "SELL", "LIMIT", 1, 1, "NEW", symbol="CL", price=71.0, client_tag="Target"
            ),
        ],
        "executions": [
            _fill("CE1", "C1", "BUY", 0.1, 2, 70.0, symbol="CL"),
            _fill("CX1", "ghost", "SELL", 2, 1, 70.5, symbol="CL"),
        ],
    }
