"""Timestamps between the database and int64 microseconds, in bulk, per dialect.

SQLite stores UtcDateTime as fixed-width text ``YYYY-MM-DD HH:MM:SS.ffffff`` (db/types.py);
PostgreSQL as timestamptz. Reads convert in SQL, writes format whole numpy arrays at once,
so no datetime object is created per row.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from .columns import NO_TIME, micros_to_datetime

_TEXT_WIDTH = 26  # len("2025-01-06 14:30:00.000000")


def micros_expression(column: str, dialect: str) -> str:
    """SQL for ``column`` as BIGINT microseconds since the epoch (NULL stays NULL)."""
    if dialect == "sqlite":
        # strftime('%s') of the whole text rounds a fraction of .9995 s or more up to the
        # next second: the seconds come from the text without its fraction.
        return (
            f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({column}, 21, 6) AS INTEGER))"
        )
    return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"


def micros_to_text(micros: np.ndarray) -> list[str | None]:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` per value (None for NO_TIME).

    The exact SQLite storage format; PostgreSQL reads it as UTC (the session time zone).
    """
    micros = np.asarray(micros, dtype=np.int64)
    missing = micros == NO_TIME
    text = np.datetime_as_string(np.where(missing, 0, micros).astype("datetime64[us]"), unit="us")
    if text.dtype.itemsize // 4 == _TEXT_WIDTH and len(text):
        # 'T' -> ' ' in place: one vectorised write instead of a string replace per value.
        text.view(np.uint32).reshape(-1, _TEXT_WIDTH)[:, 10] = ord(" ")
        values: list[str | None] = text.tolist()
    else:
        values = [t.replace("T", " ") for t in text.tolist()]
    if missing.any():
        for i in np.flatnonzero(missing).tolist():
            values[i] = None
    return values


def bind_time(micros: int, dialect: str) -> str | datetime | None:
    """A single time as the DBAPI parameter the dialect compares correctly."""
    value = micros_to_datetime(micros)
    if value is None:
        return None
    if dialect == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value
