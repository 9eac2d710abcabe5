"""One import as one transaction, and what an import that fails or is refused leaves behind.

Shared by file imports and stream batches: the import record is written inside the
transaction, so a dry run (rolled back) produces exactly the report a real import would;
a failed import is rolled back whole and recorded afterwards in a transaction of its own.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..db.engine import driver_connection
from ..trades.quality.checks import verdict
from ..trades.quality.pre_import import pre_import_findings
from .import_records import (
    finish_record,
    read_conflicts,
    record_failure,
    start_record,
    write_rejections,
)
from .report import REPORT_LIST_LIMIT, ImportReport
from .stream_sessions import StreamSession
from .writer import ImportWriter

log = logging.getLogger(__name__)

# Errors that fail an import (recorded and reported); anything else is a bug: recorded, raised.
IMPORT_ERRORS = (SQLAlchemyError, sqlite3.Error, psycopg.Error, OSError)

AfterImport = Callable[[ImportReport], None]


def no_op(report: ImportReport) -> None:
    return None


def run_in_transaction(
    engine: Engine,
    report: ImportReport,
    body: Callable[[ImportWriter], None],
    *,
    dry_run: bool = False,
    job_id: str | None = None,
    prepare: Callable[[Connection], None] | None = None,
    cleanup: Callable[[Connection], None] | None = None,
    started: float | None = None,
    session: StreamSession | None = None,
) -> None:
    """Run ``body`` with a writer in one transaction; commit, or roll back for a dry run.

    ``session``: a stream batch's session, which the batch's counts are added to."""
    with engine.connect() as conn:
        if prepare is not None:
            prepare(conn)
        writer: ImportWriter | None = None
        try:
            trans = conn.begin()
            try:
                if conn.dialect.name == "sqlite":
                    # Take the write lock now, not halfway through the import.
                    driver_connection(conn).execute("BEGIN IMMEDIATE")
                if session is None:
                    import_id = start_record(conn, report, job_id)
                else:
                    import_id = session.start(conn, report, job_id)
                writer = ImportWriter(conn, import_id, report)
                body(writer)
                write_rejections(conn, import_id, writer.rejected)
                report.rejected = writer.rejected[:REPORT_LIST_LIMIT]
                # The merges counted their conflicts: no query when there are none.
                report.conflicts = read_conflicts(conn, import_id) if report.conflict_total else []
                writer.finish_affected()
                report.status = "dry_run" if dry_run else "succeeded"
                if started is not None:
                    report.duration_seconds = time.perf_counter() - started
                if session is None:
                    finish_record(conn, import_id, report)
                else:
                    session.finish(conn, import_id, report)
                if dry_run:
                    # Judged on what the transaction holds, before it is rolled back.
                    report.findings = pre_import_findings(conn, report.run_ids)
                    report.verdict = verdict(report.findings)
                    trans.rollback()
                else:
                    trans.commit()
                    report.import_id = import_id
            except BaseException:
                if trans.is_active:
                    trans.rollback()
                raise
        finally:
            if writer is not None:
                writer.upsert.release()
            if cleanup is not None:
                cleanup(conn)


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
