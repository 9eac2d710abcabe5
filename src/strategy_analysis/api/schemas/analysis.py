"""Breakdowns, Monte Carlo and run comparison (api.md "Analysis")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import CleanNumbers, UtcTime
from .runs import EquityPoint, Statistics, Subset

BreakdownBy = Literal[
    "day", "week", "month", "year", "hour", "weekday", "symbol", "account", "side", "duration"
]


class BreakdownRow(CleanNumbers):
    key: str = Field(description="The group's key, a string (hours 0..23, weekdays 1..7)")
    trades: int
    winning_trades: int
    losing_trades: int
    net_profit: float
    gross_profit: float
    gross_loss: float
    percent_profitable: float
    profit_factor: float | None = Field(description="Null when the group has no loser")
    avg_trade: float


class Breakdown(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": "run-1",
                    "by": "day",
                    "tz": "America/New_York",
                    "subset": {"side": None, "symbol": None, "account": None},
                    "rows": [
                        {
                            "key": "2024-01-02",
                            "trades": 3,
                            "winning_trades": 2,
                            "losing_trades": 1,
                            "net_profit": 120.0,
                            "gross_profit": 200.0,
                            "gross_loss": -80.0,
                            "percent_profitable": 66.66666666666667,
                            "profit_factor": 2.5,
                            "avg_trade": 40.0,
                        }
                    ],
                }
            ]
        }
    )

    run_id: str
    by: BreakdownBy
    tz: str
    subset: Subset
    rows: list[BreakdownRow]


class Percentiles(CleanNumbers):
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float


class MonteCarlo(BaseModel):
    """analytics.md "Monte Carlo": percentiles over the simulated runs; null with no trade."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": "run-1",
                    "subset": {"side": None, "symbol": None, "account": None},
                    "simulations": 1000,
                    "seed": 1,
                    "trades": 250,
                    "net_profit": {"p5": -800.0, "p25": 400.0, "p50": 1250.0,
                                   "p75": 2100.0, "p95": 3300.0},
                    "max_drawdown": {"p5": -2400.0, "p25": -1500.0, "p50": -1100.0,
                                     "p75": -800.0, "p95": -500.0},
                    "probability_of_profit": 0.62,
                }
            ]
        }
    )  # fmt: skip

    run_id: str
    subset: Subset
    simulations: int
    seed: int
    trades: int = Field(description="Closed trades drawn from (total_trades of the subset)")
    net_profit: Percentiles | None
    max_drawdown: Percentiles | None
    probability_of_profit: float | None = Field(
        description="Fraction (0..1) of simulated runs with net profit > 0"
    )


class ComparedRun(BaseModel):
    run_id: str
    strategy_id: str
    name: str | None = Field(description="The user's name for the run; null: none")
    updated_at: UtcTime | None = Field(description="Null until the run's trades are built")
    statistics: Statistics | None = Field(
        description="Every statistic of both analytics.md tables, as GET /api/runs/{run_id}/stats"
    )
    equity: list[EquityPoint] = Field(
        description="Equity and drawdown at each closed trade's exit, from 0 at the first "
        "entry (a longer curve keeps `points` of them, its extremes among them)"
    )


class Comparison(BaseModel):
    runs: list[ComparedRun] = Field(description="In the order the run_ids were given")
