"""The user's own words on runs and trades (PATCH bodies and answers), a run's deletion."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_NAME = 200
MAX_NOTES = 20_000
MAX_TAG = 50
MAX_TAGS = 30

# PostgreSQL text cannot hold a NUL character.
_NO_NUL = r"^[^\x00]*$"
Name = Annotated[str, StringConstraints(max_length=MAX_NAME, pattern=_NO_NUL)]
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES, pattern=_NO_NUL)]
Tag = Annotated[str, StringConstraints(max_length=MAX_TAG, pattern=_NO_NUL)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]

_TAGS_DESCRIPTION = (
    "Replaces the tags: each trimmed, inner spaces collapsed, blank ones dropped, "
    "duplicates (ignoring case) kept once; null or [] removes them all"
)


class RunPatch(BaseModel):
    """Fields left out stay as they are; blank text or null clears a field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "ES ratio 3, January", "tags": ["baseline", "2025-01"]}]
        },
    )

    name: Name | None = Field(default=None, description="Shown instead of the run's id")
    notes: Notes | None = None
    tags: Tags | None = Field(default=None, description=_TAGS_DESCRIPTION)


class TradePatch(BaseModel):
    """Fields left out stay as they are; blank text or null clears the notes."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"notes": "Chased the entry.", "tags": ["late entry"]}]},
    )

    notes: Notes | None = None
    tags: Tags | None = Field(default=None, description=_TAGS_DESCRIPTION)


class TradeAnnotation(BaseModel):
    """A trade's notes and tags as stored (kept across rebuilds and re-imports)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "trade_id": "3f0c9a1b2d4e5f60718293a4b5c6d7e8",
                    "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "notes": "Chased the entry.",
                    "tags": ["late entry"],
                }
            ]
        }
    )

    trade_id: str
    run_id: str
    notes: str | None
    tags: list[str]


class RunDeleted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "strategy_id": "StackedImbalance",
                    "deleted": {
                        "trade_lots": 44,
                        "trade_tags": 1,
                        "trade_notes": 1,
                        "run_tags": 1,
                        "trades": 42,
                        "run_statistics": 1,
                        "orders": 120,
                        "executions": 96,
                        "runs": 1,
                    },
                }
            ]
        }
    )

    run_id: str
    strategy_id: str
    deleted: dict[str, int] = Field(description="Rows deleted per table")
