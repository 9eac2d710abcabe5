"""The SQL fast path and the pydantic models agree on every value: same stored row, or
both reject. Values are stored untyped, so each keeps exactly the SQLite type it has."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import TextBytes, bar, execution, instrument, order, write_export

from strategy_analysis.contract.values import text_fault
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


CALENDAR_EDGES = [
    "2024-02-29 10:00:00",  # leap year
    "2000-02-29T00:00:00Z",  # leap year (divisible by 400)
    "1900-02-29 00:00:00",  # not a leap year (divisible by 100)
    "2025-02-29 10:00:00",
    "2025-02-28T23:59:59.9999999Z",
    "2025-02-30 00:00:00",
    "2025-04-30 10:00:00",
    "2025-04-31 10:00:00",
    "2025-06-31 10:00:00",
    "2025-09-31T10:00:00Z",
    "2025-11-31 10:00:00.5",
    "2025-01-31 10:00:00",
    "2025-03-31T10:00:00.123Z",
    "2025-12-31 23:59:59.999999",
    "2025-01-00 10:00:00",
    "2025-01-32 10:00:00",
    "2025-01-39 10:00:00",
    "2025-00-10 10:00:00",
    "2025-13-10 10:00:00",
    "2025-19-10 10:00:00",
    "2025-01-06 24:00:00",
    "2025-01-06 29:00:00",
    "2025-01-06 23:60:00",
    "2025-01-06 23:59:60",
    "0000-01-01 00:00:00",
    "0001-01-01 00:00:00",
    "9999-12-31T23:59:59.9999999Z",
    "2025-01-06 10:00:00.1234567",
    "2025-01-06 10:00:00.12345678",
    "2025-01-06 10:00:00.12Z",
    "2025-01-06 10:00:00.1234z",
    "2025-01-06 10:00:00.12345Z",
    "2025-01-06 10:00:00Z",
    "2025-01-06 10:00:00ZZ",
    "2025-01-06T10:00:00+01:00",
    "2025-01-06T10:00:00.5-05:00",
    "2025-01-06T10:00:00+0100",
    "2025-01-06t10:00:00",
    "2025-01-06_10:00:00",
    "2025-1-06 10:00:00",
    "2025-01-06 10:00:00\x00",
    "2025-01-06 10:00:00.123456\x00x",
    "2025-01-06 10:00:0\uff10",
    "\uff12025-01-06 10:00:00",
    " 2025-01-06 10:00:00",
    "2025-01-06 10:00:00 ",
]


@pytest.mark.parametrize("functions", [False, True], ids=["sql", "c-function"])
def test_timestamp_check_agrees_with_the_model_on_calendar_edges(functions: bool) -> None:
    """Accepted values are stored as the model stores them; every real instant in the
    canonical layout (offsets and blanks aside) takes the fast path. The same holds for
    the check in SQL and for its C function (db.sqlite_functions)."""
    import sqlite3

    from strategy_analysis.contract.timestamps import normalise_timestamp
    from strategy_analysis.db import sqlite_functions
    from strategy_analysis.ingest import column_sql

    assert sqlite_functions.install()
    conn = sqlite3.connect(":memory:")
    assert sqlite_functions.available(conn)
    conn.execute("CREATE TABLE t (v)")
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in CALENDAR_EDGES])
    checks = {
        True: column_sql.timestamp('"v"'),
        False: column_sql.timestamp('"v"', required=False),
    }
    fast: dict[bool, list[str]] = {}
    for required, check in checks.items():
        value = check.value_on(functions)
        assert ("sa_timestamp_text" in value) is functions
        rows = conn.execute(f"SELECT v, {value} FROM t ORDER BY rowid").fetchall()
        fast[required] = [raw for raw, value in rows if isinstance(value, str)]
        for raw, value in rows:
            if isinstance(value, str):
                assert value == normalise_timestamp(raw), raw
            else:  # refused: NULL when required, the BAD blob when optional
                assert value is None if required else isinstance(value, bytes), raw
    assert fast[True] == fast[False]
    expected_fast = []
    for raw in CALENDAR_EDGES:
        try:
            normalise_timestamp(raw)
        except ValueError:
            continue
        # what only the model takes: an offset, a lower-case 't', blanks around the value
        if raw == raw.strip() and raw[10] != "t" and not re.search(r"[+-]\d\d:\d\d$", raw):
            expected_fast.append(raw)
    assert fast[True] == expected_fast
    assert "2024-02-29 10:00:00" in expected_fast
    assert "2025-11-31 10:00:00.5" not in expected_fast


def test_c_functions_store_what_the_sql_checks_store() -> None:
    """Every check with a C form (db.sqlite_functions) gives exactly its SQL expression's
    value and type, for values of every storage class: blobs, NUL characters, white space
    of every kind, non-ASCII text, the extreme integers and reals; except that a text check
    in C also takes the valid non-ASCII text its SQL form leaves to the model, stored as
    the model stores it. Its strict form (for the direct insert) gives the same, or fails
    the statement where the value is BAD."""
    import sqlite3

    from strategy_analysis.db import sqlite_functions
    from strategy_analysis.ingest import column_sql

    assert sqlite_functions.install()
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v)")
    values = [
        *CALENDAR_EDGES, *TRICKY_TIMES, *TRICKY_NUMBERS, *TRICKY_TEXT,
        b"2025-01-06 10:00:00", b"", b"x", 2.5, -1, "\u00e9" * 10, "\x00", " \x00", "\x00 ",
        " \t\n\r\x0b\x0c", "\x0b", "\x0c x", "\x1f", "\x08", "\u00a0", "\u3000", "\x7f",
        -1.5, -0.0, 0.0, 1e-320, -1e308, 1.7976931348623157e308, float("-inf"),
        '{"a": "\u00e9"}', '{"a": "\\u00e9"}', '{"a": "\x00"}',
    ]  # fmt: skip
    conn.executemany(
        "INSERT INTO t VALUES (?)", [(bytes(v) if isinstance(v, TextBytes) else v,) for v in values]
    )
    for rowid, value in enumerate(values, start=1):
        if isinstance(value, TextBytes):
            conn.execute("UPDATE t SET v = CAST(v AS TEXT) WHERE rowid = ?", (rowid,))
    conn.text_factory = lambda data: data.decode("utf-8", "surrogateescape")
    checks = {
        "timestamp": column_sql.timestamp('"v"'),
        "optional timestamp": column_sql.timestamp('"v"', required=False),
        "required text": column_sql.required_text('"v"'),
        "optional text": column_sql.optional_text('"v"'),
        "text with default": column_sql.text_with_default('"v"', "'D'"),
        "text or literal": column_sql.text_or_literal('"v"', "GTC"),
        "required text of 20": column_sql.required_text('"v"', 20),
        "optional text of 20": column_sql.optional_text('"v"', 20),
        "text of 200 with default": column_sql.text_with_default('"v"', "'D'", 200),
        "text of 20 or literal": column_sql.text_or_literal('"v"', "GTC", 20),
        "fee": column_sql.fee('"v"'),
    }
    for minimum in ("", "> 0", ">= 0", "quantity"):
        for required in (True, False):
            name = f"number {minimum or 'any'} {'required' if required else 'optional'}"
            checks[name] = column_sql.number('"v"', minimum=minimum, required=required)
    checks["json object"] = column_sql.json_object_text('"v"')
    for name, check in checks.items():
        c_value = check.value_on(True)
        assert c_value != check.value or name == "json object", name
        rows = conn.execute(f"SELECT rowid, v, {check.value}, {c_value} FROM t").fetchall()
        strict = check.strict_on(True)
        assert strict is not None, name
        assert check.strict_on(False) is None, name
        for rowid, raw, in_sql, in_c in rows:
            if isinstance(raw, str) and not raw.isascii() and in_c == raw != in_sql:
                assert in_sql is None or isinstance(in_sql, bytes), (name, raw)
                assert text_fault(raw) is None, (name, raw)
                continue
            assert in_c == in_sql and type(in_c) is type(in_sql), (name, raw, in_sql, in_c)
            # The strict form fails the statement exactly where the value would be BAD.
            sql = f"SELECT {strict} FROM t WHERE rowid = ?"
            if isinstance(in_c, bytes):
                with pytest.raises(sqlite3.OperationalError, match="^sa_invalid:"):
                    conn.execute(sql, (rowid,)).fetchone()
            else:
                (in_strict,) = conn.execute(sql, (rowid,)).fetchone()
                assert in_strict == in_c and type(in_strict) is type(in_c), (name, raw)
