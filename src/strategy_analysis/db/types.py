"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# SQLite stores DateTime as this exact text (sortable, fixed width): bulk SQL must match it.
SQLITE_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def stored_instant(value: Any) -> datetime | None:
    """A timestamp as the import stages it (that text, or a datetime) as an aware UTC instant."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value) + "+00:00")


class UtcDateTime(TypeDecorator[datetime]):
    """An instant in UTC: timestamptz on PostgreSQL, fixed-width text on SQLite.

    Naive values are taken as UTC; values always come back timezone-aware in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        else:
            value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")
