"""The stream batch as documented in OpenAPI (the route parses the raw body itself, so
gzip and size limits apply before any JSON is built)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ...contract.records import (
    VERSION_CHARS,
    BarRecord,
    ExecutionRecord,
    InstrumentRecord,
    OrderRecord,
)
from ...contract.values import ID_CHARS


class StreamRun(BaseModel):
    model_config = ConfigDict(extra="allow")

    run_id: str | None = Field(
        default=None,
        max_length=ID_CHARS,
        description="Required when orders or executions are present; no '/' (it names "
        "the run in URL paths). A run value that cannot be stored (a NUL, a lone "
        "surrogate, longer than its field) refuses the batch with 422.",
    )
    strategy_id: str | None = Field(default=None, max_length=ID_CHARS)
    strategy_name: str | None = Field(default=None, max_length=ID_CHARS)
    strategy_version: str | None = Field(default=None, max_length=VERSION_CHARS)
    parameters: dict[str, Any] | None = None
    mode: str | None = Field(default=None, description="backtest | sim | live")
    status: str | None = Field(
        default=None, description="RUNNING; COMPLETED or FAILED close the run"
    )
    account_id: str | None = Field(default=None, max_length=ID_CHARS)
    reported_net_pnl: float | None = None
    reported_trade_count: int | None = None


class StreamBatch(BaseModel):
    """One batch (export-format.md section 2). Every list may be empty or absent."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "schema_version": "1.1",
                    "run": {
                        "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
                        "strategy_id": "StackedImbalance",
                        "mode": "live",
                        "status": "RUNNING",
                    },
                    "instruments": [{"symbol": "ES 12-25", "point_value": 50, "tick_size": 0.25}],
                    "orders": [
                        {
                            "order_id": "o-1",
                            "strategy_id": "StackedImbalance",
                            "account_id": "Sim101",
                            "symbol": "ES 12-25",
                            "side": "Buy",
                            "order_type": "Market",
                            "submit_time_utc": "2025-01-06T14:30:00Z",
                            "quantity": 1,
                            "status": "Filled",
                        }
                    ],
                    "executions": [
                        {
                            "execution_id": "e-1",
                            "order_id": "o-1",
                            "symbol": "ES 12-25",
                            "side": "Buy",
                            "exec_time_utc": "2025-01-06T14:30:00.1234567Z",
                            "price": 6012.25,
                            "quantity": 1,
                            "fee": 2.1,
                        }
                    ],
                }
            ]
        },
    )

    schema_version: str | None = Field(default=None, examples=["1.1"])
    run: StreamRun | None = None
    instruments: list[InstrumentRecord] | None = None
    bars: list[BarRecord] | None = None
    orders: list[OrderRecord] | None = None
    executions: list[ExecutionRecord] | None = None
