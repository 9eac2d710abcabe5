"""The SQL fast path and the pydantic models agree on every value: same stored row, or
both reject. Values are stored untyped, so each keeps exactly the SQLite type it has."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import TextBytes, bar, execution, instrument, order, write_export

from strategy_analysis.ingest.export_file import ExportFile, validate_raw

TRICKY_TIMES: list[Any] = [
    "2025-01-06 10:00:00",
    "2025-01-06T10:00:00Z",
    "2025-01-06t10:00:00z",
    "2025-01-06T10:00:00.1234567Z",
    "2025-01-06T10:00:00.1",
    "2025-01-06T10:00:00.",
    "2025-01-06T10:00:00ZZ",
    "2025-01-06T10:00:00.12345678",
    "2025-01-06T10:00:00+01:00",
    "2025-02-29 10:00:00",
    "2024-02-29 10:00:00",
    "2025-04-31 10:00:00",
    "2025-01-06 24:00:00",
    "0000-01-01 00:00:00",
    "2025-01-06 10:00",
    " 2025-01-06 10:00:00",
    "2025-01-06 10:00:00.12a",
    # offsets that leave years 1-9999 once converted to UTC, and the edges that stay
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T22:59:59-01:00",
    "0001-01-01T00:00:00Z",
    "",
    None,
    20250106,
    1.5,
]
TRICKY_NUMBERS: list[Any] = [
    1,
    1.5,
    0,
    -2,
    "3.5",
    " 4 ",
    "",
    "abc",
    None,
    float("inf"),
    1e308,
    b"\x01",
    # Exact through PostgreSQL's COPY text too: 17 digits, tiny and huge magnitudes.
    0.1 + 0.2,
    1e-300,
    -0.0,
    123456789.12345679,
    5e-324,
    # abs() of the smallest integer overflows in SQLite
    -9223372036854775808,
    9223372036854775807,
    # the edges of the ranges: amounts within 1e15, quantities from 1e-9 to 1e9
    1e15,
    -1e15,
    10**15,
    10**15 + 1,
    math.nextafter(1e15, math.inf),
    1e16,
    1e9,
    10**9,
    10**9 + 1,
    math.nextafter(1e9, math.inf),
    1e-9,
    math.nextafter(1e-9, 0),
    1e-10,
    "1e-10",
]
TRICKY_TEXT: list[Any] = [
    "X1",
    "",
    "   ",
    "\t",
    None,
    42,
    4.5,
    " padded ",
    # Characters COPY text escapes, printf conversions, and a literal \N (not a NULL).
    "tab\there",
    "two\nlines",
    "back\\slash",
    "cr\rlf",
    "\\N",
    "100% %s %d",
    "ünïcödé ✓",
    # each column's length (20, 50, 100 or 200 characters), counted in characters
    "x" * 20,
    "x" * 21,
    "é" * 20,
    "é" * 21,
    "x" * 50,
    "x" * 51,
    "x" * 200,
    "x" * 201,
    "€" * 200,
    " " * 300,
    # NUL characters, and text cells that are not UTF-8
    "a\x00b",
    "\x00",
    TextBytes("café".encode()),
    TextBytes(b"bad \xff byte"),
    TextBytes(b"cesu \xed\xa0\x80 surrogate"),
    TextBytes(b"overlong \xc0\xaf"),
    TextBytes(b"cut \xe2\x82"),
]
TRICKY_SIDES: list[Any] = ["BUY", "buy", " Sell ", "BuyToCover", "SellShort", "short", "", None, 1]
TRICKY_STATUS: list[Any] = ["Working", "PartFilled", "Cancelled", "FILLED", "done", None]
TRICKY_JSON: list[Any] = [
    '{"a": 1}',
    "[1]",
    "{bad",
    "",
    "  ",
    None,
    '{"n": NaN}',
    5,
    '{"x": 1e999}',
    '{"big": 123456789012345678901234567890}',
    '{"d": ' * 5000 + "1" + "}" * 5000,
]


def as_read(value: Any) -> Any:
    """A value as the export reader reads it back (a text cell's bytes decoded)."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, TextBytes) else value


def _rows(base: dict[str, Any], variations: dict[str, list[Any]]) -> list[dict[str, Any]]:
    rows = []
    for column, values in variations.items():
        for value in values:
            rows.append({**base, column: value})
    return rows


CASES = {
    "executions": (
        execution,
        "execution_id",
        {
            "exec_time_utc": TRICKY_TIMES,
            "price": TRICKY_NUMBERS,
            "quantity": TRICKY_NUMBERS,
            "fee": TRICKY_NUMBERS,
            "execution_id": TRICKY_TEXT,
            "strategy_id": TRICKY_TEXT,
            "liquidity_flag": TRICKY_TEXT,
            "side": TRICKY_SIDES,
        },
    ),
    "orders": (
        order,
        "order_id",
        {
            "submit_time_utc": TRICKY_TIMES,
            "price": TRICKY_NUMBERS,
            "stop_price": TRICKY_NUMBERS,
            "status": TRICKY_STATUS,
            "order_type": ["StopLimit", "MarketIfTouched", "stop", "Iceberg", None],
            "meta_json": TRICKY_JSON,
            "time_in_force": TRICKY_TEXT,
            "account_id": TRICKY_TEXT,
        },
    ),
    "bars": (
        bar,
        "start_time_utc",
        {
            "start_time_utc": TRICKY_TIMES,
            "end_time_utc": TRICKY_TIMES,
            "open": TRICKY_NUMBERS,
            "low": TRICKY_NUMBERS,
            "volume": TRICKY_NUMBERS,
            "open_interest": TRICKY_NUMBERS,
            "timeframe": TRICKY_TEXT,
        },
    ),
    "instruments": (
        instrument,
        "symbol",
        {"point_value": TRICKY_NUMBERS, "tick_size": TRICKY_NUMBERS, "currency": TRICKY_TEXT},
    ),
}


@pytest.mark.parametrize("table", sorted(CASES))
def test_sql_checks_agree_with_the_models(tmp_path: Path, table: str) -> None:
    factory, _, variations = CASES[table]
    rows = _rows(factory(), variations)
    export_name = table.capitalize()
    tables: dict[str, Any] = {"bars": [], table: rows}  # an export needs a data table
    path = write_export(tmp_path / "tricky.sqlite", typed=False, **tables)
    with ExportFile.open(path) as export:
        defaults = export.defaults()
        stored: dict[int, tuple[Any, ...]] = {}
        rejected: set[int] = set()
        for chunk in export.chunks(table, chunk_rows=7):
            stored.update({row[0]: row for row in chunk.rows})
            rejected.update(r.position for r in chunk.rejected)  # type: ignore[misc]
        raw_rows = export.conn.execute(f'SELECT rowid, * FROM "{export_name}"').fetchall()
        names = [d[0] for d in export.conn.execute(f'SELECT * FROM "{export_name}"').description]
    assert len(stored) + len(rejected) == len(rows)
    assert stored, "some rows must pass"
    assert rejected, "some rows must be rejected"
    for raw in raw_rows:
        expected, rejection = validate_raw(
            export.tables[table].spec, raw[0], dict(zip(names, raw[1:], strict=True)), defaults
        )
        if expected is None:
            assert raw[0] in rejected, (raw, rejection)
        else:
            assert stored.get(raw[0]) == expected, raw


def test_fast_path_accepts_clean_rows_without_the_models(
    tmp_path: Path, model_calls: itertools.count
) -> None:
    rows = [
        execution(f"E{i}", exec_time_utc=f"2025-01-06T10:00:{i:02d}.1234567Z") for i in range(50)
    ]
    path = write_export(tmp_path / "clean.sqlite", executions=rows)
    with ExportFile.open(path) as export:
        stored = [row for chunk in export.chunks("executions") for row in chunk.rows]
    assert len(stored) == 50
    assert next(model_calls) == 0
    assert stored[3][7] == "2025-01-06 10:00:03.123456"


@pytest.mark.parametrize("table", ["executions", "orders", "bars"])
def test_import_stores_what_the_models_accept(engine: Any, tmp_path: Path, table: str) -> None:
    """Through the whole import (on SQLite the checks run on the attached file)."""
    from sqlalchemy import text

    from strategy_analysis.ingest.importer import import_export_file

    factory, key, variations = CASES[table]
    rows = []
    for i, row in enumerate(_rows(factory(), variations)):
        if key == "start_time_utc":  # bars: vary the symbol to keep keys apart
            row = {**row, "symbol": f"S{i}"}
        elif row[key] == factory()[key]:
            row = {**row, key: f"K{i}"}
        rows.append(row)
    tables: dict[str, Any] = {"bars": [], table: rows}
    path = write_export(tmp_path / "tricky.sqlite", typed=False, **tables)
    with ExportFile.open(path) as export:
        spec = export.tables[table].spec
        defaults = export.defaults()
        accepted = []
        for position, raw in enumerate(rows, start=1):
            stored, _ = validate_raw(
                spec, position, {c: as_read(raw.get(c)) for c in spec.record.COLUMNS}, defaults
            )
            if stored is not None:
                accepted.append(stored)
    report = import_export_file(engine, path)
    counts = report.counts[table]
    assert counts.inserted == len({r[1 : 1 + len(spec.key)] for r in accepted})
    assert counts.inserted + counts.rejected == len(rows)
    columns = ", ".join(spec.columns)
    with engine.connect() as conn:
        stored_rows = conn.execute(text(f"SELECT {columns} FROM {table}")).all()
    keyed = {tuple(r[: len(spec.key)]) if table != "bars" else (r[0],): r for r in stored_rows}
    for row in accepted:
        key_values = (row[1],) if table != "bars" else (row[1],)
        got = keyed[key_values]
        for name, expected, value in zip(spec.columns, row[1:], got, strict=True):
            if name in spec.timestamp_columns and value is not None:
                if not isinstance(value, str):
                    value = value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
            assert value == expected, (name, row)
