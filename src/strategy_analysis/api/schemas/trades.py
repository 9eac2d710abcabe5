"""Trades (analytics.md fields, api.md names), lot matches, executions and bars."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import CleanNumbers, PageInfo, UtcTime
from .orders import TradeOrderOut

_TRADE_EXAMPLE: dict[str, Any] = {
    "trade_id": "3f0c9a1b2d4e5f60718293a4b5c6d7e8",
    "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
    "strategy_id": "StackedImbalance",
    "account_id": "Sim101",
    "symbol": "ES 12-25",
    "side": "LONG",
    "status": "CLOSED",
    "entry_time": "2025-01-06T14:30:00Z",
    "exit_time": "2025-01-06T14:42:30Z",
    "entry_price": 6012.25,
    "exit_price": 6015.5,
    "quantity": 2.0,
    "pnl_gross": 325.0,
    "commission": 4.2,
    "pnl_net": 320.8,
    "mae": 75.0,
    "mfe": 400.0,
    "mae_points": 0.75,
    "mfe_points": 4.0,
    "etd": 75.0,
    "duration_seconds": 750.0,
    "notes": None,
    "tags": [],
    "entry_efficiency": 0.55,
    "exit_efficiency": 0.8,
    "total_efficiency": 0.35,
    "entry_signal": "Long entry",
    "exit_signal": "Profit target",
    "price_decimals": 2,
    "point_value_missing": False,
}


class TradeOut(CleanNumbers):
    """One round-trip trade (analytics.md). OPEN trades have null exit fields, excursions
    and efficiencies."""

    model_config = ConfigDict(json_schema_extra={"examples": [_TRADE_EXAMPLE]})

    trade_id: str
    run_id: str
    strategy_id: str | None
    account_id: str | None
    symbol: str
    side: Literal["LONG", "SHORT"]
    status: Literal["OPEN", "CLOSED"]
    entry_time: UtcTime
    exit_time: UtcTime | None
    entry_price: float
    exit_price: float | None
    quantity: float
    pnl_gross: float | None
    commission: float
    pnl_net: float | None
    mae: float | None = Field(
        description="Worst running PnL of the position (realised included) while it was "
        "held, as a loss >= 0, from the finest bars; null without bars"
    )
    mfe: float | None = Field(description="Best running PnL of the position, >= 0")
    mae_points: float | None = Field(description="Price excursion against the average entry")
    mfe_points: float | None = Field(description="Price excursion in favour of the average entry")
    etd: float | None = Field(description="mfe - pnl_gross")
    duration_seconds: float | None
    notes: str | None = Field(description="The user's notes on the trade (PATCH)")
    tags: list[str] = Field(description="The user's tags on the trade (PATCH), sorted")
    entry_efficiency: float | None = Field(
        description="(H - entry) / (H - L) for LONG over the trade's bars; null without a range"
    )
    exit_efficiency: float | None
    total_efficiency: float | None
    entry_signal: str | None = Field(
        description="client_tag (else id) of the first entry fill's order; null when unknown"
    )
    exit_signal: str | None = Field(
        description="Same for the last exit fill; null when unknown and for an OPEN trade"
    )
    price_decimals: int = Field(description="Decimals the symbol's prices are shown with")
    point_value_missing: bool = Field(
        description="The symbol has no instrument: its PnL used point value 1 until one is set"
    )


class TradePage(PageInfo):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [_TRADE_EXAMPLE],
                    "total": 1,
                    "limit": 100,
                    "offset": 0,
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[TradeOut]
    next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` (same filters and sort) for the page after this one; "
        "null on the last page",
    )


class ExecutionOut(CleanNumbers):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "execution_id": "e-1001",
                    "order_id": "o-501",
                    "account_id": "Sim101",
                    "symbol": "ES 12-25",
                    "side": "BUY",
                    "exec_time": "2025-01-06T14:30:00Z",
                    "price": 6012.25,
                    "quantity": 2.0,
                    "fee": 4.2,
                    "fee_currency": "USD",
                    "liquidity_flag": "TAKER",
                    "sequence": 17,
                    "trade_quantity": 2.0,
                    "trade_fee": 4.2,
                }
            ]
        }
    )

    execution_id: str
    order_id: str
    account_id: str | None
    symbol: str
    side: str
    exec_time: UtcTime
    price: float
    quantity: float
    fee: float
    fee_currency: str | None
    liquidity_flag: str | None
    sequence: int
    trade_quantity: float = Field(
        description="The part of the fill that belongs to this trade: less than `quantity` "
        "for a fill that crosses zero (the rest opens or closes the next or previous trade)"
    )
    trade_fee: float = Field(description="The fee of that part (pro rata by quantity)")
    signal: str | None = Field(
        default=None,
        description="The fill's order's `client_tag`, else its `order_id`; null when the "
        "order is unknown",
    )
    order_type: str | None = Field(
        default=None, description="The fill's order's type; null when the order is unknown"
    )


class TradeLotOut(CleanNumbers):
    """A FIFO lot match: one entry fill (part) closed by one exit fill (part)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry_execution_id": "e-1001",
                    "exit_execution_id": "e-1002",
                    "entry_time": "2025-01-06T14:30:00Z",
                    "exit_time": "2025-01-06T14:42:30Z",
                    "entry_price": 6012.25,
                    "exit_price": 6015.5,
                    "quantity": 1.0,
                    "points": 3.25,
                    "pnl_gross": 162.5,
                }
            ]
        }
    )

    entry_execution_id: str
    exit_execution_id: str
    entry_time: UtcTime
    exit_time: UtcTime
    entry_price: float
    exit_price: float
    quantity: float
    points: float
    pnl_gross: float


class BarOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start_time": "2025-01-06T14:30:00Z",
                    "end_time": None,
                    "open": 6012.0,
                    "high": 6013.5,
                    "low": 6011.75,
                    "close": 6013.25,
                    "volume": 1520.0,
                }
            ]
        }
    )

    start_time: UtcTime
    end_time: UtcTime | None
    open: float
    high: float
    low: float
    close: float
    volume: float


class TradeDetail(CleanNumbers):
    """A trade with its fills, lot matches and the bars around it (finest timeframe)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "trade": _TRADE_EXAMPLE,
                    "executions": [],
                    "lots": [],
                    "orders": [],
                    "bars": [],
                    "timeframe": "1m",
                    "bars_truncated": False,
                    "point_value": 50.0,
                    "tick_size": 0.25,
                    "prev_trade_id": None,
                    "next_trade_id": "9a8b7c6d5e4f30211203948576a5b4c3",
                }
            ]
        }
    )

    trade: TradeOut
    executions: list[ExecutionOut] = Field(description="The fills of the trade, in sequence order")
    lots: list[TradeLotOut]
    orders: list[TradeOrderOut] = Field(
        default_factory=list,
        description="Orders of the trade's account and symbol submitted from its entry to "
        "its exit (to the end of the data while open) that never filled: cancelled, "
        "rejected or expired limit and stop levels, for the chart",
    )
    bars: list[BarOut] = Field(
        description="Bars of the finest timeframe from a margin before entry to a margin after exit"
    )
    timeframe: str | None = Field(description="Timeframe of `bars`; null when the symbol has none")
    bars_truncated: bool = Field(description="True when the bar window hit the cap")
    point_value: float
    tick_size: float | None = Field(description="The symbol's tick size; null when not set")
    prev_trade_id: str | None = Field(description="Previous trade of the run by entry time")
    next_trade_id: str | None = Field(description="Next trade of the run by entry time")


class PnlBucket(CleanNumbers):
    lower: float
    upper: float
    count: int


class PnlDistribution(BaseModel):
    """Histogram of closed trades' pnl_net."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "buckets": [{"lower": -100.0, "upper": 0.0, "count": 3}],
                    "trades": 3,
                }
            ]
        }
    )

    run_id: str
    buckets: list[PnlBucket]
    trades: int


class TradeNeighbours(BaseModel):
    """The trades before and after one trade in the list its filters and sort describe."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "trade_id": "3f0c9a1b2d4e5f60718293a4b5c6d7e8",
                    "prev_trade_id": None,
                    "next_trade_id": "9a8b7c6d5e4f30211203948576a5b4c3",
                }
            ]
        }
    )

    trade_id: str
    prev_trade_id: str | None
    next_trade_id: str | None
