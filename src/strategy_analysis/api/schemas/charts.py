"""Chart data computed on request."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ExcursionPoint(BaseModel):
    trade_id: str
    value: float = Field(description="The trade's MAE or MFE (money)")
    pnl_net: float


class ExcursionSeries(BaseModel):
    total: int = Field(description="Closed trades with this excursion")
    points: list[ExcursionPoint] = Field(
        description="All of them, or at most `points` that draw alike: one per occupied cell "
        "of a grid over the plot (the one farthest from the centre), the extremes always kept"
    )


class ExcursionScatter(BaseModel):
    """Net PnL against MAE and against MFE for the run's closed trades."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "trades": 2,
                    "mae": {
                        "total": 2,
                        "points": [
                            {
                                "trade_id": "3f0c9a1b2d4e5f60718293a4b5c6d7e8",
                                "value": 75.0,
                                "pnl_net": 320.8,
                            },
                            {
                                "trade_id": "9a8b7c6d5e4f30211203948576a5b4c3",
                                "value": 210.0,
                                "pnl_net": -95.0,
                            },
                        ],
                    },
                    "mfe": {"total": 0, "points": []},
                }
            ]
        }
    )

    run_id: str
    trades: int = Field(description="Closed trades with a net PnL")
    mae: ExcursionSeries
    mfe: ExcursionSeries
