"""The events table: append, read after an id, prune (the SQL of jobs/shared_events.py).

Ids are the server-sent events' ids, so a listener that read up to id N must never see a
smaller id commit later. On PostgreSQL, where two transactions may take ids 10 and 11 and
commit in the other order, appends hold a transaction-level advisory lock from before the
id is drawn to the commit; SQLite writes one transaction at a time anyway. The append
announces the id with ``NOTIFY`` in its own transaction (delivered when it commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from .models import StoredEvent, utc_now

CHANNEL = "strategy_analysis_events"
# The advisory lock key of appends (PostgreSQL).
APPEND_LOCK = 0x5A_4D16_0002

events = StoredEvent.__table__
_APPEND = insert(events).returning(events.c.id)
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


@dataclass(frozen=True)
class LoggedEvent:
    id: int
    kind: str
    data: dict[str, Any]
    created_at: datetime


def append(conn: Connection, kind: str, data: dict[str, Any]) -> int:
    """Store the event and announce its id (PostgreSQL); the caller commits."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(_LOCK, {"key": APPEND_LOCK})
    event_id: int = conn.execute(
        _APPEND, {"created_at": utc_now(), "kind": kind, "data": data}
    ).scalar_one()
    if postgres:
        notify(conn, str(event_id))
    return int(event_id)


def notify(conn: Connection, payload: str) -> None:
    """PostgreSQL: a notification on the events channel, sent when ``conn`` commits."""
    conn.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})


def read_after(conn: Connection, after_id: int, limit: int = 1000) -> list[LoggedEvent]:
    rows = conn.execute(
        select(events.c.id, events.c.kind, events.c.data, events.c.created_at)
        .where(events.c.id > after_id)
        .order_by(events.c.id)
        .limit(limit)
    )
    return [LoggedEvent(int(r.id), r.kind, r.data, r.created_at) for r in rows]


def id_range(conn: Connection) -> tuple[int | None, int | None]:
    """The oldest and newest stored ids (None, None when there is none)."""
    row = conn.execute(select(func.min(events.c.id), func.max(events.c.id))).one()
    low: int | None = row[0]
    high: int | None = row[1]
    return low, high


def prune(conn: Connection, retention: timedelta) -> int:
    """Delete events older than ``retention``, always keeping the newest one: the table
    then still tells a reconnecting client whose last id is older than every row that it
    missed some (api/routers/events.py)."""
    newest = select(func.max(events.c.id)).scalar_subquery()
    deleted = conn.execute(
        events.delete().where(events.c.created_at < utc_now() - retention, events.c.id < newest)
    )
    return deleted.rowcount or 0
