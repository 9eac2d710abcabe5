"""A file import on SQLite: the export ATTACHed as ``src`` and read in SQL.

A new run's rows (and bars) go into their table at once; otherwise, or when a key turns
out stored or repeated, only rows that are new, differ from the stored ones or fail a
check are staged and merged. Rows whose checks failed go to the model.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from sqlalchemy import Connection

from ..db.engine import driver_connection
from .errors import ExportFileError
from .export_file import AttachedSelect, ExportFile
from .progress import ImportProgress
from .report import RejectedRecord
from .store.upsert_base import DuplicateKeysError, stage_table
from .store.upsert_sqlite import SqliteUpsert
from .table_writer import TableWriter
from .tables import TableSpec

log = logging.getLogger(__name__)


def attach(conn: Connection, export: ExportFile) -> bool:
    """On SQLite, attach the export so valid rows are staged without leaving SQLite."""
    if conn.dialect.name != "sqlite":
        return False
    dbapi = driver_connection(conn)
    dbapi.execute("ATTACH DATABASE ? AS src", (export.location.uri,))
    return True


def detach(conn: Connection, attached: bool) -> None:
    if not attached:
        return
    dbapi = driver_connection(conn)
    for (name,) in dbapi.execute(
        "SELECT name FROM temp.sqlite_master WHERE type = 'table'"
    ).fetchall():
        dbapi.execute(f'DROP TABLE IF EXISTS temp."{name}"')
    dbapi.execute("DETACH DATABASE src")


def stage_attached(
    export: ExportFile,
    spec: TableSpec,
    writer: TableWriter,
    progress: ImportProgress,
    run_id: str | None,
    chunk_rows: int,
) -> None:
    """SQLite: read a table straight from the attached export, in SQL, ``chunk_rows``
    rowids at a time. A new run's rows (and bars) go into their table at once; otherwise,
    or when a key turns out stored or repeated, only rows that are new, differ from the
    stored ones or fail a check are staged. Rows whose checks failed go to the model."""
    upsert = writer.sqlite_upsert()
    stage = f"temp.{stage_table(spec)}"
    select = export.attached_select(spec.name, stage, "src", upsert.functions)
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
                rejected = _insert_attached(
                    export, spec, upsert, select, params, progress, _ranges(bounds, chunk_rows)
                )
            except DuplicateKeysError:
                log.info("%s: %s has keys stored or repeated; staging", export.name, spec.name)
            else:
                writer.reject(rejected)
                return
        upsert.keep_identical_sql(spec, select.rows_once, select.ok, params)
        upsert.keep_repeat_probe(spec, select.raw_rows, select.probe, params)
        for lo, hi in _ranges(bounds, chunk_rows):
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
                f"{export.name} is corrupt: reading {spec.name} failed: {exc}"
            ) from None
        raise


def _insert_attached(
    export: ExportFile,
    spec: TableSpec,
    upsert: SqliteUpsert,
    select: AttachedSelect,
    params: dict[str, Any],
    progress: ImportProgress,
    ranges: list[tuple[int, int]],
) -> list[RejectedRecord]:
    """Insert a table's rows straight into the platform's table, those the model accepts
    included; its rejections. ``DuplicateKeysError``: nothing inserted (undone).

    Every chunk is inserted whole, unless a NOT NULL column gets no value or (the C
    functions at hand) an optional value fails its check; a value only ``ok`` refuses
    turns up at the end, and the table is inserted again with the checks in the WHERE
    (the rare file with such a value pays twice)."""
    since = upsert.begin_direct(spec)
    # Where it can, the insert fails at an optional value that fails its check, instead
    # of storing BAD for end_direct to find.
    rows = select.strict_rows or select.rows
    try:
        for checked in (False, True):
            rejected: list[RejectedRecord] = []
            for lo, hi in ranges:
                chunk_params = {**params, "lo": lo, "hi": hi}
                total = None if checked else upsert.insert_all(spec, rows, chunk_params)
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


def _ranges(bounds: tuple[int, int], chunk_rows: int) -> list[tuple[int, int]]:
    """Rowid ranges of ``chunk_rows`` over ``bounds``."""
    low, high = bounds
    return [(lo, lo + chunk_rows - 1) for lo in range(low, high + 1, chunk_rows)]
