"""Instruments: point value and tick size per symbol."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .common import UtcTime

PositiveFinite = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class InstrumentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"point_value": 50, "tick_size": 0.25, "currency": "USD"}]},
    )

    point_value: PositiveFinite | None = Field(
        default=None,
        description="Currency per 1.0 of price per 1 unit of quantity (ES = 50); "
        "required when the symbol has no instrument yet",
    )
    tick_size: PositiveFinite | None = Field(
        default=None, description="Smallest price step; sets the decimals prices are shown with"
    )
    currency: str | None = Field(default=None, max_length=20)

    @field_validator("point_value", mode="before")
    @classmethod
    def _point_value_not_null(cls, value: object) -> object:
        # Left out, it keeps the stored value; a point value is never cleared.
        if value is None:
            raise ValueError("point_value cannot be null")
        return value


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
                    "set_by_user": True,
                    "price_decimals": 2,
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
        description="False for a traded symbol with no instrument row: its PnL uses point "
        "value 1 until one is set"
    )
    set_by_user: bool = Field(
        description="Saved through the API: imports keep these values (a differing import "
        "value is listed as a conflict)"
    )
    price_decimals: int = Field(
        description="Decimals its prices are shown with: the tick size's, else the most its "
        "bar and fill prices need"
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
                        "set_by_user": True,
                        "price_decimals": 2,
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
