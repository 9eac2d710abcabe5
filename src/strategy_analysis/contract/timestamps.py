"""Timestamp rules (section 3): 0-7 fractional digits, ``T`` or space, ``Z`` or an offset.

A time without an offset is UTC, and must stay within years 1-9999 once converted to UTC.
Seven digits (.NET's ``"o"`` format) are truncated to
microseconds. Stored form is ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, the fixed-width text the
SQLite column type uses and PostgreSQL reads for ``timestamptz`` in a UTC session.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# What counts as blank around a value: ASCII whitespace, the same set the SQL checks trim.
WHITESPACE = " \t\n\r\f\v"

_TIMESTAMP = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,7}))?(Z|[+-][0-9]{2}:[0-9]{2})?",
    re.IGNORECASE | re.ASCII,
)


def parse_timestamp(value: object) -> datetime:
    """Parse a contract timestamp into an aware UTC datetime; ``ValueError`` says why not."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError(f"timestamp must be text, got {type(value).__name__} {value!r}")
    match = _TIMESTAMP.fullmatch(value.strip(WHITESPACE))
    if match is None:
        raise ValueError(
            f"invalid timestamp {value!r} (expected YYYY-MM-DD HH:MM:SS[.fffffff][Z|+HH:MM])"
        )
    date, time, fraction, offset = match.groups()
    fraction = (fraction or "")[:6].ljust(6, "0")
    if offset is None or offset.upper() == "Z":
        offset = "+00:00"
    try:
        # fromisoformat with an explicit offset is far cheaper than replace(tzinfo=...).
        parsed = datetime.fromisoformat(f"{date}T{time}.{fraction}{offset}")
    except ValueError as exc:
        raise ValueError(f"invalid timestamp {value!r}: {exc}") from None
    if offset != "+00:00":
        try:
            parsed = parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError(
                f"invalid timestamp {value!r}: outside years 1-9999 once converted to UTC"
            ) from None
    return parsed


def storage_text(value: datetime) -> str:
    """The stored form of an aware UTC datetime: ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def normalise_timestamp(value: object) -> str:
    """Parse a contract timestamp and return its stored form."""
    return storage_text(parse_timestamp(value))


def shifted(instant: datetime, delta: timedelta) -> datetime:
    """``instant + delta``, held within years 1-9999 (the range every stored time keeps)."""
    try:
        return instant + delta
    except OverflowError:
        edge = datetime.max if delta > timedelta(0) else datetime.min
        return edge.replace(tzinfo=instant.tzinfo)
