"""Checks of a stream batch's records, the fast path of ``ingest_batch``.

Plain values are checked in C (``_record_checks.c``), or in Python (``record_checks``)
where the module is not built; a record with any other value goes to the pydantic models,
which convert it or reject it with the reason.

``sql_check_records`` checks a batch by the file reader's SQL instead (the conformance
tests run the stream's values through it): the records go into a table of an in-memory SQLite database, untyped, so each value keeps
its JSON type, and the file reader's column checks (``column_sql``) select the valid ones
as stored values in one statement. Only the records those checks do not accept go through
the pydantic models, which convert them or reject them with the reason. Values SQLite
would bind differently from what the models see (booleans, non-finite numbers, nested
objects and lists, integers beyond 64 bits), or not at all (a text with a lone
surrogate), send their record to the models directly.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..db import sqlite_functions
from .export_file import SourceTable, checked_select, quote
from .record_checks import BAR_RULE_VALUES, UNSURE, bar_range_ok, c_checks, python_checks
from .tables import DEFAULT_ACCOUNT, DEFAULT_STRATEGY, TableSpec

try:
    from . import _record_checks
except ImportError:  # pragma: no cover - a build without a C compiler
    _record_checks = None

_INT64 = (-(2**63), 2**63 - 1)


def _bindable(row: list[Any], json_column: int | None) -> bool:
    """Whether SQLite sees the values as the models do (a text with a lone surrogate cannot
    even be bound); serialises a meta_json object."""
    for index, value in enumerate(row):
        kind = type(value)
        if value is None:
            continue
        if kind is str:
            if value.isascii():
                continue
            try:
                value.encode()
            except UnicodeEncodeError:
                return False
            continue
        if kind is float:
            if value - value != 0:  # NaN or infinity: SQLite would store NULL
                return False
        elif kind is int:
            if not _INT64[0] <= value <= _INT64[1]:
                return False
        elif kind is dict and index == json_column:
            # The model stores an object as this exact text; the SQL check accepts it as is.
            try:
                row[index] = json.dumps(value, separators=(",", ":"), allow_nan=False)
            except (TypeError, ValueError):
                return False
        else:
            return False
    return True


def check_records(
    spec: TableSpec, items: list[Any], defaults: dict[str, str | None]
) -> tuple[list[tuple[Any, ...]], list[int]]:
    """(valid rows as (position, *stored values), positions the models must decide)."""
    if _record_checks is not None:
        kinds, arguments, limits = c_checks(spec)
        bar_rule = BAR_RULE_VALUES if spec.bar_rule else None
        return _record_checks.check_records(
            items if type(items) is list else list(items),
            spec.record.COLUMNS,
            kinds,
            arguments,
            UNSURE,
            dict(defaults),
            bar_rule,
            limits,
        )
    return python_check_records(spec, items, defaults)


def python_check_records(
    spec: TableSpec, items: list[Any], defaults: dict[str, str | None]
) -> tuple[list[tuple[Any, ...]], list[int]]:
    """``check_records`` by the Python checks (the C module's twin)."""
    checks = python_checks(spec)
    pairs = list(zip(spec.record.COLUMNS, checks, strict=True))
    bar_rule = spec.bar_rule
    rows: list[tuple[Any, ...]] = []
    for_models: list[int] = []
    for position, item in enumerate(items):
        if type(item) is not dict:
            for_models.append(position)
            continue
        get = item.get
        row = [check(get(column), defaults) for column, check in pairs]
        # ``in`` compares by identity first: no value equals the UNSURE marker otherwise.
        if UNSURE in row or (bar_rule and not bar_range_ok(row)):
            for_models.append(position)
        else:
            rows.append((position, *row))
    return rows, for_models


def sql_check_records(
    spec: TableSpec, items: list[Any], defaults: dict[str, str | None]
) -> tuple[list[tuple[Any, ...]], list[int]]:
    """``check_records`` by the file reader's SQL checks, in an in-memory SQLite table."""
    columns = spec.record.COLUMNS
    json_column = columns.index("meta_json") if "meta_json" in columns else None
    staged: list[list[Any]] = []
    for_models: list[int] = []
    for position, item in enumerate(items):
        if type(item) is not dict:
            for_models.append(position)
            continue
        row = [item.get(c) for c in columns]
        if _bindable(row, json_column):
            row.append(position)
            staged.append(row)
        else:
            for_models.append(position)
    if not staged:
        return [], for_models
    source = SourceTable(spec, spec.export_name, {c: c for c in columns})
    params = {
        "lo": 0,
        "hi": len(items),
        DEFAULT_STRATEGY[1:]: defaults.get("strategy_id"),
        DEFAULT_ACCOUNT[1:]: defaults.get("account_id"),
    }
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join("?" for _ in range(len(columns) + 1))
    sqlite_functions.install()
    conn = sqlite3.connect(":memory:")
    valid_sql, invalid_sql, _ = checked_select(source, functions=sqlite_functions.available(conn))
    try:
        # No declared types: no column affinity converts a value before it is checked.
        conn.execute(f"CREATE TABLE {quote(spec.export_name)} ({names}, pos INTEGER PRIMARY KEY)")
        conn.executemany(
            f"INSERT INTO {quote(spec.export_name)} ({names}, pos) VALUES ({marks})", staged
        )
        rows = conn.execute(valid_sql, params).fetchall()
        if len(rows) != len(staged):
            for_models.extend(r[0] for r in conn.execute(invalid_sql, params))
            for_models.sort()
    finally:
        conn.close()
    return rows, for_models
