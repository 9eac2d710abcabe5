"""The stream's set-wise checks and the pydantic models agree on every JSON value: same
stored row, or the record goes to the models; clean records never need the models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ingest.export_factory import execution, order
from ingest.test_column_checks import CASES, _rows

from strategy_analysis.ingest import batch_checks
from strategy_analysis.ingest.batch_checks import (
    check_records,
    python_check_records,
    sql_check_records,
)
from strategy_analysis.ingest.batch_import import _validated
from strategy_analysis.ingest.demo_export import demo_batches
from strategy_analysis.ingest.export_file import validate_raw
from strategy_analysis.ingest.tables import SPECS_BY_NAME

# Values only JSON (not an export file) can carry.
JSON_ONLY: list[Any] = [True, False, float("nan"), -float("inf"), 2**70, [1], {"a": 1}]
DEFAULTS = {"strategy_id": "META-S", "account_id": None}


def _batch_records(table: str) -> list[Any]:
    factory, _, variations = CASES[table]
    variations = {column: [*values, *JSON_ONLY] for column, values in variations.items()}
    rows: list[Any] = _rows(factory(), variations)
    # bytes cannot come from JSON
    rows = [r for r in rows if not any(isinstance(v, bytes) for v in r.values())]
    return [*rows, "not an object", None, [1, 2]]


@pytest.mark.parametrize("checks", [check_records, python_check_records], ids=["c", "python"])
@pytest.mark.parametrize("table", sorted(CASES))
def test_batch_checks_agree_with_the_models(table: str, checks: Any) -> None:
    """Whole records (the bar rule, items that are not objects); each column's check on
    its own is tests/ingest/test_check_conformance.py."""
    spec = SPECS_BY_NAME[table]
    items = _batch_records(table)
    fast, for_models = checks(spec, items, DEFAULTS)
    fast_positions = {row[0] for row in fast}
    assert fast_positions.isdisjoint(for_models)
    assert sorted(fast_positions | set(for_models)) == list(range(len(items)))
    assert fast and for_models
    for row in fast:
        expected, rejection = validate_raw(spec, row[0], items[row[0]], DEFAULTS)
        assert expected == row, (items[row[0]], rejection)
    rows, rejected = _validated(spec, items, DEFAULTS)
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            assert position in {r.position for r in rejected}
            continue
        expected, _ = validate_raw(spec, position, item, DEFAULTS)
        stored = {row[0]: row for row in rows}
        if expected is None:
            assert position not in stored
        else:
            assert stored[position] == expected


def test_clean_records_need_no_model() -> None:
    items = [
        execution(f"E{i}", exec_time_utc=f"2025-01-06T10:00:{i:02d}.1234567Z") for i in range(50)
    ]
    rows, for_models = check_records(SPECS_BY_NAME["executions"], items, DEFAULTS)
    assert for_models == []
    assert [row[0] for row in rows] == list(range(50))
    assert rows[3][7] == "2025-01-06 10:00:03.123456"


def test_meta_json_object_is_stored_as_the_model_stores_it() -> None:
    items = [order("O1", meta_json={"b": [1, 2], "a": "é"}), order("O2", strategy_id="  ")]
    rows, for_models = check_records(SPECS_BY_NAME["orders"], items, DEFAULTS)
    assert for_models == []
    meta = rows[0][-1]
    assert json.loads(meta) == {"b": [1, 2], "a": "é"}
    assert rows[0] == validate_raw(SPECS_BY_NAME["orders"], 0, items[0], DEFAULTS)[0]
    # a blank strategy falls back to the run's default, as in the model
    assert rows[1][3] == "META-S"


def test_python_checks_take_every_clean_demo_record() -> None:
    batches = list(demo_batches(executions=3000, seed=3, batch_size=1000))
    for batch in batches:
        for name in ("instruments", "bars", "orders", "executions"):
            items = batch.get(name) or []
            spec = SPECS_BY_NAME[name]
            fast, for_models = check_records(spec, items, DEFAULTS)
            assert for_models == []
            assert fast == sql_check_records(spec, items, DEFAULTS)[0]


def test_the_c_checks_are_built() -> None:
    """The C twin is part of the build: a broken build must not fall back silently."""
    assert batch_checks._record_checks is not None


def test_c_checks_take_the_plain_timestamps_and_numbers() -> None:
    spec = SPECS_BY_NAME["executions"]
    times = [
        "2024-02-29T23:59:59",
        "2025-01-06 10:00:00.1234567z",
        "2025-01-06T10:00:00.5Z",
        "2023-02-29T10:00:00",  # not a day
        "2025-01-06T24:00:00",
        "2025-01-06T10:00:00.",
        "2025-01-06T10:00:00.12345678",
        "0000-01-06T10:00:00",
        "２025-01-06T10:00:00",
    ]
    items = [execution(f"E{i}", exec_time_utc=t, quantity=10**9) for i, t in enumerate(times)]
    rows, for_models = check_records(spec, items, DEFAULTS)
    assert [row[7] for row in rows] == [
        "2024-02-29 23:59:59.000000",
        "2025-01-06 10:00:00.123456",
        "2025-01-06 10:00:00.500000",
    ]
    assert all(row[9] == float(10**9) and type(row[9]) is float for row in rows)
    assert for_models == list(range(3, len(times)))


def test_the_c_modules_hold_the_bounds_of_the_contract() -> None:
    """_value_bounds.h is the C copy of contract.values: each C module exports it."""
    from strategy_analysis.contract.values import MAX_AMOUNT, MAX_QUANTITY, MIN_QUANTITY
    from strategy_analysis.db import _sqlite_functions
    from strategy_analysis.ingest import _copy_lines, _record_checks

    for module in (_record_checks, _copy_lines, _sqlite_functions):
        assert module.VALUE_BOUNDS == (MAX_AMOUNT, MIN_QUANTITY, MAX_QUANTITY), module


DEPTH_BODIES = [
    (b"{}", 1),
    (b'{"a": [1, {"b": []}]}', 4),
    (b'{"s": "[[[[{{{{"}', 1),
    (b'{"s": "quote \\" [[[ \\\\", "t": [[1]]}', 3),
    (b'{"s": "\\\\\\\\"} [[', 2),
    (b'"unclosed [[[', 0),
    (b'["unclosed \\" [[[', 1),
    (b"[" * 64 + b"]" * 64, 64),
    (b"[" * 65 + b"]" * 65, 65),
    (b'{"run": ' + b'{"a": ' * 70 + b"1" + b"}" * 71, 71),
    (b"not json at all ]]]] [[", 2),
]


@pytest.mark.parametrize(("body", "depth"), DEPTH_BODIES)
def test_json_depth_in_c_and_python_agree(body: bytes, depth: int) -> None:
    from strategy_analysis.ingest import json_depth

    for limit in (0, 1, 2, 3, 63, 64, 65, 70, 71):
        expected = depth > limit
        assert json_depth.json_depth_over(body, limit) is expected, (body[:40], limit)
        assert json_depth.python_json_depth_over(body, limit) is expected, (body[:40], limit)
