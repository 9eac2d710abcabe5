"""Import one export file: validate, stage, merge, record; one transaction.

The file is refused (and nothing written but the import record) when it is not an
export. Otherwise every valid record is upserted under the contract's rules, every
invalid one is listed with its reason, and the whole import commits or rolls back as
one. ``after_import`` then receives the report, whose ``affected`` pairs the caller
hands to the trade rebuild.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from ..contract.run import metadata_document, parse_run_info
from ..contract.values import UnstorableValueError
from ..db.error_text import describe_error
from ..db.errors import is_transient
from .attached_import import attach, detach, stage_attached
from .copy_import import copy_tables
from .errors import ExportFileError
from .export_file import DATA_TABLES, ExportFile, ExportLocation
from .export_snapshot import ExportChangedError, FileState, being_written, snapshot
from .import_records import descriptor_sha256, earlier_import
from .progress import ImportProgress, Progress
from .report import ImportReport, RejectedRecord
from .run_identity import RunValues, derived_run_id, run_values
from .sqlite_header import HEADER_BYTES, SqliteHeader
from .table_writer import TableWriter
from .tables import TABLE_SPECS
from .transaction import IMPORT_ERRORS, AfterImport, ImportSession, no_op, unsuccessful
from .tuning import DEFAULT_TUNING, ImportTuning

log = logging.getLogger(__name__)


def import_export_file(
    engine: Engine,
    path: str | Path,
    *,
    source: str = "cli",
    file_name: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    job_id: str | None = None,
    after_import: AfterImport | None = None,
    lone_copy: bool = False,
    retryable: bool = False,
    tuning: ImportTuning = DEFAULT_TUNING,
) -> ImportReport:
    """Import the export at ``path``; the report says what happened (also when refused).

    ``file_name`` names the file in the report and its messages (the user's name of an
    upload stored under a server-made one). ``lone_copy``: the file was copied without
    the files beside it (an upload), so a WAL-mode file's -wal did not come with it.
    ``retryable``: a transient database error (db/errors.py) is raised, for the caller to
    try again, instead of failing the import. ``tuning``: the sizes it works in.

    A file that another process is writing is read from a snapshot (export_snapshot.py):
    at once when a -journal or -wal beside it says so, else when it changed while it was
    read (that attempt is rolled back).
    """
    started = time.perf_counter()
    location = ExportLocation.of(path, file_name)
    attempt = partial(
        _import_from,
        engine,
        location,
        source=source,
        dry_run=dry_run,
        progress=progress,
        job_id=job_id,
        lone_copy=lone_copy,
        retryable=retryable,
        started=started,
        tuning=tuning,
    )
    if being_written(location.path):
        report = attempt(from_snapshot=True)
    else:
        try:
            report = attempt(from_snapshot=False)
        except ExportChangedError as exc:
            log.info("%s; reading a snapshot of it", exc)
            report = attempt(from_snapshot=True)
    report.duration_seconds = time.perf_counter() - started
    if report.status in ("refused", "failed"):
        return report
    log.info("%s: %s (%.2fs)", report.file_name, report.summary(), report.duration_seconds)
    if report.status == "succeeded":
        (after_import or no_op)(report)
    return report


def _import_from(
    engine: Engine,
    location: ExportLocation,
    *,
    from_snapshot: bool,
    source: str,
    dry_run: bool,
    progress: Progress | None,
    job_id: str | None,
    lone_copy: bool,
    retryable: bool,
    started: float,
    tuning: ImportTuning,
) -> ImportReport:
    """One attempt, in place (ExportChangedError when the file changed meanwhile) or from
    a snapshot."""
    report = ImportReport(status="running", source=source, file_name=location.name)
    failed = partial(unsuccessful, engine, report, dry_run=dry_run, job_id=job_id, started=started)
    read = partial(
        _read_and_import, engine, report=report, progress=progress, dry_run=dry_run,
        job_id=job_id, lone_copy=lone_copy, started=started, tuning=tuning,
    )  # fmt: skip
    try:
        if from_snapshot:
            with snapshot(location) as copy:
                report.warnings.append(
                    f"{location.name} was being written by another process: a snapshot of it "
                    f"taken at {datetime.now(UTC):%H:%M:%S} UTC was imported; records written "
                    "after that are not"
                )
                read(copy, unchanged=None)
        else:
            read(location, unchanged=FileState.current(location.path))
    except ExportChangedError as exc:
        if not from_snapshot:
            raise
        return failed("refused", str(exc))
    except ExportFileError as exc:
        return failed("refused", str(exc))
    except IMPORT_ERRORS as exc:
        if retryable and is_transient(exc):
            raise
        log.exception("import of %s failed", location.name)
        return failed("failed", describe_error(exc))
    except BaseException as exc:
        # A bug or an interruption: the transaction is rolled back; keep the record of it.
        failed("failed", describe_error(exc))
        raise
    return report


def _read_and_import(
    engine: Engine,
    location: ExportLocation,
    *,
    report: ImportReport,
    progress: Progress | None,
    dry_run: bool,
    job_id: str | None,
    lone_copy: bool,
    started: float,
    tuning: ImportTuning,
    unchanged: FileState | None,
) -> None:
    """Open the export, hash it and import it. With ``unchanged`` (the file's state before
    it was opened, None for a private copy or a file that cannot be read),
    ExportChangedError when it is no longer the file's state."""
    # The hash reads this descriptor, open until the export's connections are closed:
    # closing any descriptor of a file drops the process's POSIX locks on it, and with
    # them the read locks SQLite holds against a writer.
    try:
        descriptor = os.open(location.path, os.O_RDONLY)
    except OSError as exc:
        raise ExportFileError(f"cannot read {location.name}: {exc.strerror or exc}") from None
    try:
        with (
            ExportFile.open(location) as export,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hashing,
        ):
            report.size_bytes = export.size_bytes
            report.schema_version = export.schema_version
            opened = _OpenedExport(
                location, export, descriptor, hashing.submit(descriptor_sha256, descriptor)
            )
            if lone_copy:
                _check_wal_alone(export, report, descriptor)
            try:
                _import(
                    engine, opened, report, dry_run, progress, job_id, started, tuning, unchanged
                )
            except (ExportFileError, sqlite3.DatabaseError) as exc:
                # A read that failed because a writer changed the file under it.
                if unchanged is not None and not isinstance(exc, ExportChangedError):
                    opened.check_unchanged(unchanged)
                raise
            finally:
                if report.sha256 is None and opened.digest.exception() is None:
                    report.sha256 = opened.digest.result()
    finally:
        os.close(descriptor)


@dataclass
class _OpenedExport:
    """An export open for its import, the descriptor it is hashed from and the hash."""

    location: ExportLocation
    export: ExportFile
    descriptor: int
    digest: Future[str]

    def check_unchanged(self, before: FileState) -> None:
        if FileState.of(self.location.path, self.descriptor) != before:
            raise ExportChangedError(f"{self.location.name} changed while it was read")


def _check_wal_alone(export: ExportFile, report: ImportReport, descriptor: int) -> None:
    """An upload of a WAL-mode file: what its exporter had not yet moved from the -wal
    into the file is not in the upload."""
    header = SqliteHeader.parse(os.pread(descriptor, HEADER_BYTES, 0))
    if header is None or not header.wal_mode:
        return
    if not any(export.count(table) for table in DATA_TABLES):
        raise ExportFileError(
            f"{export.name} is in WAL mode and holds no records: they are still in its -wal "
            "file, which was not uploaded. Close the exporter (or run PRAGMA "
            "wal_checkpoint(TRUNCATE) on the file) and upload it again, or import it with "
            "`cli.py import` from the folder that holds its -wal"
        )
    report.warnings.append(
        f"{export.name} is in WAL mode: records its exporter had not yet moved from its -wal "
        "file into the file are not part of the upload (close the exporter before uploading)"
    )


def _import(
    engine: Engine,
    opened: _OpenedExport,
    report: ImportReport,
    dry_run: bool,
    progress_callback: Progress | None,
    job_id: str | None,
    started: float,
    tuning: ImportTuning,
    unchanged: FileState | None,
) -> None:
    """The import's steps in one session: the tables written, the file identified (its
    hash, an earlier import of it, still unchanged), the session committed. On SQLite the
    export is attached to the connection for the session (ATTACH cannot run inside a
    transaction), and detached after it."""
    export = opened.export
    progress = ImportProgress(progress_callback, sum(export.count(t) for t in export.tables))
    with engine.connect() as conn:
        attached = attach(conn, export)
        try:
            with ImportSession.begin(
                conn, report, dry_run=dry_run, job_id=job_id, started=started, tuning=tuning
            ) as session:
                _write_tables(export, session, progress, attached)
                _identify(engine, opened, report, unchanged)
                session.commit()
        finally:
            detach(conn, attached)


def _identify(
    engine: Engine, opened: _OpenedExport, report: ImportReport, unchanged: FileState | None
) -> None:
    """The file's hash and the earlier import of the same file, for the import record;
    ExportChangedError when the file changed while it was read."""
    if report.sha256 is None:
        report.sha256 = opened.digest.result()
        report.duplicate_of = earlier_import(engine, report.sha256)
    if unchanged is not None:
        opened.check_unchanged(unchanged)


def _write_tables(
    export: ExportFile, session: ImportSession, progress: ImportProgress, attached: bool
) -> None:
    tables = session.tables
    run = None
    if "orders" in export.tables or "executions" in export.tables:
        run = _run_values(export, tables)
    if run is not None:
        session.runs.ensure_run(run)  # before the orders that reference it
    specs = [
        spec
        for spec in TABLE_SPECS
        if spec.name in export.tables and not (spec.run_scoped and run is None)
    ]
    run_id = run.run_id if run is not None else None
    defaults = export.defaults()
    tables.create_stages(specs)
    if attached:
        for spec in specs:
            scope = run_id if spec.run_scoped else None
            stage_attached(
                export, spec, tables, progress, scope, session.tuning.attached_chunk_rows
            )
            tables.merge(spec, scope, defaults=defaults)
    else:
        copy_tables(export, tables, progress, specs, run_id, defaults, session.tuning)
    if run is not None:
        session.runs.update_run_times(run.run_id)


def _run_values(export: ExportFile, tables: TableWriter) -> RunValues | None:
    try:
        info, problems = parse_run_info(export.metadata)
    except UnstorableValueError as exc:
        raise ExportFileError(f"Metadata values that cannot be stored: {exc}") from None
    # A bad Metadata value is listed and ignored; it is not a record of any table.
    tables.list_ignored(
        [RejectedRecord(table="metadata", key=key, reason=reason) for key, reason in problems]
    )
    first_order = export.first_raw("orders")
    first_execution = export.first_raw("executions")
    run_id = info.run_id if export.schema_version != "1.0" else None
    if run_id is None:
        run_id = derived_run_id(first_order, first_execution)
        if run_id is None:
            return None
        if export.schema_version != "1.0":
            log.warning("%s: schema 1.1 without a run_id; derived %s", export.name, run_id)
    return run_values(
        info,
        run_id=run_id,
        status="COMPLETED",
        schema_version=export.schema_version,
        metadata=metadata_document(export.metadata) if export.metadata else None,
        first_record=first_order or first_execution,
    )
