"""Every record column declares its check kind, and an executor's table that misses a
kind fails loudly."""

from __future__ import annotations

import pytest

from strategy_analysis.contract.checks import CheckKind, field_kind, require_every_kind
from strategy_analysis.contract.records import RECORD_MODELS


def test_every_record_column_declares_a_kind() -> None:
    for model in RECORD_MODELS.values():
        for column in model.COLUMNS:
            assert field_kind(model.model_fields[column].metadata) is not None, (model, column)


def test_a_table_missing_a_kind_fails_naming_it() -> None:
    table = dict.fromkeys(CheckKind, "x")
    require_every_kind("complete", table)
    del table[CheckKind.FEE]
    with pytest.raises(RuntimeError, match="^partial implements no check for FEE$"):
        require_every_kind("partial", table)


def test_the_table_specs_read_their_kinds_off_the_records() -> None:
    from strategy_analysis.ingest.tables import SPECS_BY_NAME

    orders = SPECS_BY_NAME["orders"]
    kinds = dict(zip(orders.record.COLUMNS, orders.kinds, strict=True))
    assert kinds["submit_time_utc"] is CheckKind.TIMESTAMP
    assert kinds["time_in_force"] is CheckKind.TEXT_OR_GTC
    # the import fills an order's blank strategy and account from the run
    assert kinds["strategy_id"] is CheckKind.TEXT_OR_RUN_STRATEGY
    assert kinds["account_id"] is CheckKind.TEXT_OR_RUN_ACCOUNT
    executions = SPECS_BY_NAME["executions"]
    assert (
        dict(zip(executions.record.COLUMNS, executions.kinds, strict=True))["strategy_id"]
        is CheckKind.OPTIONAL_TEXT
    )
