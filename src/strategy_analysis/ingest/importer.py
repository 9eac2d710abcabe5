"""Import one export file: validate, stage, merge, record; one transaction.

The file is refused (and nothing written but the import record) when it is not an
export. Otherwise every valid record is upserted under the contract's rules, every
invalid one is listed with its reason, and the whole import commits or rolls back as
one. ``after_import`` then receives the report, whose ``affected`` pairs the caller
hands to the trade rebuild.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine

from ..contract.run import metadata_document, parse_run_info
from ..db.direct_copy_postgres import DirectCopy, DirectCopyUndone, clear_stage, direct_layout
from ..db.upsert_base import FALLBACK_COLUMNS, DuplicateKeysError, stage_table
from ..db.upsert_postgres import PostgresUpsert
from ..db.upsert_sqlite import SqliteUpsert
from .copy_text import ChunkTask, CopyLayout, chunk_tasks, copy_chunks
from .errors import ExportFileError
from .export_file import AttachedSelect, ExportFile, quote
from .import_records import earlier_import, file_sha256
from .parallel_reader import read_in_order
from .report import ImportReport, RejectedRecord
from .run_identity import RunValues, derived_run_id, run_values
from .tables import TABLE_SPECS, TableSpec
from .transaction import IMPORT_ERRORS, AfterImport, no_op, run_in_transaction, unsuccessful
from .writer import ImportWriter

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
CHUNK_ROWS = 100_000
# Rows per chunk of COPY text (PostgreSQL): the few chunks in flight stay small.
COPY_CHUNK_ROWS = 25_000
# Chunks of COPY text read ahead of the database; from this many rows on, the export is
# read by worker processes (they take a moment to start).
READ_AHEAD = 6
READ_PROCESSES = 2
PROCESS_READ_MIN_ROWS = 200_000


class _Progress:
    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.callback is not None:
            self.callback(self.done, self.total)


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
            return failed_after("failed", f"{type(exc).__name__}: {exc}")
        except BaseException as exc:
            # A bug or an interruption: the transaction is rolled back; keep the record of it.
            failed_after("failed", f"{type(exc).__name__}: {exc}")
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
    progress = _Progress(progress_callback, sum(export.count(t) for t in export.tables))
    attached = False

    def prepare(conn: Connection) -> None:
        nonlocal attached
        attached = _attach(conn, export)

    def body(writer: ImportWriter) -> None:
        _write_tables(export, writer, progress, attached)
        identify()

    def cleanup(conn: Connection) -> None:
        _detach(conn, attached)

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


def _attach(conn: Connection, export: ExportFile) -> bool:
    """On SQLite, attach the export so valid rows are staged without leaving SQLite."""
    if conn.dialect.name != "sqlite":
        return False
    dbapi = conn.connection.driver_connection
    dbapi.execute("ATTACH DATABASE ? AS src", (f"{export.path.resolve().as_uri()}?mode=ro",))
    return True


def _detach(conn: Connection, attached: bool) -> None:
    if not attached:
        return
    dbapi = conn.connection.driver_connection
    for (name,) in dbapi.execute(
        "SELECT name FROM temp.sqlite_master WHERE type = 'table'"
    ).fetchall():
        dbapi.execute(f'DROP TABLE IF EXISTS temp."{name}"')
    dbapi.execute("DETACH DATABASE src")


def _write_tables(
    export: ExportFile, writer: ImportWriter, progress: _Progress, attached: bool
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
            _stage_attached(export, spec, writer, progress, run_id if spec.run_scoped else None)
            merge(spec)
    else:
        _copy_tables(export, writer, progress, specs, run_id, defaults)
    if run is not None:
        writer.update_run_times(run.run_id)


def _copy_tables(
    export: ExportFile,
    writer: ImportWriter,
    progress: _Progress,
    specs: list[TableSpec],
    run_id: str | None,
    defaults: dict[str, str | None],
) -> None:
    """PostgreSQL: COPY every table's rows, read by threads that run through the tables,
    so the next chunks are read while the database takes the current one.

    A table whose rows cannot collide with stored ones is copied into the table itself
    (``DirectCopy``); if that is undone (a key the file repeats), the table is staged and
    merged after all.
    """
    upsert = cast(PostgresUpsert, writer.upsert)
    bar_symbols = _bar_symbols(export) if "bars" in export.tables else None
    layouts = {
        spec.name: direct_layout(upsert, spec, run_id, bar_symbols) or CopyLayout.STAGE
        for spec in specs
    }
    direct: dict[str, DirectCopy | None] = {}  # None: staged (from the start, or undone)
    undone: set[str] = set()
    for spec, chunk in read_in_order(
        export.path,
        _table_chunks(export, specs, layouts, run_id),
        processes=READ_PROCESSES if progress.total >= PROCESS_READ_MIN_ROWS else 0,
        ahead=READ_AHEAD,
    ):
        name = spec.name
        if chunk is None:
            copier = direct.get(name)
            if copier is not None:
                try:
                    writer.record_direct(spec, run_id, copier.finish(defaults))
                    continue
                except DirectCopyUndone as exc:
                    _log_undone(export, exc)
                    undone.add(name)
            if name in undone:
                _restage(export, spec, upsert)
            writer.merge(spec, run_id if spec.run_scoped else None, defaults=defaults)
            continue
        if name not in direct:
            layout = layouts[name]
            direct[name] = (
                None
                if layout is CopyLayout.STAGE
                else DirectCopy(upsert, spec, layout, run_id, bar_symbols)
            )
        copier = direct[name]
        if copier is not None:
            try:
                copier.copy(chunk)
            except DirectCopyUndone as exc:
                _log_undone(export, exc)
                direct[name] = None
                undone.add(name)
        elif name not in undone:
            upsert.stage_copy_text(spec, chunk)
        writer.reject(chunk.rejected)
        progress.advance(chunk.positions_done)


def _log_undone(export: ExportFile, exc: DirectCopyUndone) -> None:
    log.info("%s: %s; merging the table instead", export.path.name, exc)


def _bar_symbols(export: ExportFile) -> frozenset[str] | None:
    """The export's bar symbols, or None if one is not text (the model may convert it)."""
    source = export.tables["bars"]
    column = source.columns.get("symbol")
    if column is None:
        return None
    with export.reading("bars"):
        rows = export.conn.execute(
            f"SELECT DISTINCT typeof({quote(column)}), {quote(column)} FROM {quote(source.name)}"
        ).fetchall()
    if any(kind != "text" for kind, _ in rows):
        return None
    return frozenset(symbol for _, symbol in rows)


def _restage(export: ExportFile, spec: TableSpec, upsert: PostgresUpsert) -> None:
    """Stage a whole table again (its rejections are counted already), on a connection of
    its own: the reader threads may be reading the next table."""
    clear_stage(upsert, spec)
    with ExportFile.open(export.path) as again:
        for chunk in copy_chunks(again, spec.name, CopyLayout.STAGE, COPY_CHUNK_ROWS):
            upsert.stage_copy_text(spec, chunk)


def _table_chunks(
    export: ExportFile,
    specs: list[TableSpec],
    layouts: dict[str, CopyLayout],
    run_id: str | None,
) -> list[tuple[TableSpec, ChunkTask | None]]:
    """Each table's chunks, then (table, None) when the table is read."""
    items: list[tuple[TableSpec, ChunkTask | None]] = []
    for spec in specs:
        layout = layouts[spec.name]
        aside = FALLBACK_COLUMNS.get(spec.name, ()) if layout is not CopyLayout.STAGE else ()
        tasks = chunk_tasks(export, spec.name, layout, COPY_CHUNK_ROWS, run_id, aside)
        items.extend((spec, task) for task in tasks)
        items.append((spec, None))
    return items


def _stage_attached(
    export: ExportFile,
    spec: TableSpec,
    writer: ImportWriter,
    progress: _Progress,
    run_id: str | None,
) -> None:
    """SQLite: read a table straight from the attached export, in SQL. A new run's rows
    (and bars) go into their table at once; otherwise, or when a key turns out stored or
    repeated, only rows that are new, differ from the stored ones or fail a check are
    staged. Rows whose checks failed go to the model."""
    upsert = cast(SqliteUpsert, writer.upsert)
    select = export.attached_select(spec.name, f"temp.{stage_table(spec)}", schema="src")
    reported = progress.done
    try:
        low, high = upsert.conn.execute(select.bounds).fetchone()
        if low is None:
            return
        bounds = (int(low), int(high))
        params = {
            **upsert.params(run_id, defaults=export.defaults()),
            **export.sql_params(*bounds),
        }
        if upsert.may_insert_directly(spec, run_id):
            try:
                rejected = _insert_attached(export, spec, upsert, select, params, progress, bounds)
            except DuplicateKeysError:
                log.info("%s: %s has keys stored or repeated; staging", export.path.name, spec.name)
            else:
                writer.reject(rejected)
                return
        upsert.keep_identical_sql(spec, select.rows_once, select.ok, params)
        upsert.keep_repeat_probe(spec, select.raw_rows, select.probe, params)
        for lo, hi in _ranges(bounds):
            chunk_params = {**params, "lo": lo, "hi": hi}
            total = upsert.conn.execute(select.count, chunk_params).fetchone()[0]
            # The raw comparison settles most unchanged rows; the rest are checked in full.
            upsert.find_unsettled(spec, select, chunk_params)
            rows = select.rows_once_at(upsert.positions_table(spec))
            upsert.stage_changed(spec, rows, select.ok, chunk_params, total)
            failing = [r[0] for r in upsert.conn.execute(select.failing, chunk_params)]
            if failing:
                upsert.unstage(spec, failing)
                chunk = export.validate_positions(spec.name, failing)
                upsert.stage_rows(spec, chunk.rows)
                writer.reject(chunk.rejected)
            # rows counted already by an abandoned direct insert are not counted again
            reported += total
            progress.advance(max(0, reported - progress.done))
    except sqlite3.DatabaseError as exc:
        # Errors reading the attached export (the platform's own database is not read here).
        if "malformed" in str(exc) or "not a database" in str(exc):
            raise ExportFileError(
                f"{export.path.name} is corrupt: reading {spec.name} failed: {exc}"
            ) from None
        raise


def _insert_attached(
    export: ExportFile,
    spec: TableSpec,
    upsert: SqliteUpsert,
    select: AttachedSelect,
    params: dict[str, Any],
    progress: _Progress,
    bounds: tuple[int, int],
) -> list[RejectedRecord]:
    """Insert a table's rows straight into the platform's table, those the model accepts
    included; its rejections. ``DuplicateKeysError``: nothing inserted (undone).

    Every chunk is inserted whole, unless a NOT NULL column gets no value; a value only
    ``ok`` refuses turns up at the end, and the table is inserted again with the checks
    in the WHERE (the rare file with such a value pays twice)."""
    since = upsert.begin_direct(spec)
    try:
        for checked in (False, True):
            rejected: list[RejectedRecord] = []
            for lo, hi in _ranges(bounds):
                chunk_params = {**params, "lo": lo, "hi": hi}
                total = None if checked else upsert.insert_all(spec, select.rows, chunk_params)
                if total is None:
                    inserted = upsert.insert_checked(
                        spec, select.rows_once, select.ok, chunk_params
                    )
                    total = upsert.conn.execute(select.count, chunk_params).fetchone()[0]
                    if inserted < total:
                        sql = select.failing_rows
                        failing = [r[0] for r in upsert.conn.execute(sql, chunk_params)]
                        chunk = export.validate_positions(spec.name, failing)
                        upsert.stage_rows(spec, chunk.rows)
                        rejected.extend(chunk.rejected)
                if not checked:
                    progress.advance(total)
            if upsert.end_direct(spec, since, params, select) is not None:
                return rejected
    except DuplicateKeysError:
        upsert.abandon_direct(spec)
        raise
    # Rows inserted with the checks pass them.
    raise AssertionError(f"{spec.name}: a row inserted with its checks fails them")


def _ranges(bounds: tuple[int, int]) -> Iterator[tuple[int, int]]:
    """Rowid ranges of CHUNK_ROWS over ``bounds``."""
    low, high = bounds
    for lo in range(low, high + 1, CHUNK_ROWS):
        yield lo, lo + CHUNK_ROWS - 1


def _run_values(export: ExportFile, writer: ImportWriter) -> RunValues | None:
    info, problems = parse_run_info(export.metadata)
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
