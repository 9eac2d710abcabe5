"""A run's orders with their fills and trades (analytics.md "Orders and execution quality")."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from .common import CleanNumbers, PageInfo, UtcTime

_ORDER_EXAMPLE: dict[str, Any] = {
    "order_id": "o-502",
    "parent_order_id": None,
    "strategy_id": "StackedImbalance",
    "account_id": "Sim101",
    "symbol": "ES 12-25",
    "side": "SELL",
    "order_type": "LIMIT",
    "time_in_force": "GTC",
    "submit_time": "2025-01-06T14:30:00Z",
    "price": 6016.0,
    "stop_price": None,
    "quantity": 2.0,
    "status": "CANCELED",
    "reject_reason": None,
    "cancel_reason": "Stop hit first",
    "client_tag": "Profit target",
    "signal": "Profit target",
    "filled_quantity": 0.0,
    "fill_count": 0,
    "average_fill_price": None,
    "first_fill_time": None,
    "execution_ids": [],
    "trade_ids": [],
    "price_decimals": 2,
}


class OrderOut(CleanNumbers):
    """An order as exported, with what filled of it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ORDER_EXAMPLE]})

    order_id: str
    parent_order_id: str | None
    strategy_id: str
    account_id: str
    symbol: str
    side: str
    order_type: str
    time_in_force: str
    submit_time: UtcTime
    price: float | None
    stop_price: float | None
    quantity: float
    status: str
    reject_reason: str | None
    cancel_reason: str | None
    client_tag: str | None
    signal: str = Field(description="The order's `client_tag`, else its `order_id`")
    filled_quantity: float = Field(
        description="Sum of the quantity of the executions whose `order_id` is this order"
    )
    fill_count: int = Field(description="How many executions name this order")
    average_fill_price: float | None = Field(
        description="Quantity-weighted average price of those executions; null without any"
    )
    first_fill_time: UtcTime | None = Field(description="The first execution's time")
    execution_ids: list[str] = Field(
        description="The executions of this order in time order (at most 1000)"
    )
    trade_ids: list[str] = Field(description="The trades those executions belong to")
    price_decimals: int | None = Field(description="Decimals of the symbol's prices")


class OrderPage(PageInfo):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [_ORDER_EXAMPLE], "total": 1, "limit": 100, "offset": 0}]
        }
    )

    run_id: str
    items: list[OrderOut]


class TradeOrderOut(CleanNumbers):
    """An order of the trade's account and symbol, submitted while the trade was open,
    that never filled (a cancelled target or stop level)."""

    order_id: str
    side: str
    order_type: str
    submit_time: UtcTime
    price: float | None
    stop_price: float | None
    quantity: float
    status: str
    reject_reason: str | None
    cancel_reason: str | None
    signal: str
