"""The C reader's COPY text is the SQL path's: for every chunk it takes, the same lines
(numbers compared as the doubles PostgreSQL reads), the same times and symbols; any chunk
holding a value it is not sure of goes to the SQL path whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import write_export
from ingest.test_column_checks import CASES, _rows

from strategy_analysis.ingest import c_copy_lines
from strategy_analysis.ingest.copy_text import ChunkTask, CopyChunk, CopyLayout, chunk_tasks
from strategy_analysis.ingest.copy_text import read_chunk as read_chunk_either
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.export_file import ExportFile

# A run id that needs COPY escapes.
RUN_ID = "run\\with\ttab"
LAYOUTS = {
    "executions": [CopyLayout.RUN_TABLE_SEQUENCED, CopyLayout.STAGE],
    "orders": [CopyLayout.RUN_TABLE, CopyLayout.STAGE],
    "bars": [CopyLayout.TABLE, CopyLayout.STAGE],
    "instruments": [CopyLayout.STAGE],
}


def test_the_c_reader_is_built() -> None:
    """A broken build would quietly put every import on the slower SQL path."""
    assert c_copy_lines.available()


def _sql_chunk(export: ExportFile, task: ChunkTask) -> CopyChunk:
    reader, export._c_reader = export._c_reader, None
    try:
        c_copy_lines_available = c_copy_lines._copy_lines
        c_copy_lines._copy_lines = None
        return read_chunk_either(export, task)
    finally:
        c_copy_lines._copy_lines = c_copy_lines_available
        export._c_reader = reader


def _fields(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.split("\n")] if text else []


def _same_field(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _assert_same_lines(c_text: str, sql_text: str) -> None:
    c_lines, sql_lines = _fields(c_text), _fields(sql_text)
    assert len(c_lines) == len(sql_lines)
    for c_line, sql_line in zip(c_lines, sql_lines, strict=True):
        assert len(c_line) == len(sql_line), (c_line, sql_line)
        assert all(_same_field(a, b) for a, b in zip(c_line, sql_line, strict=True)), (
            c_line,
            sql_line,
        )


def _escaped(text: str) -> str:
    for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(raw, escaped)
    return text


def _normal(field: Any) -> str:
    """A field as comparable text: a number as its double's repr."""
    if field is None:
        return ""
    if isinstance(field, (int, float)):
        return repr(float(field))
    try:
        return repr(float(field))
    except ValueError:
        return field


def _model_lines(chunk: CopyChunk, layout: CopyLayout) -> list[list[str]]:
    """The SQL path's model rows laid out as lines (valid rows SQLite's printf could not
    write exactly go to the model)."""
    return [
        [_escaped(v) if isinstance(v, str) else v for v in layout.row(row, RUN_ID)]
        for row in chunk.rows
    ]


def _sorted_lines(lines: list[list[Any]]) -> list[tuple[str, ...]]:
    return sorted(tuple(_normal(f) for f in line) for line in lines)


def _compare(export: ExportFile, task: ChunkTask, layout: CopyLayout) -> bool:
    """Whether the C reader took the chunk; when it did, it matches the SQL path."""
    reader = export.c_reader()
    assert reader is not None
    fast = reader.lines(task.sql.c_plan, task.params)
    if fast is None:
        return False
    slow = _sql_chunk(export, task)
    assert slow.rejected == [], "C took a chunk the SQL path rejects rows of"
    _assert_same_lines(fast.aside_text, slow.aside_text)
    if not slow.rows:
        _assert_same_lines(fast.text, slow.text)
        assert (fast.first_time, fast.last_time) == (slow.first_time, slow.last_time)
        assert sorted(fast.symbols) == sorted(slow.symbols)
    assert _sorted_lines(_fields(fast.text)) == _sorted_lines(
        _fields(slow.text) + _model_lines(slow, layout)
    )
    assert fast.lines + fast.aside_lines == slow.lines + slow.aside_lines + len(slow.rows)
    return True


@pytest.mark.parametrize("table", sorted(CASES))
def test_tricky_values_one_row_at_a_time(tmp_path: Path, table: str) -> None:
    factory, _, variations = CASES[table]
    rows = _rows(factory(), variations)
    path = write_export(tmp_path / "tricky.sqlite", typed=False, **{"bars": [], table: rows})
    taken = refused = 0
    with ExportFile.open(path) as export:
        for layout in LAYOUTS[table]:
            for task in chunk_tasks(export, table, layout, 1, run_id=RUN_ID):
                if _compare(export, task, layout):
                    taken += 1
                else:
                    refused += 1
    assert taken and refused


@pytest.mark.parametrize("table", sorted(CASES))
def test_a_chunk_with_a_refused_value_reads_as_the_sql_path(tmp_path: Path, table: str) -> None:
    factory, _, variations = CASES[table]
    rows = _rows(factory(), variations)
    path = write_export(tmp_path / "tricky.sqlite", typed=False, **{"bars": [], table: rows})
    with ExportFile.open(path) as export:
        layout = LAYOUTS[table][0]
        taken = []
        for task in chunk_tasks(export, table, layout, 7, run_id=RUN_ID):
            taken.append(_compare(export, task, layout))
            if not taken[-1]:
                assert read_chunk_either(export, task) == _sql_chunk(export, task)
    assert not all(taken)


def test_a_demo_export_is_read_by_c_in_every_layout(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    write_demo_export(path, executions=3_000, seed=7)
    with ExportFile.open(path) as export:
        for table, layouts in LAYOUTS.items():
            for layout in layouts:
                asides: list[tuple[str, ...]] = [()]
                if table == "executions":
                    asides.append(("strategy_id", "account_id"))
                for aside in asides:
                    tasks = chunk_tasks(export, table, layout, 1_000, run_id=RUN_ID, aside=aside)
                    assert tasks
                    assert all(_compare(export, task, layout) for task in tasks), (table, layout)


def test_the_chunk_it_reads_matches_the_model_path(tmp_path: Path) -> None:
    """Through read_chunk: every clean row taken, none sent to the model."""
    path = tmp_path / "demo.sqlite"
    write_demo_export(path, executions=500, seed=3)
    with ExportFile.open(path) as export:
        task = chunk_tasks(export, "executions", CopyLayout.STAGE, 10_000)[0]
        chunk: Any = read_chunk_either(export, task)
        assert chunk.rows == [] and chunk.lines == export.count("executions")
