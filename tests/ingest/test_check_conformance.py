"""Every executor of a column check agrees with the contract on every tricky value.

The pydantic model is the contract's executor; the fast paths (SQLite SQL, the same SQL
with the C functions, the C COPY reader, the stream's Python checks and their C twin) are
narrower, never wider: each either declines a value (it goes to the model) or stores
exactly what the model stores. So a value gets the same accept/reject whichever path
takes it. One table of tricky values per check kind (``contract.checks.CheckKind``) runs
through every executor that implements the kind; a kind without values, or an executor
without the kind, fails here.
"""

from __future__ import annotations

import math
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import TextBytes, bar, execution, instrument, order, write_export

from strategy_analysis.contract.checks import CheckKind
from strategy_analysis.db import sqlite_functions
from strategy_analysis.ingest import column_sql, record_checks
from strategy_analysis.ingest.c_copy_lines import READER_KINDS
from strategy_analysis.ingest.copy_layout import COPY_NULL
from strategy_analysis.ingest.copy_text import CopyLayout, chunk_tasks
from strategy_analysis.ingest.export_file import ExportFile, validate_raw
from strategy_analysis.ingest.tables import SPECS_BY_NAME

try:
    from strategy_analysis.ingest import _record_checks
except ImportError:  # pragma: no cover - a build without a C compiler
    _record_checks = None  # type: ignore[assignment]  # test_batch_checks fails such a build

DEFAULTS: dict[str, str | None] = {"strategy_id": "META-S", "account_id": None}
OTHER_DEFAULTS: dict[str, str | None] = {"strategy_id": None, "account_id": "RUN-A"}
DECLINED = object()  # a fast path's "not sure": the value goes to the model
FAILED = object()  # the statement failed on the value (sa_invalid)

# A record around the value: every other column clean. A bar's range is as wide as the
# contract allows and starts at the first instant, so no column's value breaks the bar rule.
BASES = {
    "executions": execution(),
    "orders": order(),
    "instruments": instrument(),
    "bars": bar(start="0001-01-01 00:00:00", low=-1e15, high=1e15, open=0.0, close=0.0),
}
# The column each kind is tried on.
COLUMN_OF: dict[CheckKind, tuple[str, str]] = {
    CheckKind.TEXT: ("executions", "order_id"),
    CheckKind.OPTIONAL_TEXT: ("executions", "liquidity_flag"),
    CheckKind.TEXT_OR_RUN_STRATEGY: ("orders", "strategy_id"),
    CheckKind.TEXT_OR_RUN_ACCOUNT: ("orders", "account_id"),
    CheckKind.TEXT_OR_GTC: ("orders", "time_in_force"),
    CheckKind.NUMBER: ("bars", "open"),
    CheckKind.OPTIONAL_NUMBER: ("bars", "open_interest"),
    CheckKind.POSITIVE: ("executions", "price"),
    CheckKind.OPTIONAL_POSITIVE: ("orders", "stop_price"),
    CheckKind.QUANTITY: ("executions", "quantity"),
    CheckKind.NON_NEGATIVE: ("bars", "volume"),
    CheckKind.FEE: ("executions", "fee"),
    CheckKind.TIMESTAMP: ("executions", "exec_time_utc"),
    CheckKind.OPTIONAL_TIMESTAMP: ("bars", "end_time_utc"),
    CheckKind.SIDE: ("executions", "side"),
    CheckKind.ORDER_TYPE: ("orders", "order_type"),
    CheckKind.ORDER_STATUS: ("orders", "status"),
    CheckKind.JSON_OBJECT: ("orders", "meta_json"),
}

# Values both transports can carry; FILE_ONLY: SQLite cells a JSON batch cannot hold;
# STREAM_ONLY: JSON values an SQLite cell cannot hold (a lone surrogate cannot be bound).
TIMES: list[Any] = [
    "2025-01-06 10:00:00",
    "2025-01-06T10:00:00Z",
    "2025-01-06t10:00:00z",
    "2025-01-06T10:00:00.1234567Z",
    "2025-01-06T10:00:00.12345678",
    "2025-01-06T10:00:00.1",
    "2025-01-06T10:00:00.",
    "2025-01-06T10:00:00ZZ",
    "2025-01-06 10:00:00.1234z",
    "2025-01-06 10:00",
    "2025-1-06 10:00:00",
    "2025-01-06_10:00:00",
    "2025-01-06 10:00:00.12a",
    # calendar edges
    "2024-02-29 10:00:00",
    "2000-02-29T00:00:00Z",
    "1900-02-29 00:00:00",
    "2025-02-29 10:00:00",
    "2025-04-31 10:00:00",
    "2025-12-31 23:59:59.999999",
    "2025-01-00 10:00:00",
    "2025-13-10 10:00:00",
    "2025-01-06 24:00:00",
    "2025-01-06 23:60:00",
    "2025-01-06 23:59:60",
    "2025-02-28T23:59:59.9999999Z",
    "2025-02-30 00:00:00",
    "2025-04-30 10:00:00",
    "2025-06-31 10:00:00",
    "2025-09-31T10:00:00Z",
    "2025-11-31 10:00:00.5",
    "2025-01-31 10:00:00",
    "2025-03-31T10:00:00.123Z",
    "2025-01-32 10:00:00",
    "2025-01-39 10:00:00",
    "2025-00-10 10:00:00",
    "2025-19-10 10:00:00",
    "2025-01-06 29:00:00",
    "2025-01-06 10:00:00.1234567",
    "2025-01-06 10:00:00.12Z",
    "2025-01-06 10:00:00.12345Z",
    "2025-01-06 10:00:00Z",
    # year edges
    "0000-01-01 00:00:00",
    "0001-01-01 00:00:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.9999999Z",
    "10000-01-01 00:00:00",
    # offsets, odd ones and ones that leave years 1-9999 once converted to UTC
    "2025-01-06T10:00:00+01:00",
    "2025-01-06T10:00:00.5-05:00",
    "2025-01-06T10:00:00+05:45",
    "2025-01-06T10:00:00+14:00",
    "2025-01-06T10:00:00-12:00",
    "2025-01-06T10:00:00+0100",
    "2025-01-06T10:00:00+00:00",
    "2025-01-06T10:00:00-00:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T22:59:59-01:00",
    "0001-01-01T00:30:00+01:00",
    "0001-01-01T01:00:00+01:00",
    # blanks, NUL, other digits, not text
    " 2025-01-06 10:00:00",
    "2025-01-06 10:00:00 ",
    "2025-01-06 10:00:00\x00",
    "2025-01-06 10:00:00.123456\x00x",
    "2025-01-06 10:00:0\uff10",
    "\uff12025-01-06 10:00:00",
    "NaN",
    "",
    None,
    20250106,
    1.5,
]
NUMBERS: list[Any] = [
    1,
    1.5,
    0,
    -0.0,
    -2,
    "3.5",
    " 4 ",
    "",
    "abc",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e999",
    "0x10",
    None,
    float("inf"),
    float("-inf"),
    1e308,
    1e-300,
    5e-324,
    0.1 + 0.2,
    123456789.12345679,
    -9223372036854775808,
    9223372036854775807,
    1e15,
    -1e15,
    10**15,
    10**15 + 1,
    math.nextafter(1e15, math.inf),
    -(10**15) - 1,
    1e16,
    1e9,
    10**9,
    10**9 + 1,
    math.nextafter(1e9, math.inf),
    1e-9,
    math.nextafter(1e-9, 0),
    1e-10,
    "1e-10",
    -1.5,
    0.0,
    1e-320,
    -1e308,
    1.7976931348623157e308,
]
TEXTS: list[Any] = [
    "X1",
    "",
    "   ",
    "\t",
    " \t\n\r\x0b\x0c",
    "\u00a0",
    "\u3000",
    "\x0b",
    "\x0c x",
    "\x1f",
    "\x08",
    "\x7f",
    " \x00",
    "\x00 ",
    None,
    42,
    4.5,
    " padded ",
    "tab\there",
    "two\nlines",
    "back\\slash",
    "cr\rlf",
    "\\N",
    "100% %s %d",
    "\u00fcn\u00efc\u00f6d\u00e9 \u2713",
    "a\x00b",
    "\x00",
    "x\x00",
    "gtc",
    # over-long text, counted in characters (the limits are 20, 50, 100, 200)
    *("x" * n for n in (20, 21, 50, 51, 200, 201)),
    *("\u00e9" * n for n in (20, 21, 200, 201)),
    "\U0001f600" * 20,
    "\U0001f600" * 21,
    " " * 300,
]
SIDES: list[Any] = [
    "BUY",
    "buy",
    "Buy",
    "bUy",
    " Sell ",
    "\tsell\n",
    "SELL\x00",
    "sell\u00a0",
    "\uff22\uff35\uff39",  # full-width BUY
    "BuyToCover",
    "SellShort",
    "short",
    "",
    None,
    1,
]
ORDER_TYPES: list[Any] = [
    "MARKET",
    "Market",
    "market",
    " limit ",
    "StopLimit",
    "STOP_LIMIT",
    "stop",
    "MarketIfTouched",
    "Iceberg",
    "LIMIT\x00",
    "",
    None,
    2,
]
STATUSES: list[Any] = [
    "FILLED",
    "Working",
    "PartFilled",
    "Cancelled",
    "CANCELED",
    "filled ",
    "Filled\x00",
    "done",
    "",
    None,
    0,
]
JSON_TEXTS: list[Any] = [
    '{"a": 1}',
    "{}",
    ' {"a": 1}',
    '{"a": 1} ',
    "[1]",
    '"text"',
    "{bad",
    "",
    "  ",
    None,
    5,
    '{"n": NaN}',
    '{"n": Infinity}',
    '{"x": 1e999}',
    '{"big": 123456789012345678901234567890}',
    '{"a": "\\u00e9"}',
    '{"a": "\u00e9"}',
    '{"a": "\\ud800"}',
    '{"a": 1}\x00',
    '{"a": "\x00"}',
    '{"x": -0.0, "y": 1E+2}',
    '{"a": 1} {"b": 2}',
    '{"a": 1}  \n',
    '{"a": "tab\there"}',  # a raw control character inside a string
    '{"a": 1, "a": 2}',
    '{"d": ' * 600 + "1" + "}" * 600,
    '{"d": ' * 5000 + "1" + "}" * 5000,
]
TEXT_CELLS: list[Any] = [
    TextBytes("caf\u00e9".encode()),
    TextBytes(b"bad \xff byte"),
    TextBytes(b"cesu \xed\xa0\x80 surrogate"),
    TextBytes(b"overlong \xc0\xaf"),
    TextBytes(b"cut \xe2\x82"),
    b"\x01",
    b"",
    b"x",
    b"2025-01-06 10:00:00",
]
STREAM_VALUES: list[Any] = [
    "a\ud800b",
    "\udfff",
    True,
    False,
    float("nan"),
    [1],
    {"a": 1},
    {},
    {"n": float("nan")},
    10**30,
]

_TEXT_KINDS = (
    CheckKind.TEXT,
    CheckKind.OPTIONAL_TEXT,
    CheckKind.TEXT_OR_RUN_STRATEGY,
    CheckKind.TEXT_OR_RUN_ACCOUNT,
    CheckKind.TEXT_OR_GTC,
)
_NUMBER_KINDS = (
    CheckKind.NUMBER,
    CheckKind.OPTIONAL_NUMBER,
    CheckKind.POSITIVE,
    CheckKind.OPTIONAL_POSITIVE,
    CheckKind.QUANTITY,
    CheckKind.NON_NEGATIVE,
    CheckKind.FEE,
)
VALUES: dict[CheckKind, list[Any]] = {
    **dict.fromkeys(_TEXT_KINDS, TEXTS),
    **dict.fromkeys(_NUMBER_KINDS, NUMBERS),
    CheckKind.TIMESTAMP: TIMES,
    CheckKind.OPTIONAL_TIMESTAMP: TIMES,
    CheckKind.SIDE: SIDES,
    CheckKind.ORDER_TYPE: ORDER_TYPES,
    CheckKind.ORDER_STATUS: STATUSES,
    CheckKind.JSON_OBJECT: JSON_TEXTS,
}
# Clean values every executor that implements the kind takes without the model.
CLEAN: dict[CheckKind, list[Any]] = {
    **dict.fromkeys(_TEXT_KINDS, ["X1", "x" * 20]),
    **dict.fromkeys(_NUMBER_KINDS, [1, 1.5]),
    CheckKind.TIMESTAMP: ["2025-01-06 10:00:00", "2025-01-06T10:00:00.1234567Z"],
    CheckKind.OPTIONAL_TIMESTAMP: ["2025-01-06 10:00:00", "2025-01-06T10:00:00.1234567Z"],
    CheckKind.SIDE: ["BUY", "buy"],
    CheckKind.ORDER_TYPE: ["MARKET", "market"],
    CheckKind.ORDER_STATUS: ["FILLED"],
    CheckKind.JSON_OBJECT: ['{"a": 1}'],
}
KINDS = list(CheckKind)


def _as_read(value: Any) -> Any:
    """A file cell as the export reader reads it back (a text cell's bytes decoded)."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, TextBytes) else value


def _model(kind: CheckKind, value: Any, defaults: dict[str, str | None] = DEFAULTS) -> Any:
    """The value the model stores for the kind's column, or DECLINED for a rejection."""
    table, column = COLUMN_OF[kind]
    spec = SPECS_BY_NAME[table]
    row, _ = validate_raw(spec, 1, {**BASES[table], column: value}, defaults)
    return DECLINED if row is None else row[1 + spec.record.COLUMNS.index(column)]


def _limit(kind: CheckKind) -> int | None:
    table, column = COLUMN_OF[kind]
    spec = SPECS_BY_NAME[table]
    return spec.max_chars[spec.record.COLUMNS.index(column)]


def _file_values(kind: CheckKind) -> list[Any]:
    return VALUES[kind] + TEXT_CELLS


def _stream_values(kind: CheckKind) -> list[Any]:
    return VALUES[kind] + STREAM_VALUES


def _same(a: Any, b: Any) -> bool:
    if a is DECLINED or b is DECLINED:
        return a is b
    return a == b and type(a) is type(b)


_CANONICAL_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?[Zz]?"
)


def _must_be_fast(kind: CheckKind, raw: Any) -> bool:
    """Every real instant in the canonical layout takes every fast path (an offset, a
    lower-case 't', blanks around it go to the model)."""
    if kind not in (CheckKind.TIMESTAMP, CheckKind.OPTIONAL_TIMESTAMP):
        return False
    return (
        isinstance(raw, str)
        and _CANONICAL_TIME.fullmatch(raw) is not None
        and _model(kind, raw) is not DECLINED
    )


def _agrees(
    kind: CheckKind, raw: Any, got: Any, executor: str, defaults: dict[str, str | None] = DEFAULTS
) -> None:
    """A fast path stores what the model stores, or declines."""
    if got is DECLINED:
        assert not _must_be_fast(kind, raw), (executor, kind, raw, "left to the model")
        return
    expected = _model(kind, _as_read(raw), defaults)
    assert expected is not DECLINED, (executor, kind, raw, got, "taken, the model rejects it")
    assert _same(got, expected), (executor, kind, raw, got, expected)


def test_every_kind_has_its_column_and_values() -> None:
    for kind in CheckKind:
        table, column = COLUMN_OF[kind]
        spec = SPECS_BY_NAME[table]
        assert spec.kinds[spec.record.COLUMNS.index(column)] is kind
        assert VALUES[kind] and CLEAN[kind]
        model = [_model(kind, v) for v in VALUES[kind]]
        assert any(m is DECLINED for m in model), kind  # the table can tell a rejection
        assert all(_model(kind, v) is not DECLINED for v in CLEAN[kind]), kind


def _sql_values(
    kind: CheckKind, values: list[Any], functions: bool, strict: bool = False
) -> list[Any]:
    """The kind's SQL check on each value as SQLite holds it: the stored value, or
    DECLINED (NULL for a required column, the BAD blob for an optional one). ``strict``:
    the form for the direct insert, FAILED where the statement fails (sa_invalid)."""
    assert sqlite_functions.install()
    conn = sqlite3.connect(":memory:")
    try:
        if functions:
            assert sqlite_functions.available(conn)
        conn.execute("CREATE TABLE t (v)")
        conn.executemany(
            "INSERT INTO t VALUES (?)",
            [(bytes(v) if isinstance(v, TextBytes) else v,) for v in values],
        )
        for rowid, value in enumerate(values, start=1):
            if isinstance(value, TextBytes):
                conn.execute("UPDATE t SET v = CAST(v AS TEXT) WHERE rowid = ?", (rowid,))
        conn.text_factory = lambda data: data.decode("utf-8", "surrogateescape")
        check = column_sql.CHECKS[kind]('"v"', _limit(kind))
        ok = check.ok.format(v="c")
        params = {
            column_sql.DEFAULT_STRATEGY[1:]: DEFAULTS["strategy_id"],
            column_sql.DEFAULT_ACCOUNT[1:]: DEFAULTS["account_id"],
        }
        if strict:
            form = check.strict_on(functions)
            assert form is not None, kind
            got: list[Any] = []
            for rowid in range(1, len(values) + 1):
                try:
                    (value,) = conn.execute(
                        f"SELECT {form} FROM t WHERE rowid = :rowid", {**params, "rowid": rowid}
                    ).fetchone()
                except sqlite3.OperationalError as exc:
                    assert str(exc).startswith("sa_invalid:"), exc
                    value = FAILED
                got.append(value)
            return got
        rows = conn.execute(
            f"SELECT c, {ok} FROM (SELECT rowid, {check.value_on(functions)} AS c FROM t)"
            " ORDER BY rowid",
            params,
        ).fetchall()
    finally:
        conn.close()
    return [value if passes else DECLINED for value, passes in rows]


@pytest.mark.parametrize("functions", [False, True], ids=["sql", "sql-c-functions"])
@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_sql_checks(kind: CheckKind, functions: bool) -> None:
    values = _file_values(kind)
    got = _sql_values(kind, values, functions)
    for raw, value in zip(values, got, strict=True):
        _agrees(kind, raw, value, "sql-c" if functions else "sql")
    clean = _sql_values(kind, CLEAN[kind], functions)
    assert DECLINED not in clean, (kind, clean)


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_sql_with_c_functions_takes_what_plain_sql_takes(kind: CheckKind) -> None:
    """The C functions differ from plain SQL only in taking valid non-ASCII text."""
    values = _file_values(kind)
    plain, with_c = _sql_values(kind, values, False), _sql_values(kind, values, True)
    for raw, a, b in zip(values, plain, with_c, strict=True):
        read = _as_read(raw)
        if isinstance(read, str) and not read.isascii() and a is DECLINED:
            continue
        assert _same(a, b), (kind, raw, a, b)


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_the_strict_sql_form_fails_where_the_value_is_bad(kind: CheckKind) -> None:
    """The direct insert's form (C functions) gives the same value, or fails the statement
    where an optional column's value would be BAD."""
    values = _file_values(kind)
    lenient = _sql_values(kind, values, True)
    strict = _sql_values(kind, values, True, strict=True)
    optional = column_sql.CHECKS[kind]('"v"', None).ok == column_sql.OPTIONAL
    for raw, a, b in zip(values, lenient, strict, strict=True):
        if a is DECLINED:
            assert b is FAILED if optional else b is None, (kind, raw, b)
        else:
            assert _same(a, b), (kind, raw, a, b)


def _python(kind: CheckKind, value: Any, defaults: dict[str, str | None]) -> Any:
    got = record_checks.CHECKS[kind][0](_limit(kind))(value, defaults)
    return DECLINED if got is record_checks.UNSURE else got


def _c_stream(kind: CheckKind, values: list[Any], defaults: dict[str, str | None]) -> list[Any]:
    _, letter, argument = record_checks.CHECKS[kind]
    items = [{"v": v} for v in values]
    rows, _ = _record_checks.check_records(
        items, ("v",), letter, (argument,), record_checks.UNSURE, dict(defaults), None,
        (_limit(kind) or 0,),
    )  # fmt: skip
    taken = {position: value for position, value in rows}
    return [taken.get(i, DECLINED) for i in range(len(values))]


@pytest.mark.parametrize("defaults", [DEFAULTS, OTHER_DEFAULTS], ids=["defaults", "other"])
@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_stream_checks(kind: CheckKind, defaults: dict[str, str | None]) -> None:
    """The stream's Python checks and their C twin: the same verdict on every value (the
    same value, of the same type)."""
    assert _record_checks is not None
    values = _stream_values(kind)
    in_c = _c_stream(kind, values, defaults)
    for raw, c_value in zip(values, in_c, strict=True):
        py_value = _python(kind, raw, defaults)
        assert _same(py_value, c_value), (kind, raw, py_value, c_value)
        _agrees(kind, raw, py_value, "stream", defaults)
    assert DECLINED not in [_python(kind, v, defaults) for v in CLEAN[kind]], kind
    assert DECLINED not in _c_stream(kind, CLEAN[kind], defaults), kind


def _copy_field(field: str) -> Any:
    if field == COPY_NULL:
        return None
    for escaped, raw in (("\\t", "\t"), ("\\n", "\n"), ("\\r", "\r"), ("\\\\", "\\")):
        field = field.replace(escaped, raw)
    return field


READER_KIND_LIST = [k for k in CheckKind if READER_KINDS[k] is not None]


@pytest.mark.parametrize("kind", READER_KIND_LIST, ids=[k.name for k in READER_KIND_LIST])
def test_c_copy_reader(tmp_path: Path, kind: CheckKind) -> None:
    """The C COPY reader, one row per chunk: a row it takes has the model's value (a
    number as the double PostgreSQL reads)."""
    table, column = COLUMN_OF[kind]
    spec = SPECS_BY_NAME[table]
    values = _file_values(kind)
    rows = [{**BASES[table], column: v} for v in [*CLEAN[kind], *values]]
    if table != "bars":  # keep the keys apart
        rows = [{**r, spec.record.KEY[0]: f"K{i}"} for i, r in enumerate(rows)]
    path = write_export(tmp_path / "conformance.sqlite", typed=False, **{"bars": [], table: rows})
    layout = CopyLayout.STAGE
    field_index = layout.columns(spec.columns).index(column.removesuffix("_utc"))
    with ExportFile.open(path) as export:
        reader = export.c_reader()
        assert reader is not None
        tasks = chunk_tasks(export, table, layout, 1, run_id="R1")
        assert len(tasks) == len(rows)
        got = []
        for task in tasks:
            lines = reader.lines(task.sql.c_plan, task.params)
            got.append(
                DECLINED
                if lines is None or lines.lines != 1
                else _copy_field(lines.text.rstrip("\n").split("\t")[field_index])
            )
    clean, got = got[: len(CLEAN[kind])], got[len(CLEAN[kind]) :]
    assert DECLINED not in clean, (kind, clean)
    for raw, field in zip(values, got, strict=True):
        if field is DECLINED:
            assert not _must_be_fast(kind, raw), ("c-reader", kind, raw, "left to the model")
            continue
        expected = _model(kind, _as_read(raw))
        assert expected is not DECLINED, ("c-reader", kind, raw, field)
        if isinstance(expected, float):
            assert field is not None and float(field) == expected, (kind, raw, field, expected)
        else:
            assert field == expected, (kind, raw, field, expected)
