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
different servers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text, update

from ..db.models import ImportRecord
from .report import ImportReport

LIVE = "live"
CLOSED = "closed"
CLOSING_RUN_STATUSES = frozenset({"COMPLETED", "FAILED"})
COUNT_FIELDS = ("inserted", "updated", "unchanged", "rejected", "conflicts")

records = ImportRecord.__table__
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
_SESSION_COLS = (
    records.c.id,
    records.c.counts,
    records.c.batch_count,
    records.c.rejected_count,
    records.c.conflict_count,
    records.c.duration_seconds,
)
_LIVE = (records.c.source == "stream", records.c.status == LIVE, records.c.session_id.is_(None))
# Built once: a stream runs them for every batch.
_FIND = select(*_SESSION_COLS).where(*_LIVE, records.c.run_id == bindparam("run_id")).limit(1)
_FIND_WITHOUT_RUN = select(*_SESSION_COLS).where(*_LIVE, records.c.run_id.is_(None)).limit(1)
_OPEN = insert(records).returning(records.c.id)
_ADD = update(records).where(records.c.id == bindparam("session"))


class StreamSession:
    """The session of one batch: ``open`` it in the batch's transaction before the
    batch's record is written, ``add`` the batch before the transaction commits."""

    def __init__(self, run_id: str | None, run_status: str | None) -> None:
        self.run_id = run_id
        self.closes = run_status in CLOSING_RUN_STATUSES
        self.session_id: int | None = None
        self._row: dict[str, Any] = {}

    def open(self, conn: Connection, schema_version: str | None) -> int:
        """The id of the run's live session, opened now if there is none; locked until
        the transaction ends (PostgreSQL)."""
        if conn.dialect.name == "postgresql":
            conn.execute(_LOCK, {"key": f"stream-session:{self.run_id or ''}"})
        if self.run_id is None:
            row = conn.execute(_FIND_WITHOUT_RUN).mappings().first()
        else:
            row = conn.execute(_FIND, {"run_id": self.run_id}).mappings().first()
        if row is None:
            row = self._open_new(conn, schema_version)
        self._row = dict(row)
        self.session_id = int(row["id"])
        return self.session_id

    def _open_new(self, conn: Connection, schema_version: str | None) -> dict[str, Any]:
        now = datetime.now(UTC)
        values = {
            "created_at": now,
            "last_batch_at": now,
            "source": "stream",
            "status": LIVE,
            "schema_version": schema_version,
            "run_id": self.run_id,
            "run_ids": [self.run_id] if self.run_id is not None else [],
            "counts": {},
            "batch_count": 0,
            "rejected_count": 0,
            "conflict_count": 0,
            "duration_seconds": 0.0,
        }
        session_id = conn.execute(_OPEN, values).scalar_one()
        return {**values, "id": session_id}

    def add(self, conn: Connection, report: ImportReport) -> None:
        """Add a committed batch's counts (in its transaction)."""
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
        conn.execute(_ADD, {"session": self.session_id, **values})

    def add_failure(self, conn: Connection, report: ImportReport) -> None:
        """Count a batch that failed or was refused, and keep its error (its own
        transaction: the batch's was rolled back)."""
        row = self._row
        conn.execute(
            _ADD,
            {
                "session": self.session_id,
                "batch_count": (row["batch_count"] or 0) + 1,
                "last_batch_at": datetime.now(UTC),
                "error": f"a batch {report.status}: {report.error}",
            },
        )
