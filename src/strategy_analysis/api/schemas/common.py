"""Types shared by the response models: UTC timestamps with a ``Z``, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema


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
