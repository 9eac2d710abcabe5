"""The event bus through the database: every process's events reach every server's clients.

``publish(kind, **fields)`` stores the event in the events table (db/event_log.py) in a
transaction of its own (the change it announces has committed before) and returns. A
server starts the bus's listener, a thread that hands the stored events to the process's
subscribers in id order: on PostgreSQL woken by ``LISTEN``/``NOTIFY`` on a connection of
its own (reconnecting after a failure, then reading whatever it missed meanwhile), on
SQLite by reading the table every ``POLL_SECONDS`` (one indexed read), and at once for
what its own process published. The CLI, the watcher and the rebuild process only publish.

Progress events (``TRANSIENT``) come several times a second and are stale a moment later:
they are not stored. On PostgreSQL their JSON travels in the notification itself; on
SQLite they reach the subscribers of the publishing process only (one server per SQLite
file, and the CLI shows its own progress bar).

An event that cannot be stored (the database is down) is logged and delivered to this
process's subscribers without an id: what it announces is committed, so it is not lost.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ..db import event_log
from ..events import Event, EventBus
from ..ingest.report import ImportReport
from .boundary import run_guarded

log = logging.getLogger(__name__)

IMPORT_FINISHED = "import_finished"
TRANSIENT = frozenset({"job_progress"})
POLL_SECONDS = 0.2
# How long the PostgreSQL listener waits for a notification before it looks at its
# stop flag (stop() wakes it at once when it can); how long it waits before connecting
# again after a failure.
LISTEN_SECONDS = 1.0
RECONNECT_SECONDS = 1.0
# How long start() waits for the PostgreSQL listener's first LISTEN.
START_SECONDS = 10.0
PRUNE_SECONDS = 60.0
READ_LIMIT = 1000
STORE_ERRORS = (SQLAlchemyError, psycopg.Error, sqlite3.Error, OSError)


@dataclass(frozen=True)
class Replay:
    """The stored events after a client's last id, and whether some were pruned first."""

    events: list[Event]
    newest_id: int
    missed_some: bool


def _as_event(row: event_log.LoggedEvent) -> Event:
    return Event(row.kind, row.data, time=row.created_at, id=row.id)


class SharedEventBus(EventBus):
    """``retention_seconds``: a bus that prunes the table (the server's); None: never."""

    def __init__(self, engine: Engine, *, retention_seconds: float | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.retention = None if retention_seconds is None else timedelta(seconds=retention_seconds)
        self.last_id = 0
        self._next_prune = 0.0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        # This listener's own channel: stop() notifies it there, other servers never hear it.
        self._stop_channel = f"{event_log.CHANNEL}_stop_{uuid.uuid4().hex[:16]}"

    # --- publishing -------------------------------------------------------------------

    def publish(self, event_type: str, **data: Any) -> Event:
        fields = json.loads(json.dumps(data, default=str))
        if event_type in TRANSIENT:
            return self._publish_transient(Event(event_type, fields))
        try:
            with self.engine.begin() as conn:
                event_id = event_log.append(conn, event_type, fields)
                self._prune_if_due(conn)
        except STORE_ERRORS:
            log.exception("event %s not stored: delivered in this process only", event_type)
            event = Event(event_type, fields)
            self.deliver(event)
            return event
        self._wake.set()
        return Event(event_type, fields, id=event_id)

    def _publish_transient(self, event: Event) -> Event:
        if self.postgres:
            payload = json.dumps({"type": event.type, "data": event.data})
            try:
                with self.engine.connect() as conn:
                    event_log.notify(conn, payload)
                    conn.commit()
                return event
            except STORE_ERRORS:
                log.exception("event %s not sent: delivered in this process only", event.type)
        self.deliver(event)
        return event

    def _prune_if_due(self, conn: Any) -> None:
        if self.retention is None or time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_SECONDS
        deleted = event_log.prune(conn, self.retention)
        if deleted:
            log.info("pruned %d events older than %s", deleted, self.retention)

    # --- reading ----------------------------------------------------------------------

    def replay(self, after_id: int | None) -> Replay:
        """What a client whose last event was ``after_id`` missed; None: a new client.

        ``missed_some`` when the events after ``after_id`` are pruned already, when there
        are more than READ_LIMIT of them, or when the id is not one of this database's
        (the table always keeps its newest event): the client then reloads what it shows.
        """
        with self.engine.connect() as conn:
            oldest, newest = event_log.id_range(conn)
            rows = [] if after_id is None else event_log.read_after(conn, after_id, READ_LIMIT)
        newest_id = max([newest or 0] + [row.id for row in rows])
        if after_id is None:
            return Replay([], newest_id, missed_some=False)
        missed = (
            after_id > (newest or 0)
            or (oldest is not None and after_id < oldest - 1)
            or len(rows) == READ_LIMIT
        )
        if missed:
            return Replay([], newest_id, missed_some=True)
        return Replay([_as_event(row) for row in rows], newest_id, missed_some=False)

    # --- the listener -----------------------------------------------------------------

    def start(self) -> None:
        """Deliver every process's events to this process's subscribers from now on."""
        with self.engine.connect() as conn:
            self.last_id = event_log.id_range(conn)[1] or 0
        target = self._listen_postgres if self.postgres else self._poll_sqlite
        self._thread = threading.Thread(target=target, name="event-listener", daemon=True)
        self._thread.start()
        # Notifications sent before LISTEN are not delivered: progress would miss them.
        if self.postgres and not self._listening.wait(START_SECONDS):
            log.warning("the event listener is not listening yet: it goes on trying")

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            if self.postgres and self._thread.is_alive():
                self._wake_listener()
            self._thread.join(timeout)

    def _wake_listener(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(
                    text("SELECT pg_notify(:channel, '')"), {"channel": self._stop_channel}
                )
                conn.commit()
        except STORE_ERRORS:
            pass  # the database is out of reach: the listener stops after LISTEN_SECONDS

    def _catch_up(self) -> None:
        """Deliver the stored events after the last one delivered, in id order."""
        while True:
            with self.engine.connect() as conn:
                rows = event_log.read_after(conn, self.last_id, READ_LIMIT)
            for row in rows:
                self.last_id = row.id
                self.deliver(_as_event(row))
            if len(rows) < READ_LIMIT:
                return

    def _poll_sqlite(self) -> None:
        while not self._stopping.is_set():
            if not run_guarded("reading the events table", self._catch_up, _logged):
                self._stopping.wait(RECONNECT_SECONDS)
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _listen_postgres(self) -> None:
        conninfo = self.engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        while not self._stopping.is_set():
            if not run_guarded("listening for events", lambda: self._listen(conninfo), _logged):
                self._stopping.wait(RECONNECT_SECONDS)

    def _listen(self, conninfo: str) -> None:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"LISTEN {event_log.CHANNEL}")
            conn.execute(f"LISTEN {self._stop_channel}")
            self._listening.set()
            # What committed while no connection listened (first start, a reconnect).
            self._catch_up()
            while not self._stopping.is_set():
                for note in conn.notifies(timeout=LISTEN_SECONDS):
                    if note.channel == self._stop_channel:
                        break
                    self._on_notification(note.payload)
                    if self._stopping.is_set():
                        break

    def _on_notification(self, payload: str) -> None:
        if payload.isdigit():
            if int(payload) > self.last_id:
                self._catch_up()
            return
        message = json.loads(payload)
        self.deliver(Event(message["type"], message["data"]))


def _logged(_message: str) -> None:
    return None


def publish_import_finished(bus: EventBus, report: ImportReport, job_id: str | None = None) -> None:
    """Announce an import that was recorded in the history (not a dry run)."""
    if report.import_id is None:
        return
    bus.publish(
        IMPORT_FINISHED,
        import_id=report.import_id,
        source=report.source,
        file_name=report.file_name,
        status=report.status,
        run_ids=list(report.run_ids),
        job_id=job_id,
    )
