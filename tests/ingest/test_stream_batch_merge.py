"""PostgreSQL: a stream batch merged from column arrays in one statement per table gives
exactly what the staged merge (temporary table, COPY, merge) gives: counts, rejections,
conflicts, affected pairs and every stored row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ingest.export_factory import bar, execution, instrument, order
from sqlalchemy import Engine, text

from strategy_analysis.db.engine import make_engine
from strategy_analysis.ingest import stream_postgres
from strategy_analysis.ingest.store.batch_merge_postgres import (
    PostgresBatchMerge,
    has_repeated_keys,
)
from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.ingest.tables import BARS, EXECUTIONS


def _batch(**lists: Any) -> dict[str, Any]:
    run = lists.pop("run", {"run_id": "live-1", "strategy_id": "S1", "account_id": "A1"})
    return {"schema_version": "1.1", "run": run, **lists}


def _batches() -> list[dict[str, Any]]:
    first = _batch(
        instruments=[instrument(), instrument("NQ 12-25", 20.0)],
        bars=[bar(), bar("2025-01-06 10:01:00"), bar("2025-01-06 10:02:00", high=4000.0)],
        orders=[order("O1"), order("O2", status="NEW", side="SELL"), order("O3", side="Sideways")],
        executions=[
            execution("E1"),
            # before its order, no account: the order's (later) or the run's
            execution("E2", order_id="O9", account_id=None, strategy_id=" "),
            execution("E3", price=-1.0),
            execution("E4", exec_time_utc="2025-01-06T10:00:03+02:00", symbol="NQ 12-25"),
            "not a record",
        ],
    )
    changed = _batch(
        bars=[bar("2025-01-06 10:01:00", close=5000.75), bar("2025-01-06 10:03:00")],
        orders=[
            order("O1", status="NEW"),  # never moves back
            order("O2", status="CANCELED"),
            order("O9", account_id="A9", strategy_id=None),
        ],
        executions=[
            execution("E1", price=5000.25),  # changed: a conflict
            execution("E5", exec_time_utc="2025-01-06 10:00:01", fee=None),
            execution("E6", side="SELL", order_id="O2", exec_time_utc="2025-01-06 10:00:02"),
        ],
    )
    terminal = _batch(
        orders=[order("O2", status="FILLED")],  # a second terminal status: a conflict
        executions=[execution("E7", symbol="NQ 12-25", quantity=3)],
        instruments=[instrument(point_value=12.5)],
    )
    repeated = _batch(
        bars=[bar("2025-01-06 10:04:00"), bar("2025-01-06 10:04:00", high=5002.0)],
        executions=[execution("E8"), execution("E8", price=5001.0), execution("E9")],
    )
    closing = _batch(
        run={"run_id": "live-1", "status": "COMPLETED", "reported_net_pnl": 12.5},
        executions=[execution("E10", side="SELL", exec_time_utc="2025-01-06 10:05:00")],
    )
    return [first, first, changed, changed, terminal, repeated, closing, closing]


def _outcome(
    engine: Engine, staged: bool, monkeypatch: pytest.MonkeyPatch, early_errors: bool = False
) -> list[Any]:
    with monkeypatch.context() as patch:
        if staged:
            patch.setattr(stream_postgres, "has_repeated_keys", lambda spec, rows: True)
        if early_errors:
            # A stored key's error arrives while the next table is sent, not at the sync.
            send = PostgresBatchMerge.send

            def send_and_sync(self: PostgresBatchMerge, *args: Any, **kwargs: Any) -> Any:
                pending = send(self, *args, **kwargs)
                with self.conn.pipeline() as pipeline:
                    pipeline.sync()
                return pending

            patch.setattr(PostgresBatchMerge, "send", send_and_sync)
        reports = [ingest_batch(engine, b) for b in _batches()]
    seen: list[Any] = [
        (
            r.status,
            {t: c.model_dump() for t, c in r.counts.items()},
            [(x.table, x.position, x.key, x.reason, x.record) for x in r.rejected],
            [(c.table, c.run_id, c.key, c.old_values, c.new_values) for c in r.conflicts],
            r.affected,
            r.run_ids,
        )
        for r in reports
    ]
    with engine.connect() as conn:
        for table, order_by in (
            ("instruments", "symbol"),
            ("bars", "symbol, timeframe, start_time"),
            ("orders", "run_id, order_id"),
            ("executions", "run_id, execution_id"),
            ("runs", "run_id"),
            ("import_conflicts", "id"),
        ):
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY {order_by}")).mappings()
            skip = {"id", "import_id", "created_at", "updated_at"}
            seen.append((table, [{k: v for k, v in row.items() if k not in skip} for row in rows]))
    return seen


@pytest.fixture
def second_engine(engine: Engine, postgres_server: Any) -> Iterator[Engine]:
    other = make_engine(postgres_server.fresh())
    try:
        yield other
    finally:
        other.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # the array merge's
def test_array_merge_equals_staged_merge(
    engine: Engine, second_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _outcome(engine, staged=False, monkeypatch=monkeypatch)
    staged = _outcome(second_engine, staged=True, monkeypatch=monkeypatch)
    assert fast == staged
    counts = fast[2][1]
    assert counts["executions"]["conflicts"] == 1 and counts["bars"]["updated"] == 1
    assert fast[5][2], "the repeated keys are listed as rejected"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_stored_key_found_early_loses_no_table(
    engine: Engine, second_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plain INSERT of a group fails on a stored key; whether the error comes at the
    sync or while a later table of the group is sent, every table is merged again."""
    early = _outcome(engine, staged=False, monkeypatch=monkeypatch, early_errors=True)
    staged = _outcome(second_engine, staged=True, monkeypatch=monkeypatch)
    assert early == staged
    assert early[2][1]["orders"]["updated"] == 1


def test_repeated_keys_are_found() -> None:
    rows = [
        (0, "ES", "1m", "2025-01-06 10:00:00.000000"),
        (1, "ES", "1m", "2025-01-06 10:01:00.000000"),
    ]
    assert not has_repeated_keys(BARS, [r + (None,) * 7 for r in rows])
    assert has_repeated_keys(BARS, [r + (None,) * 7 for r in rows + [(2, *rows[0][1:])]])
    executions = [(0, "E1") + (None,) * 11, (1, "E2") + (None,) * 11, (2, "E1") + (None,) * 11]
    assert has_repeated_keys(EXECUTIONS, executions)
    assert not has_repeated_keys(EXECUTIONS, executions[:2])


def test_column_arrays_carry_doubles_and_refuse_what_json_cannot_hold() -> None:
    row = (0, "E1", "O1", "S1", "A1", "ES", "BUY", "2025-01-06 10:00:00.000000")
    rows = [
        row + (5000.25, 2, 0.0, None, None),
        row + (-0.0, 1.0, None, None, None),
    ]
    columns = PostgresBatchMerge._columns(EXECUTIONS, rows)
    price, quantity, fee = (
        columns[f"c{1 + EXECUTIONS.columns.index(c)}"] for c in ("price", "quantity", "fee")
    )
    assert (price, quantity, fee) == ("[5000.25,-0.0]", "[2.0,1.0]", "[0.0,null]")
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="not finite"):
            PostgresBatchMerge._columns(EXECUTIONS, [row + (bad, 1.0, 0.0, None, None)])
