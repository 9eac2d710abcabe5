"""Strategies, runs, run statistics and the equity curve."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import CleanNumbers, PageInfo, UtcTime

_RUN_ID = "6f1c2d3e-0000-4000-8000-000000000001"


class StrategyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "strategy_id": "StackedImbalance",
                    "name": "Stacked Imbalance",
                    "version": "2.3",
                    "run_count": 4,
                    "created_at": "2025-01-06T14:00:00Z",
                    "updated_at": "2025-01-07T09:00:00Z",
                }
            ]
        }
    )

    strategy_id: str
    name: str | None
    version: str | None
    run_count: int
    created_at: UtcTime
    updated_at: UtcTime


class RunCounts(BaseModel):
    orders: int
    executions: int
    trades: int


class RunSummary(CleanNumbers):
    """Headline numbers from the run's last statistics rebuild."""

    total_trades: int | None = None
    net_profit: float | None = None
    profit_factor: float | None = None
    percent_profitable: float | None = None
    max_drawdown: float | None = None


_RUN_EXAMPLE: dict[str, Any] = {
    "run_id": _RUN_ID,
    "strategy_id": "StackedImbalance",
    "strategy_name": "Stacked Imbalance",
    "strategy_version": "2.3",
    "parameters": {"ratio": 3},
    "mode": "backtest",
    "status": "COMPLETED",
    "account_id": "Sim101",
    "exporter": "StackedImbalanceStrategyDue/2.3 SqliteExporter/1.1",
    "schema_version": "1.1",
    "created_utc": "2025-01-06T22:00:00Z",
    "reported_net_pnl": 1520.5,
    "reported_trade_count": 42,
    "first_data_time": "2025-01-06T14:30:00Z",
    "last_data_time": "2025-01-06T21:59:00Z",
    "created_at": "2025-01-06T22:01:00Z",
    "updated_at": "2025-01-06T22:01:00Z",
    "analysis_updated_at": "2025-01-06T22:01:02Z",
    "analysis_status": "built",
    "analysis_error": None,
    "analysis_failed_at": None,
    "analysis_failed_symbols": [],
    "counts": {"orders": 120, "executions": 96, "trades": 42},
    "name": "ES ratio 3, January",
    "notes": "First backtest with the new stop.",
    "tags": ["baseline"],
    "accounts": ["Sim101"],
    "symbols": ["ES 12-25"],
    "trade_tags": ["late entry"],
    "point_value_missing": [],
    "quality_verdict": "warnings",
    "summary": {
        "total_trades": 42,
        "net_profit": 1520.5,
        "profit_factor": 1.8,
        "percent_profitable": 57.1,
        "max_drawdown": -640.0,
    },
}


class RunOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_RUN_EXAMPLE]})

    run_id: str
    strategy_id: str
    strategy_name: str | None
    strategy_version: str | None
    parameters: dict[str, Any] | None
    mode: str | None
    status: str = Field(description="RUNNING while a stream is open; COMPLETED or FAILED")
    account_id: str | None
    exporter: str | None
    schema_version: str | None
    created_utc: UtcTime | None
    reported_net_pnl: float | None
    reported_trade_count: int | None
    first_data_time: UtcTime | None
    last_data_time: UtcTime | None
    created_at: UtcTime
    updated_at: UtcTime
    analysis_updated_at: UtcTime | None = Field(
        description="When a rebuild last stored the run's trades and statistics"
    )
    analysis_status: Literal["not_built", "built", "failed"] = Field(
        description="`failed` when the last rebuild of some of the run's trades failed: the "
        "trades and statistics shown are those of an earlier rebuild and may miss the data "
        "that arrived since (`analysis_error` says why). A later rebuild that succeeds "
        "clears it."
    )
    analysis_error: str | None = Field(description="Why the last failed rebuild failed")
    analysis_failed_at: UtcTime | None = Field(description="When the last failed rebuild failed")
    analysis_failed_symbols: list[str] = Field(
        description="The symbols whose trades could not be rebuilt"
    )
    counts: RunCounts
    point_value_missing: list[str] = Field(
        description="Symbols the run traded that have no instrument: their PnL used point "
        "value 1 until one is set (PUT /api/instruments/{symbol})"
    )
    quality_verdict: Literal["clean", "warnings", "errors"] | None = Field(
        default=None,
        description="The data-quality verdict (GET /api/runs/{run_id}/quality): `errors` "
        "when a finding is an error, else `warnings` when one is a warning, else `clean` "
        "(info findings leave a run clean); null until a rebuild assessed the run",
    )
    summary: RunSummary | None = Field(description="Null until the run's trades are built")
    name: str | None = Field(description="The user's name for the run (PATCH); null: none")
    notes: str | None = Field(description="The user's notes on the run (PATCH)")
    tags: list[str] = Field(description="The user's tags on the run (PATCH), sorted")
    accounts: list[str] = Field(description="The accounts of the run's trades")
    symbols: list[str] = Field(description="The symbols of the run's trades")
    trade_tags: list[str] = Field(description="The tags in use on the run's trades")


class RunPage(PageInfo):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [_RUN_EXAMPLE], "total": 1, "limit": 100, "offset": 0}]
        }
    )

    items: list[RunOut]


class Reconciliation(CleanNumbers):
    model_config = ConfigDict(extra="allow")

    reported_net_pnl: float | None = None
    platform_net_pnl: float | None = None
    net_pnl_difference: float | None = None
    reported_trade_count: int | None = None
    platform_trade_count: int | None = None
    trade_count_difference: int | None = None
    matches: bool | None = None


class Statistics(CleanNumbers):
    """Run statistics exactly as analytics.md defines them (closed trades only)."""

    model_config = ConfigDict(extra="allow")

    total_trades: int = 0
    winning_trades: int = 0
    losing_trades: int = 0
    even_trades: int = 0
    open_trades: int | None = None
    net_profit: float | None = None
    gross_profit: float | None = None
    gross_loss: float | None = None
    commission: float | None = None
    profit_factor: float | None = None
    percent_profitable: float | None = None
    avg_trade: float | None = None
    avg_winning_trade: float | None = None
    avg_losing_trade: float | None = None
    ratio_avg_win_avg_loss: float | None = None
    largest_winning_trade: float | None = None
    largest_losing_trade: float | None = None
    max_consecutive_winners: int | None = None
    max_consecutive_losers: int | None = None
    max_drawdown: float | None = None
    avg_mae: float | None = None
    avg_mfe: float | None = None
    avg_etd: float | None = None
    avg_duration_seconds: float | None = None
    expectancy: float | None = None
    reconciliation: Reconciliation | None = Field(
        None, description="The whole run's against the strategy's own figures; null for a subset"
    )
    # Risk and time statistics (analytics.md)
    profit_per_month: float | None = None
    monthly_std: float | None = None
    sharpe_ratio: float | None = None
    sortino_ratio: float | None = None
    ulcer_index: float | None = None
    r_squared: float | None = None
    sqn: float | None = None
    max_runup: float | None = None
    max_time_to_recover_seconds: float | None = None
    longest_flat_seconds: float | None = None
    time_in_market_percent: float | None = None
    avg_trades_per_day: float | None = None
    avg_entry_efficiency: float | None = None
    avg_exit_efficiency: float | None = None
    avg_total_efficiency: float | None = None


class Subset(BaseModel):
    """The subset of the run's closed trades an answer is over; null: any."""

    side: Literal["LONG", "SHORT"] | None = None
    symbol: str | None = None
    account: str | None = None


class RunStatisticsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": _RUN_ID,
                    "updated_at": "2025-01-06T22:01:02Z",
                    "statistics": {
                        "total_trades": 42,
                        "winning_trades": 24,
                        "losing_trades": 17,
                        "even_trades": 1,
                        "net_profit": 1520.5,
                        "profit_factor": 1.8,
                        "max_drawdown": -640.0,
                        "reconciliation": None,
                    },
                }
            ]
        }
    )

    run_id: str
    updated_at: UtcTime | None = Field(description="Null until the run's trades are built")
    subset: Subset = Field(default_factory=Subset)
    statistics: Statistics | None


class EquityPoint(CleanNumbers):
    time: UtcTime
    equity: float
    drawdown: float


class EquityCurve(BaseModel):
    """Cumulative pnl_net at each closed trade's exit, from 0 at the first entry."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": _RUN_ID,
                    "points": [
                        {"time": "2025-01-06T14:30:00Z", "equity": 0.0, "drawdown": 0.0},
                        {"time": "2025-01-06T14:42:30Z", "equity": 320.8, "drawdown": 0.0},
                    ],
                }
            ]
        }
    )

    run_id: str
    points: list[EquityPoint]
