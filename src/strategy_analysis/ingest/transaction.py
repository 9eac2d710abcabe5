"""One import as one transaction, and what an import that fails or is refused leaves behind.

Shared by file imports and stream batches (``ImportSession``): the import record is
written inside the transaction, so a dry run (rolled back) produces exactly the report a
real import would; a failed import is rolled back whole and recorded afterwards in a
transaction of its own.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable

import psycopg
from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import SQLAlchemyError

from ..db.engine import driver_connection
from ..trades.quality.checks import verdict
from ..trades.quality.pre_import import pre_import_findings
from .changes import ImportChanges
from .import_records import (
    finish_record,
    read_conflicts,
    record_failure,
    start_record,
    write_rejections,
)
from .report import REPORT_LIST_LIMIT, ImportReport
from .run_rows import RunRows
from .stream_sessions import StreamSession
from .table_writer import TableWriter
from .tuning import DEFAULT_TUNING, ImportTuning

log = logging.getLogger(__name__)

# Errors that fail an import (recorded and reported); anything else is a bug: recorded, raised.
IMPORT_ERRORS = (SQLAlchemyError, sqlite3.Error, psycopg.Error, OSError)

# What it returns is not used (the trade rebuild's hook returns its result).
AfterImport = Callable[[ImportReport], object]


def no_op(report: ImportReport) -> None:
    return None


class ImportSession:
    """One import's transaction, its import record and its writers, from ``begin`` to
    ``commit``; leaving the ``with`` block without ``commit`` rolls everything back.

    ``begin`` takes the write lock (SQLite) and writes the import record; the import's
    steps then write through ``runs`` (strategy and run rows) and ``tables`` (merges,
    counts, rejections), which note what they change in ``changes``, in the sizes of
    ``tuning``; ``commit`` completes the report and the record and commits, or for a dry
    run judges what the transaction holds and rolls it back.
    """

    def __init__(
        self,
        conn: Connection,
        trans: RootTransaction,
        import_id: int,
        report: ImportReport,
        *,
        dry_run: bool,
        started: float | None,
        stream_session: StreamSession | None,
        tuning: ImportTuning,
    ) -> None:
        self.conn = conn
        self.import_id = import_id
        self.report = report
        self.tuning = tuning
        self.changes = ImportChanges(tuning.traded_probes_per_query)
        self.tables = TableWriter(conn, import_id, report, self.changes)
        self.runs = RunRows(conn, report, self.changes)
        self._trans = trans
        self._dry_run = dry_run
        self._started = started
        self._stream_session = stream_session

    @classmethod
    def begin(
        cls,
        conn: Connection,
        report: ImportReport,
        *,
        dry_run: bool = False,
        job_id: str | None = None,
        started: float | None = None,
        stream_session: StreamSession | None = None,
        tuning: ImportTuning = DEFAULT_TUNING,
    ) -> ImportSession:
        """Begin the transaction on ``conn`` and write the import record in it;
        ``stream_session``: a stream batch's session, which the batch's counts are added to."""
        trans = conn.begin()
        try:
            if conn.dialect.name == "sqlite":
                # Take the write lock now, not halfway through the import.
                driver_connection(conn).execute("BEGIN IMMEDIATE")
            if stream_session is None:
                import_id = start_record(conn, report, job_id)
            else:
                import_id = stream_session.start(conn, report, job_id)
            return cls(
                conn,
                trans,
                import_id,
                report,
                dry_run=dry_run,
                started=started,
                stream_session=stream_session,
                tuning=tuning,
            )
        except BaseException:
            if trans.is_active:
                trans.rollback()
            raise

    def __enter__(self) -> ImportSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._trans.is_active:
                self._trans.rollback()
        finally:
            self.tables.release()

    def commit(self) -> None:
        """Record the rejections, conflicts and affected pairs, finish the import record,
        and commit (a dry run: judge the data and roll back)."""
        conn, import_id, report = self.conn, self.import_id, self.report
        write_rejections(conn, import_id, self.tables.rejected)
        report.rejected = self.tables.rejected[:REPORT_LIST_LIMIT]
        # The merges counted their conflicts: no query when there are none.
        report.conflicts = read_conflicts(conn, import_id) if report.conflict_total else []
        report.affected = self.changes.affected_pairs(conn)
        report.status = "dry_run" if self._dry_run else "succeeded"
        if self._started is not None:
            report.duration_seconds = time.perf_counter() - self._started
        if self._stream_session is None:
            finish_record(conn, import_id, report)
        else:
            self._stream_session.finish(conn, import_id, report)
        if self._dry_run:
            # Judged on what the transaction holds, before it is rolled back.
            report.findings = pre_import_findings(conn, report.run_ids)
            report.verdict = verdict(report.findings)
            self._trans.rollback()
        else:
            self._trans.commit()
            report.import_id = import_id


def unsuccessful(
    engine: Engine,
    report: ImportReport,
    status: str,
    error: str,
    *,
    dry_run: bool,
    job_id: str | None,
    started: float,
    session: StreamSession | None = None,
    record: bool = True,
) -> ImportReport:
    """Mark ``report`` refused or failed and record it (not for a dry run, nor when not
    ``record``); a stream batch's on its ``session``."""
    report.status = status
    report.error = error
    report.import_id = None
    report.run_ids = []
    report.affected = []
    report.conflicts = []
    report.duration_seconds = time.perf_counter() - started
    log.warning("import of %s %s: %s", report.file_name or report.source, status, error)
    if record and not dry_run:
        try:
            report.import_id = record_failure(engine, report, job_id, session)
        except IMPORT_ERRORS:
            log.exception("could not record the %s import of %s", status, report.file_name)
    return report
