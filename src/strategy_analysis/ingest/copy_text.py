"""A file import's valid rows as PostgreSQL ``COPY`` text, written by SQLite itself.

SQLite checks each chunk of an export table (``export_file.checked_rows``) and joins the
rows that pass into one string of COPY text lines, so Python never holds those rows one by
one: it hands the string to ``COPY``. Rows that need the pydantic model come out as
tuples, as from ``ExportFile.chunks``.

A number becomes text with 17 significant digits, which PostgreSQL reads back as the same
double; SQLite's formatting is exact over the magnitudes prices and quantities have, so a
number outside them sends its row to the model instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .c_copy_lines import CPlan, c_plan
from .copy_layout import CopyChunk, CopyLayout
from .export_file import ExportFile, SourceTable, checked_rows, quote
from .store.upsert_base import NUMERIC_COLUMNS

# Where SQLite's '%!.17g' round-trips every double (checked over millions of values).
_EXACT_NUMBERS = "({v} IS NULL OR (abs({v}) < 1e18 AND ({v} = 0 OR abs({v}) > 1e-18)))"
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _escaped_sql(v: str) -> str:
    sql = v
    for raw, escaped in _ESCAPES:
        sql = f"replace({sql}, '{raw}', '{escaped}')"
    return sql


def _field(
    column: str, v: str, required: bool, timestamps: frozenset[str], escape: bool
) -> tuple[str, str]:
    """(printf conversion, argument) of one value; NULL prints as '' (``COPY_NULL``)."""
    if column in NUMERIC_COLUMNS:
        if required:
            return "%!.17g", v
        return "%s", f"CASE WHEN {v} IS NOT NULL THEN printf('%!.17g', {v}) END"
    if escape and column not in timestamps:
        # Timestamps are canonical 'YYYY-MM-DD HH:MM:SS.ffffff': nothing to escape.
        v = _escaped_sql(v)
    return "%s", v


@dataclass(frozen=True)
class CopyTextSql:
    # (text, lines) of the valid rows, then (text, lines) of those put aside (staged)
    plain: str  # unescaped
    escaped: str  # text values escaped (a chunk whose text needs it)
    invalid: str  # positions of the rows that need the model
    count: str  # rows in the range
    tabs_per_line: int
    tabs_per_aside_line: int
    c_plan: CPlan  # the same lines from the C reader


def copy_text_sql(
    source: SourceTable, layout: CopyLayout, aside: tuple[str, ...] = (), functions: bool = False
) -> CopyTextSql:
    """SQL over :lo, :hi, the Metadata defaults and :run_id; ``functions``: the export's
    connection has the SQL functions in C (db.sqlite_functions).

    A valid row with NULL in one of the ``aside`` columns is laid out for the stage and
    joined separately (the merge fills those columns; a direct copy cannot). The checks
    pass no text with a NUL character, which printf would end.
    """
    spec = source.spec
    checked = checked_rows(source, functions=functions)
    columns = list(zip(spec.columns, checked.values, checked.required, strict=True))
    exact = [_EXACT_NUMBERS.format(v=v) for c, v, _ in columns if c in NUMERIC_COLUMNS]
    passes = f"coalesce(({' AND '.join([checked.condition, *exact])}), 0)"
    value_of = dict(zip(spec.columns, checked.values, strict=True))
    put_aside = " OR ".join(f"{value_of[c]} IS NULL" for c in aside) or "0"

    def line_sql(line_layout: CopyLayout, escape: bool) -> str:
        # One printf per row builds the line at once (a chain of || copies it each time).
        fields = [_field(c, v, r, spec.timestamp_columns, escape) for c, v, r in columns]
        formats, arguments = [f for f, _ in fields], [a for _, a in fields]
        if line_layout is CopyLayout.STAGE:
            formats, arguments = ["%d", *formats], ["pos", *arguments]
        elif line_layout is not CopyLayout.TABLE:
            run_id = _escaped_sql(":run_id") if escape else ":run_id"
            formats, arguments = ["%s", *formats], [run_id, *arguments]
            if line_layout is CopyLayout.RUN_TABLE_SEQUENCED:
                formats, arguments = [*formats, "%d"], [*arguments, "pos"]
        return f"printf('{chr(9).join(formats)}', {', '.join(arguments)})"

    # A direct copy counts its rows' times and symbols here, not by reading them back.
    if layout is not CopyLayout.STAGE and spec.time_column is not None:
        time, symbol = value_of[spec.time_column], value_of["symbol"]
        summary = f"min({time}), max({time}), json_group_array(DISTINCT {symbol})"
    else:
        summary = "NULL, NULL, NULL"

    def text_sql(escape: bool) -> str:
        line = line_sql(layout, escape)
        if aside:
            line = f"CASE WHEN aside THEN {line_sql(CopyLayout.STAGE, escape)} ELSE {line} END"
        return (
            "SELECT group_concat(line, '\n') FILTER (WHERE NOT aside),"
            " count(*) FILTER (WHERE NOT aside),"
            " group_concat(line, '\n') FILTER (WHERE aside), count(*) FILTER (WHERE aside),"
            f" {summary}"
            f" FROM (SELECT *, {line} AS line FROM"
            f" (SELECT *, {put_aside} AS aside FROM {checked.rows} WHERE {passes} LIMIT -1))"
        )

    return CopyTextSql(
        plain=text_sql(escape=False),
        escaped=text_sql(escape=True),
        invalid=f"SELECT pos FROM {checked.rows} WHERE NOT {passes}",
        count=f"SELECT count(*) FROM {quote(source.name)} WHERE rowid BETWEEN :lo AND :hi",
        tabs_per_line=len(layout.columns(spec.columns)) - 1,
        tabs_per_aside_line=len(spec.columns),
        c_plan=c_plan(source, layout, aside),
    )


def _plain_is_exact(text: str | None, lines: int, tabs_per_line: int) -> bool:
    """Whether unescaped lines are valid COPY text: no value held a backslash, a carriage
    return, a newline or a tab (fast scans of the whole chunk)."""
    if not lines:
        return True
    assert text is not None
    return (
        "\\" not in text
        and "\r" not in text
        and text.count("\n") == lines - 1
        and text.count("\t") == lines * tabs_per_line
    )


@dataclass(frozen=True)
class ChunkTask:
    """One rowid range of a table to read as COPY text."""

    table: str
    sql: CopyTextSql
    params: dict[str, Any]


def chunk_tasks(
    export: ExportFile,
    table: str,
    layout: CopyLayout,
    chunk_rows: int,
    run_id: str | None = None,
    aside: tuple[str, ...] = (),
) -> list[ChunkTask]:
    """The chunks of ``table`` in rowid order (none when the table is absent or empty)."""
    if table not in export.tables:
        return []
    bounds = export.rowid_range(table)
    if bounds is None:
        return []
    sql = copy_text_sql(export.tables[table], layout, aside, export.functions)
    low, high = bounds
    return [
        ChunkTask(table, sql, {**export.sql_params(lo, lo + chunk_rows - 1), "run_id": run_id})
        for lo in range(low, high + 1, chunk_rows)
    ]


def read_chunk(export: ExportFile, task: ChunkTask) -> CopyChunk:
    """COPY text for the chunk's valid rows; model rows and rejections for the rest."""
    sql, params = task.sql, task.params
    reader = export.c_reader()
    fast = reader.lines(sql.c_plan, params) if reader is not None else None
    if fast is not None:
        return CopyChunk(
            text=fast.text,
            lines=fast.lines,
            positions_done=fast.lines + fast.aside_lines,
            aside_text=fast.aside_text,
            aside_lines=fast.aside_lines,
            first_time=fast.first_time,
            last_time=fast.last_time,
            symbols=fast.symbols,
        )
    with export.reading(task.table):
        row = export.conn.execute(sql.plain, params).fetchone()
        if not (
            _plain_is_exact(row[0], row[1], sql.tabs_per_line)
            and _plain_is_exact(row[2], row[3], sql.tabs_per_aside_line)
        ):
            row = export.conn.execute(sql.escaped, params).fetchone()
        text, lines, aside, aside_lines, first, last, symbols = row
        total = export.conn.execute(sql.count, params).fetchone()[0]
        chunk = CopyChunk(
            text=text or "",
            lines=lines,
            positions_done=total,
            aside_text=aside or "",
            aside_lines=aside_lines,
            first_time=first,
            last_time=last,
            symbols=json.loads(symbols) if lines + aside_lines and symbols else [],
        )
        if total != lines + aside_lines:
            invalid = [r[0] for r in export.conn.execute(sql.invalid, params)]
            slow = export.validate_positions(task.table, invalid)
            chunk.rows, chunk.rejected = slow.rows, slow.rejected
    return chunk


def copy_chunks(
    export: ExportFile,
    table: str,
    layout: CopyLayout,
    chunk_rows: int,
    run_id: str | None = None,
) -> Iterator[CopyChunk]:
    """The chunks of ``table``, read one after the other on the export's connection."""
    for task in chunk_tasks(export, table, layout, chunk_rows, run_id):
        yield read_chunk(export, task)
