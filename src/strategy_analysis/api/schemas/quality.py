"""Execution quality and data-quality findings of a run (analytics.md "Orders and
execution quality" and "Data quality")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import CleanNumbers, UtcTime


class FillRatioByStatus(CleanNumbers):
    status: str
    count: int
    ordered_quantity: float
    filled_quantity: float = Field(description="Quantity of the executions naming these orders")
    fill_ratio: float | None = Field(description="filled / ordered quantity")


class FillRatioByOrderType(CleanNumbers):
    order_type: str
    count: int
    ordered_quantity: float
    filled_quantity: float
    fill_ratio: float | None


class SlippageRow(CleanNumbers):
    order_type: str
    executions: int = Field(description="Executions whose order has a reference price")
    slippage_points_total: float = Field(description="Positive: filled worse than asked")
    slippage_points_mean: float
    slippage_total: float = Field(description="In currency: points x quantity x point value")
    slippage_mean: float


class TimeToFill(CleanNumbers):
    orders: int = Field(description="Orders with at least one execution")
    median_seconds: float | None
    p95_seconds: float | None


class LiquidityRow(CleanNumbers):
    liquidity_flag: str = Field(description="As written; UNKNOWN when blank")
    executions: int
    quantity: float
    fees: float


class ExecutionQuality(CleanNumbers):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "symbol": None,
                    "symbols": ["ES 12-25"],
                    "updated_at": "2025-01-06T22:01:02Z",
                    "orders": 3,
                    "executions": 2,
                    "by_status": [
                        {"status": "CANCELED", "count": 1, "ordered_quantity": 1.0,
                         "filled_quantity": 0.0, "fill_ratio": 0.0},
                        {"status": "FILLED", "count": 2, "ordered_quantity": 2.0,
                         "filled_quantity": 2.0, "fill_ratio": 1.0},
                    ],
                    "by_order_type": [
                        {"order_type": "LIMIT", "count": 2, "ordered_quantity": 2.0,
                         "filled_quantity": 1.0, "fill_ratio": 0.5},
                        {"order_type": "MARKET", "count": 1, "ordered_quantity": 1.0,
                         "filled_quantity": 1.0, "fill_ratio": 1.0},
                    ],
                    "slippage": [
                        {"order_type": "LIMIT", "executions": 1, "slippage_points_total": -0.25,
                         "slippage_points_mean": -0.25, "slippage_total": -12.5,
                         "slippage_mean": -12.5},
                    ],
                    "time_to_fill": {"orders": 2, "median_seconds": 1.5, "p95_seconds": 2.85},
                    "liquidity": [
                        {"liquidity_flag": "TAKER", "executions": 2, "quantity": 2.0,
                         "fees": 4.2},
                    ],
                }
            ]
        }
    )  # fmt: skip

    run_id: str
    symbol: str | None = Field(description="The symbol asked for; null: the whole run")
    symbols: list[str] = Field(description="The symbols of the run's orders and executions")
    updated_at: UtcTime | None = Field(
        description="When the rebuild computed these; null: computed for this answer"
    )
    orders: int
    executions: int
    by_status: list[FillRatioByStatus]
    by_order_type: list[FillRatioByOrderType]
    slippage: list[SlippageRow] = Field(
        description="Per order type with at least one execution that has a reference price"
    )
    time_to_fill: TimeToFill
    liquidity: list[LiquidityRow] = Field(description="Every execution, by liquidity flag")


class Finding(BaseModel):
    check: Literal[
        "point_value_missing",
        "reconciliation_mismatch",
        "fill_outside_bar",
        "execution_without_order",
        "overfilled_order",
        "order_left_working",
        "open_at_end",
        "bar_gap",
        "no_bars",
    ]
    severity: Literal["error", "warning", "info"]
    count: int = Field(description="Records concerned: symbols, executions, orders, trades, gaps")
    examples: list[str] = Field(
        description="Up to 20 of their keys: symbol, execution_id, order_id, trade_id, the "
        "gap's start (ISO 8601 UTC); the run_id for a reconciliation mismatch"
    )


class RunQualityOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "verdict": "warnings",
                    "updated_at": "2025-01-06T22:01:02Z",
                    "findings": [
                        {"check": "execution_without_order", "severity": "warning",
                         "count": 1, "examples": ["e-1001"]},
                    ],
                }
            ]
        }
    )  # fmt: skip

    run_id: str
    verdict: Literal["clean", "warnings", "errors"]
    updated_at: UtcTime | None = Field(
        description="When the rebuild checked the run; null: checked for this answer"
    )
    findings: list[Finding] = Field(description="In the contract's order of checks")
