"""Stream sessions: a run's stream batches as one entry of the import history.

The first batch of a run, or the first after a batch closed it, opens a session: an
import record of its own (status ``live``, ``batch_count``, ``last_batch_at``). Each
batch's record points to it (``session_id``) and the batch adds its counts to it in the
batch's own transaction, so the session always shows what its committed batches did. The
batch that closes the run (``run.status`` COMPLETED or FAILED) closes the session. A batch
that failed is counted and its error kept on the session; what it sent was rolled back,
so its records are not. Batches without a run (market data only) share one session.

Two batches of one run never update its session at once: SQLite writes one transaction
at a time, and on PostgreSQL a batch takes a transaction-level advisory lock on its run's
session before anything else, which also orders the batches of one run that reach
different servers. On PostgreSQL the session costs a stream no round trip: the lock and
the session's read go with the batch record's insert, its update with the record's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from sqlalchemy import Connection, bindparam, insert, select, update

from ..db.engine import driver_connection
from ..db.models import ImportRecord
from .import_records import finish_record, record_values, start_record
from .report import ImportReport

LIVE = "live"
CLOSED = "closed"
CLOSING_RUN_STATUSES = frozenset({"COMPLETED", "FAILED"})
COUNT_FIELDS = ("inserted", "updated", "unchanged", "rejected", "conflicts")
_SESSION_FIELDS = (
    "id",
    "counts",
    "batch_count",
    "rejected_count",
    "conflict_count",
    "duration_seconds",
)

records = ImportRecord.__table__
_LIVE = (records.c.source == "stream", records.c.status == LIVE, records.c.session_id.is_(None))
# Built once: a stream runs them for every batch.
_SESSION_COLS = [records.c[name] for name in _SESSION_FIELDS]
_FIND = select(*_SESSION_COLS).where(*_LIVE, records.c.run_id == bindparam("run_id")).limit(1)
_FIND_WITHOUT_RUN = select(*_SESSION_COLS).where(*_LIVE, records.c.run_id.is_(None)).limit(1)
_OPEN = insert(records).returning(records.c.id)
_UPDATE = update(records).where(records.c.id == bindparam("record_id"))

# PostgreSQL, sent in pipelines through the driver.
_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))"
# By run (its index; "IS NOT DISTINCT FROM" would read every record), or without one.
_LIVE_SQL = {
    with_run: f"source = 'stream' AND status = '{LIVE}' AND session_id IS NULL AND "
    + ("run_id = %(run_id)s" if with_run else "run_id IS NULL")
    for with_run in (True, False)
}
_FIND_SQL = {
    with_run: f"SELECT {', '.join(_SESSION_FIELDS)} FROM import_records WHERE {live} LIMIT 1"
    for with_run, live in _LIVE_SQL.items()
}
_START_SQL = {
    with_run: "INSERT INTO import_records (created_at, source, file_name, sha256, size_bytes,"
    " schema_version, status, job_id, rejected_count, conflict_count, session_id) VALUES"
    " (%(created_at)s, %(source)s, %(file_name)s, %(sha256)s, %(size_bytes)s,"
    " %(schema_version)s, 'running', %(job_id)s, 0, 0,"
    f" (SELECT id FROM import_records WHERE {live} LIMIT 1)) RETURNING id"
    for with_run, live in _LIVE_SQL.items()
}


class StreamSession:
    """The session of one batch. ``start`` writes the batch's record into the run's live
    session (opened if there is none), ``finish`` the batch's record and the session's
    totals; both in the batch's transaction. A failed batch: ``start``, then
    ``finish_failure``, in a transaction of its own."""

    def __init__(self, run_id: str | None, run_status: str | None) -> None:
        self.run_id = run_id
        self.closes = run_status in CLOSING_RUN_STATUSES
        self.session_id: int | None = None
        self._row: dict[str, Any] = {}

    def start(self, conn: Connection, report: ImportReport, job_id: str | None) -> int:
        """The batch's record (``running``) in the session; its id."""
        if conn.dialect.name == "postgresql":
            return self._start_postgres(conn, report, job_id)
        query = _FIND if self.run_id is not None else _FIND_WITHOUT_RUN
        row = conn.execute(query, {"run_id": self.run_id}).mappings().first()
        self._row = dict(row) if row is not None else self._open_new(conn, report)
        self.session_id = int(self._row["id"])
        return start_record(conn, report, job_id, self.session_id)

    def _start_postgres(self, conn: Connection, report: ImportReport, job_id: str | None) -> int:
        # The server runs each statement once the one before is done: the session is read,
        # and the record points to it, after the lock is held.
        raw = driver_connection(conn)
        params = {
            "key": f"stream-session:{self.run_id or ''}",
            "run_id": self.run_id,
            "created_at": datetime.now(UTC),
            "source": report.source,
            "file_name": report.file_name,
            "sha256": report.sha256,
            "size_bytes": report.size_bytes,
            "schema_version": report.schema_version,
            "job_id": job_id,
        }
        with raw.pipeline():
            raw.execute(_LOCK_SQL, params)
            found = raw.cursor(row_factory=dict_row)
            found.execute(_FIND_SQL[self.run_id is not None], params)
            started = raw.cursor()
            started.execute(_START_SQL[self.run_id is not None], params)
        row = found.fetchone()
        import_id = int(started.fetchone()[0])
        if row is None:
            row = self._open_new(conn, report)
            conn.execute(_UPDATE, {"record_id": import_id, "session_id": row["id"]})
        self._row = dict(row)
        self.session_id = int(row["id"])
        return import_id

    def _open_new(self, conn: Connection, report: ImportReport) -> dict[str, Any]:
        now = datetime.now(UTC)
        values = {
            "created_at": now,
            "last_batch_at": now,
            "source": "stream",
            "status": LIVE,
            "schema_version": report.schema_version,
            "run_id": self.run_id,
            "run_ids": [self.run_id] if self.run_id is not None else [],
            "counts": {},
            "batch_count": 0,
            "rejected_count": 0,
            "conflict_count": 0,
            "duration_seconds": 0.0,
        }
        session_id: int = conn.execute(_OPEN, values).scalar_one()
        return {**values, "id": session_id}

    def finish(self, conn: Connection, import_id: int, report: ImportReport) -> None:
        """The batch's record finished, and its counts added to the session's."""
        self._write(conn, import_id, report, self._added(report))

    def finish_failure(self, conn: Connection, import_id: int, report: ImportReport) -> None:
        """A batch that failed or was refused: counted, its error kept on the session;
        what it sent was rolled back, so its records are not."""
        added = {
            "batch_count": (self._row["batch_count"] or 0) + 1,
            "last_batch_at": datetime.now(UTC),
            "error": f"a batch {report.status}: {report.error}",
        }
        self._write(conn, import_id, report, added)

    def _added(self, report: ImportReport) -> dict[str, Any]:
        row = self._row
        counts = {table: dict(values) for table, values in (row["counts"] or {}).items()}
        for table, batch_counts in report.counts.items():
            if batch_counts.total == 0 and not batch_counts.conflicts:
                continue
            summed = counts.setdefault(table, dict.fromkeys(COUNT_FIELDS, 0))
            for name in COUNT_FIELDS:
                summed[name] = summed.get(name, 0) + getattr(batch_counts, name)
        now = datetime.now(UTC)
        values: dict[str, Any] = {
            "counts": counts,
            "batch_count": (row["batch_count"] or 0) + 1,
            "rejected_count": (row["rejected_count"] or 0) + report.rejected_total,
            "conflict_count": (row["conflict_count"] or 0) + report.conflict_total,
            "duration_seconds": (row["duration_seconds"] or 0.0) + report.duration_seconds,
            "last_batch_at": now,
        }
        if self.closes:
            values.update(status=CLOSED, finished_at=now)
        return values

    def _write(
        self, conn: Connection, import_id: int, report: ImportReport, session: dict[str, Any]
    ) -> None:
        if conn.dialect.name != "postgresql":
            finish_record(conn, import_id, report)
            conn.execute(_UPDATE, {"record_id": self.session_id, **session})
            return
        raw = driver_connection(conn)
        with raw.pipeline():
            for record_id, values in (
                (import_id, record_values(report)),
                (self.session_id, session),
            ):
                raw.execute(*_update_sql(record_id, values))


def _update_sql(record_id: int | None, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assignments = ", ".join(f"{name} = %({name})s" for name in values)
    params = {
        name: Jsonb(value) if isinstance(value, dict | list) else value
        for name, value in values.items()
    }
    return f"UPDATE import_records SET {assignments} WHERE id = %(record_id)s", {
        **params,
        "record_id": record_id,
    }
