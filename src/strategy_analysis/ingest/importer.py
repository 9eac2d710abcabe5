"""Import one export file: validate, stage, merge, record; one transaction.

The file is refused (and nothing written but the import record) when it is not an
export. Otherwise every valid record is upserted under the contract's rules, every
invalid one is listed with its reason, and the whole import commits or rolls back as
one. ``after_import`` then receives the report, whose ``affected`` pairs the caller
hands to the trade rebuild.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, Engine

from ..contract.run import metadata_document, parse_run_info
from ..contract.values import UnstorableValueError
from ..db.error_text import describe_error
from .attached_import import attach, detach, stage_attached
from .copy_import import copy_tables
from .errors import ExportFileError
from .export_file import ExportFile
from .import_records import earlier_import, file_sha256
from .progress import ImportProgress, Progress
from .report import ImportReport, RejectedRecord
from .run_identity import RunValues, derived_run_id, run_values
from .tables import TABLE_SPECS, TableSpec
from .transaction import IMPORT_ERRORS, AfterImport, no_op, run_in_transaction, unsuccessful
from .writer import ImportWriter

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
) -> ImportReport:
    """Import the export at ``path``; the report says what happened (also when refused)."""
    started = time.perf_counter()
    path = Path(path)
    report = ImportReport(status="running", source=source, file_name=file_name or path.name)
    failed = partial(unsuccessful, engine, report, dry_run=dry_run, job_id=job_id, started=started)
    try:
        export = ExportFile.open(path)
    except ExportFileError as exc:
        return failed("refused", str(exc))
    # The file is hashed in a thread (hashlib releases the GIL) while it is imported.
    with export, ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hashing:
        report.size_bytes = export.size_bytes
        report.schema_version = export.schema_version
        digest = hashing.submit(file_sha256, path)

        def identify() -> None:
            if report.sha256 is None:
                report.sha256 = digest.result()
                report.duplicate_of = earlier_import(engine, report.sha256)

        def failed_after(status: str, error: str) -> ImportReport:
            if report.sha256 is None and digest.exception() is None:
                report.sha256 = digest.result()
            return failed(status, error)

        try:
            _import(engine, export, report, dry_run, progress, job_id, started, identify)
        except ExportFileError as exc:
            return failed_after("refused", str(exc))
        except IMPORT_ERRORS as exc:
            log.exception("import of %s failed", path)
            return failed_after("failed", describe_error(exc))
        except BaseException as exc:
            # A bug or an interruption: the transaction is rolled back; keep the record of it.
            failed_after("failed", describe_error(exc))
            raise
    report.duration_seconds = time.perf_counter() - started
    log.info("%s: %s (%.2fs)", report.file_name, report.summary(), report.duration_seconds)
    if report.status == "succeeded":
        (after_import or no_op)(report)
    return report


def _import(
    engine: Engine,
    export: ExportFile,
    report: ImportReport,
    dry_run: bool,
    progress_callback: Progress | None,
    job_id: str | None,
    started: float,
    identify: Callable[[], None],
) -> None:
    progress = ImportProgress(progress_callback, sum(export.count(t) for t in export.tables))
    attached = False

    def prepare(conn: Connection) -> None:
        nonlocal attached
        attached = attach(conn, export)

    def body(writer: ImportWriter) -> None:
        _write_tables(export, writer, progress, attached)
        identify()

    def cleanup(conn: Connection) -> None:
        detach(conn, attached)

    run_in_transaction(
        engine,
        report,
        body,
        dry_run=dry_run,
        job_id=job_id,
        prepare=prepare,
        cleanup=cleanup,
        started=started,
    )


def _write_tables(
    export: ExportFile, writer: ImportWriter, progress: ImportProgress, attached: bool
) -> None:
    run = None
    if "orders" in export.tables or "executions" in export.tables:
        run = _run_values(export, writer)
    if run is not None:
        writer.ensure_run(run)  # before the orders that reference it
    specs = [
        spec
        for spec in TABLE_SPECS
        if spec.name in export.tables and not (spec.run_scoped and run is None)
    ]
    run_id = run.run_id if run is not None else None
    defaults = export.defaults()

    def merge(spec: TableSpec) -> None:
        writer.merge(spec, run_id if spec.run_scoped else None, defaults=defaults)

    for spec in specs:
        writer.upsert.create_stage(spec)
    if attached:
        for spec in specs:
            stage_attached(export, spec, writer, progress, run_id if spec.run_scoped else None)
            merge(spec)
    else:
        copy_tables(export, writer, progress, specs, run_id, defaults)
    if run is not None:
        writer.update_run_times(run.run_id)


def _run_values(export: ExportFile, writer: ImportWriter) -> RunValues | None:
    try:
        info, problems = parse_run_info(export.metadata)
    except UnstorableValueError as exc:
        raise ExportFileError(f"Metadata values that cannot be stored: {exc}") from None
    # A bad Metadata value is listed and ignored; it is not a record of any table.
    writer.rejected.extend(
        RejectedRecord(table="metadata", key=key, reason=reason) for key, reason in problems
    )
    first_order = export.first_raw("orders")
    first_execution = export.first_raw("executions")
    run_id = info.run_id if export.schema_version != "1.0" else None
    if run_id is None:
        run_id = derived_run_id(first_order, first_execution)
        if run_id is None:
            return None
        if export.schema_version != "1.0":
            log.warning("%s: schema 1.1 without a run_id; derived %s", export.path.name, run_id)
    return run_values(
        info,
        run_id=run_id,
        status="COMPLETED",
        schema_version=export.schema_version,
        metadata=metadata_document(export.metadata) if export.metadata else None,
        first_record=first_order or first_execution,
    )
