"""Types shared by the response models: UTC timestamps with a ``Z``, pages, numbers
without binary noise."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
)

# Significant digits an answer keeps: far more than any amount or price needs, far fewer
# than the ~16 at which float sums show their noise (-182.09999999999837 for -182.1).
SIGNIFICANT_DIGITS = 10
# ... but never fewer than cents, however large the amount.
MIN_DECIMALS = 2


def clean_number(value: float) -> float:
    """``value`` rounded to SIGNIFICANT_DIGITS significant digits (at least MIN_DECIMALS
    decimals): what a float sum means, without its binary noise."""
    if value == 0 or not math.isfinite(value):
        return value
    whole_digits = math.floor(math.log10(abs(value))) + 1
    digits = max(SIGNIFICANT_DIGITS, whole_digits + MIN_DECIMALS)
    return float(f"{value:.{digits}g}")


class CleanNumbers(BaseModel):
    """A response model whose float fields (extra ones included) reach JSON cleaned by
    clean_number. Stored and computed values keep full precision: sums are taken first,
    rounded only on the way out."""

    @model_serializer(mode="wrap", when_used="json")
    def _without_noise(self, handler: SerializerFunctionWrapHandler):
        # No return annotation: pydantic then documents the model's own fields.
        data = handler(self)
        return {
            key: clean_number(value) if isinstance(value, float) else value
            for key, value in data.items()
        }


def format_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a trailing ``Z`` (api.md); naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcTime = Annotated[
    datetime,
    PlainSerializer(format_utc, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "examples": ["2025-01-06T14:30:00.250000Z"]}
    ),
]


class PageInfo(BaseModel):
    total: int = Field(
        description="Items matching the filters, all pages together", examples=[1234]
    )
    limit: int = Field(examples=[100])
    offset: int = Field(examples=[0])


class ErrorBody(BaseModel):
    """Every error answers this body, with a 4xx status (or a 5xx: the server failed)."""

    detail: str = Field(examples=["no trade with id 7c1e..."])


def error_responses(*codes: int) -> dict[int | str, dict]:
    """OpenAPI ``responses`` entries for the error statuses a route can answer."""
    descriptions = {
        400: "Malformed request",
        401: "Missing or wrong X-API-Key",
        404: "Not found",
        409: "Conflict",
        413: "Body too large",
        415: "Unsupported file type",
        422: "Invalid request",
        500: "The server failed; nothing of the request was done",
        503: "Database busy or unreachable; retry (after `Retry-After` seconds)",
    }
    return {code: {"model": ErrorBody, "description": descriptions[code]} for code in codes}
