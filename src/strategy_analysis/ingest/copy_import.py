"""A file import on PostgreSQL: every table's rows COPY'd, as text SQLite writes.

Readers run through the tables ahead of the database (``read_ahead``: a thread, or two
processes for a large file), so the next chunks are checked and formatted while the
database takes the current one. A table
whose rows cannot collide with stored ones is copied into the table itself
(``DirectCopy``); if that is undone (a key the file repeats), the table is staged and
merged after all. Every other table is staged and merged.
"""

from __future__ import annotations

import logging
import os

from ..contract.values import text_fault
from . import c_copy_lines
from .copy_text import ChunkTask, CopyLayout, chunk_tasks, copy_chunks
from .export_file import ExportFile, quote
from .progress import ImportProgress
from .read_ahead import read_in_order
from .store.direct_copy_postgres import DirectCopy, DirectCopyUndone, clear_stage, direct_layout
from .store.upsert_postgres import PostgresUpsert
from .table_writer import TableWriter
from .tables import TableSpec
from .tuning import ImportTuning

log = logging.getLogger(__name__)

# Chunks read ahead of the database: enough for the readers to go on while the database
# builds an own partition's indexes (a few seconds), few enough to stay small in memory.
READ_AHEAD = 24
# Without the C reader (c_copy_lines), files with at least this many rows are read by
# reader processes, one per core up to two (starting one costs about half a second of
# CPU). The C reader needs about a sixth of the SQL path's CPU and releases the GIL: a
# thread keeps ahead of the database, and uses less memory than processes.
PROCESS_READING_MIN_ROWS = 200_000
MAX_READER_PROCESSES = 2


def copy_tables(
    export: ExportFile,
    writer: TableWriter,
    progress: ImportProgress,
    specs: list[TableSpec],
    run_id: str | None,
    defaults: dict[str, str | None],
    tuning: ImportTuning,
) -> None:
    """COPY the rows of ``specs``' tables, reporting progress and rejections."""
    upsert = writer.postgres_upsert()
    # While the database builds the indexes of the run's tables, the readers read ahead.
    specs = sorted(specs, key=lambda spec: spec.copied_last)
    bar_symbols = _bar_symbols(export) if "bars" in export.tables else None
    layouts = {
        spec.name: direct_layout(upsert, spec, run_id, bar_symbols) or CopyLayout.STAGE
        for spec in specs
    }
    direct: dict[str, DirectCopy | None] = {}  # None: staged (from the start, or undone)
    undone: set[str] = set()
    for spec, chunk in read_in_order(
        export.location,
        _table_chunks(export, specs, layouts, run_id, tuning.copy_chunk_rows),
        ahead=READ_AHEAD,
        processes=_reader_processes(export, specs, tuning),
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
                _restage(export, spec, upsert, tuning.copy_chunk_rows)
            writer.merge(spec, run_id if spec.run_scoped else None, defaults=defaults)
            continue
        if name not in direct:
            layout = layouts[name]
            # None from the first chunk on: staged like any other table.
            direct[name] = _direct_copy(
                export, upsert, spec, layout, run_id, bar_symbols, tuning.own_partition_min_rows
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
    upsert.pending.attach_all()


def _direct_copy(
    export: ExportFile,
    upsert: PostgresUpsert,
    spec: TableSpec,
    layout: CopyLayout,
    run_id: str | None,
    bar_symbols: frozenset[str] | None,
    own_partition_min_rows: int,
) -> DirectCopy | None:
    """The copier of a table copied straight into place (None: staged), into a partition
    of its own when the table has at least ``own_partition_min_rows`` rows."""
    if layout is CopyLayout.STAGE:
        return None
    own = export.count(spec.name) >= own_partition_min_rows
    try:
        return DirectCopy(upsert, spec, layout, run_id, bar_symbols, own_partition=own)
    except DirectCopyUndone as exc:
        _log_undone(export, exc)
        return None


def _reader_processes(export: ExportFile, specs: list[TableSpec], tuning: ImportTuning) -> int:
    """The processes that read the file (0: a thread), unless ``tuning`` says."""
    if tuning.reader_processes is not None:
        return tuning.reader_processes
    if c_copy_lines.available():
        return 0
    rows = sum(export.count(spec.name) for spec in specs)
    if rows < PROCESS_READING_MIN_ROWS:
        return 0
    return min(MAX_READER_PROCESSES, os.cpu_count() or 1)


def _log_undone(export: ExportFile, exc: DirectCopyUndone) -> None:
    log.info("%s: %s; merging the table instead", export.name, exc)


def _bar_symbols(export: ExportFile) -> frozenset[str] | None:
    """The export's bar symbols, or None if one is not text (the model may convert it) or
    cannot be stored (the model rejects it)."""
    source = export.tables["bars"]
    column = source.columns.get("symbol")
    if column is None:
        return None
    with export.reading("bars"):
        rows = export.conn.execute(
            f"SELECT DISTINCT typeof({quote(column)}), {quote(column)} FROM {quote(source.name)}"
        ).fetchall()
    if any(kind != "text" or text_fault(symbol) is not None for kind, symbol in rows):
        return None
    return frozenset(symbol for _, symbol in rows)


def _restage(export: ExportFile, spec: TableSpec, upsert: PostgresUpsert, chunk_rows: int) -> None:
    """Stage a whole table again (its rejections are counted already). The reader thread
    reads on a connection of its own, so the export's is free here."""
    clear_stage(upsert, spec)
    for chunk in copy_chunks(export, spec.name, CopyLayout.STAGE, chunk_rows):
        upsert.stage_copy_text(spec, chunk)


def _table_chunks(
    export: ExportFile,
    specs: list[TableSpec],
    layouts: dict[str, CopyLayout],
    run_id: str | None,
    chunk_rows: int,
) -> list[tuple[TableSpec, ChunkTask | None]]:
    """Each table's chunks of ``chunk_rows``, then (table, None) when the table is read."""
    items: list[tuple[TableSpec, ChunkTask | None]] = []
    for spec in specs:
        layout = layouts[spec.name]
        aside = spec.fallback_columns if layout is not CopyLayout.STAGE else ()
        tasks = chunk_tasks(export, spec.name, layout, chunk_rows, run_id, aside)
        items.extend((spec, task) for task in tasks)
        items.append((spec, None))
    return items
