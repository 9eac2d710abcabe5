"""Instruments: point value and tick size per symbol."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .common import UtcTime

PositiveFinite = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class InstrumentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"point_value": 50, "tick_size": 0.25, "currency": "USD"}]},
    )

    point_value: PositiveFinite = Field(
        description="Currency per 1.0 of price per 1 unit of quantity (ES = 50)"
    )
    tick_size: PositiveFinite | None = None
    currency: str | None = Field(default=None, max_length=20)


class InstrumentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "symbol": "ES 12-25",
                    "point_value": 50.0,
                    "tick_size": 0.25,
                    "currency": "USD",
                    "configured": True,
                    "updated_at": "2025-01-06T22:01:00Z",
                }
            ]
        }
    )

    symbol: str
    point_value: float
    tick_size: float | None
    currency: str | None
    configured: bool = Field(
        description="False for a traded symbol with no instrument row (point value 1)"
    )
    updated_at: UtcTime | None


class InstrumentUpdated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "instrument": {
                        "symbol": "ES 12-25",
                        "point_value": 50.0,
                        "tick_size": 0.25,
                        "currency": "USD",
                        "configured": True,
                        "updated_at": "2025-01-06T22:01:00Z",
                    },
                    "rebuilt_runs": 2,
                    "trades": 84,
                    "failed_runs": {},
                }
            ]
        }
    )

    instrument: InstrumentOut
    rebuilt_runs: int = Field(description="Runs whose trades of this symbol were rebuilt")
    trades: int = Field(description="Trades of the symbol after the rebuild")
    failed_runs: dict[str, str] = Field(
        default_factory=dict,
        description="Runs whose rebuild failed, with the reason: they keep the trades of "
        "their last good rebuild and show their analysis as failed",
    )
