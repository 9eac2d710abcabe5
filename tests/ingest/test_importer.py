"""The file import on both databases: every rule of the export contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import bar, execution, instrument, order, write_export
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from strategy_analysis.db.models import (
    Bar,
    Execution,
    ImportConflict,
    ImportRecord,
    ImportRejection,
    Instrument,
    Order,
    Run,
    Strategy,
)
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.report import ImportReport
from strategy_analysis.ingest.tuning import ImportTuning

FIXTURES = Path(__file__).parents[1] / "fixtures"
DATA_TABLES = (Bar, Order, Execution, Instrument, Run, Strategy)

FULL_METADATA = {
    "schema_version": "1.1",
    "run_id": "run-1",
    "strategy_id": "Stacked",
    "strategy_name": "Stacked Imbalance",
    "strategy_version": "2.3",
    "parameters": '{"ratio": 3, "stop": 8}',
    "mode": "backtest",
    "account_id": "Sim101",
    "exporter": "StackedImbalanceStrategyDue/2.3 SqliteExporter/1.1",
    "created_utc": "2025-01-07T08:00:00.1234567Z",
    "reported_net_pnl": "1234.5",
    "reported_trade_count": "7",
    "custom_key": "kept",
}


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as conn:
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in DATA_TABLES
        }


def rows(engine: Engine, columns: Any, *order_by: Any) -> list[Any]:
    columns = columns if isinstance(columns, tuple) else (columns,)
    with Session(engine) as conn:
        return [tuple(r) for r in conn.execute(select(*columns).order_by(*order_by)).all()]


def import_records(engine: Engine) -> list[Any]:
    with Session(engine) as conn:
        return list(conn.scalars(select(ImportRecord).order_by(ImportRecord.id)))


def table_counts(report: ImportReport, table: str) -> tuple[int, int, int, int, int]:
    c = report.counts[table]
    return (c.inserted, c.updated, c.unchanged, c.rejected, c.conflicts)


def test_prototype_10_file(engine: Engine) -> None:
    report = import_export_file(engine, FIXTURES / "prototype-export-1.0.sqlite")
    assert report.status == "succeeded", report.error
    assert table_counts(report, "orders") == (1, 0, 0, 0, 0)
    assert report.schema_version == "1.0"
    [(run_id,)] = rows(engine, Run.run_id, Run.run_id)
    assert run_id.startswith("v10-")
    assert report.run_ids == [run_id]
    with Session(engine) as conn:
        stored = conn.execute(select(Order)).scalar_one()
        strategy = conn.execute(select(Strategy.strategy_id)).scalar_one()
        record = conn.execute(select(ImportRecord)).scalar_one()
    assert (stored.strategy_id, stored.account_id, stored.side, stored.status) == (
        "TEST_STRAT",
        "ACC-1",
        "BUY",
        "FILLED",
    )
    assert stored.submit_time.isoformat() == "2025-01-01T10:00:00+00:00"
    assert strategy == "TEST_STRAT"
    assert record.status == "succeeded"
    assert record.counts["orders"]["inserted"] == 1
    assert record.sha256 == report.sha256 and len(record.sha256) == 64
    assert record.source == "cli"


def test_10_file_without_metadata_or_liquidity_flag(engine: Engine, tmp_path: Path) -> None:
    columns = tuple(
        c
        for c in (
            "execution_id", "order_id", "strategy_id", "account_id", "symbol", "side",
            "exec_time_utc", "price", "quantity", "fee", "fee_currency",
        )
    )  # fmt: skip
    path = write_export(
        tmp_path / "old.sqlite",
        orders=[order()],
        executions=[execution()],
        columns={"Executions": columns},
    )
    report = import_export_file(engine, path)
    assert report.status == "succeeded", report.error
    assert table_counts(report, "executions") == (1, 0, 0, 0, 0)
    with Session(engine) as conn:
        stored = conn.execute(select(Execution)).scalar_one()
        run = conn.execute(select(Run)).scalar_one()
    assert stored.liquidity_flag is None
    assert stored.sequence == 1
    assert (run.strategy_id, run.account_id, run.schema_version, run.status) == (
        "S1",
        "A1",
        "1.0",
        "COMPLETED",
    )


def test_11_file_with_every_metadata_key(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "full.sqlite",
        metadata=FULL_METADATA,
        instruments=[instrument("ES 12-25", 50.0)],
        bars=[bar()],
        # strategy and account left empty: Metadata fills them
        orders=[order(strategy_id="", account_id=None)],
        executions=[execution(strategy_id=None, account_id="")],
    )
    report = import_export_file(engine, path)
    assert report.status == "succeeded", report.error
    assert report.run_ids == ["run-1"]
    with Session(engine) as conn:
        run = conn.execute(select(Run)).scalar_one()
        strategy = conn.execute(select(Strategy)).scalar_one()
        stored_order = conn.execute(select(Order)).scalar_one()
        stored_execution = conn.execute(select(Execution)).scalar_one()
        point_value = conn.execute(select(Instrument.point_value)).scalar_one()
    assert (run.strategy_id, run.strategy_name, run.strategy_version) == (
        "Stacked",
        "Stacked Imbalance",
        "2.3",
    )
    assert run.parameters == {"ratio": 3, "stop": 8}
    assert (run.mode, run.account_id, run.exporter) == (
        "backtest",
        "Sim101",
        "StackedImbalanceStrategyDue/2.3 SqliteExporter/1.1",
    )
    assert run.created_utc.isoformat() == "2025-01-07T08:00:00.123456+00:00"
    assert (run.reported_net_pnl, run.reported_trade_count) == (1234.5, 7)
    assert run.run_metadata["custom_key"] == "kept"
    assert run.first_data_time.isoformat() == "2025-01-06T10:00:00+00:00"
    assert run.last_data_time.isoformat() == "2025-01-06T10:00:00.500000+00:00"
    assert (strategy.strategy_id, strategy.name, strategy.version) == (
        "Stacked",
        "Stacked Imbalance",
        "2.3",
    )
    assert (stored_order.strategy_id, stored_order.account_id) == ("Stacked", "Sim101")
    # the execution falls back to its order first (which took Metadata's values)
    assert (stored_execution.strategy_id, stored_execution.account_id) == ("Stacked", "Sim101")
    assert point_value == 50.0


def test_execution_falls_back_to_its_order_before_metadata(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "f.sqlite",
        metadata={
            "schema_version": "1.1",
            "run_id": "r",
            "strategy_id": "Meta",
            "account_id": "MetaAcc",
        },
        orders=[order("O1", strategy_id="FromOrder", account_id="OrderAcc")],
        executions=[
            execution("E1", strategy_id=None, account_id=None),
            execution("E2", order_id="O9", strategy_id=None, account_id=None),
        ],
    )
    import_export_file(engine, path)
    with Session(engine) as conn:
        found = conn.execute(
            select(Execution.execution_id, Execution.strategy_id, Execution.account_id).order_by(
                Execution.execution_id
            )
        ).all()
    assert [tuple(r) for r in found] == [("E1", "FromOrder", "OrderAcc"), ("E2", "Meta", "MetaAcc")]


def test_case_insensitive_names_extra_tables_and_columns(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "names.sqlite",
        metadata={"schema_version": "1.1", "run_id": "r-names"},
        orders=[order(Notes="x")],
        executions=[execution()],
        names={"Orders": "ORDERS", "Executions": "executions", "Metadata": "METADATA"},
        columns={
            "Orders": (
                "ORDER_ID", "Strategy_Id", "ACCOUNT_ID", "Symbol", "SIDE", "Order_Type",
                "SUBMIT_TIME_UTC", "Quantity", "STATUS", "Notes",
            )
        },
    )  # fmt: skip
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("CREATE TABLE Diagnostics (line TEXT)")
    con.commit()
    con.close()
    report = import_export_file(engine, path)
    assert report.status == "succeeded", report.error
    assert table_counts(report, "orders") == (1, 0, 0, 0, 0)
    assert table_counts(report, "executions") == (1, 0, 0, 0, 0)
    assert report.run_ids == ["r-names"]


def test_ninjatrader_spellings_are_stored_canonical(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "nt.sqlite",
        orders=[
            order("O1", side="BuyToCover", order_type="StopMarket", status="PartFilled"),
            order("O2", side="SellShort", order_type="MarketIfTouched", status="Cancelled"),
            order("O3", side="sell", order_type="StopLimit", status="TriggerPending"),
        ],
        executions=[execution(side="Buy")],
    )
    report = import_export_file(engine, path)
    assert report.rejected == []
    found = [
        tuple(r)
        for r in rows(
            engine, (Order.order_id, Order.side, Order.order_type, Order.status), Order.order_id
        )
    ]
    assert found == [
        ("O1", "BUY", "STOP", "PARTIALLY_FILLED"),
        ("O2", "SELL", "MIT", "CANCELED"),
        ("O3", "SELL", "STOP_LIMIT", "NEW"),
    ]


def test_seven_digit_timestamps_and_offsets(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "times.sqlite",
        orders=[order(submit_time_utc="2025-01-06T12:00:00.1234567+02:00")],
        executions=[
            execution("E1", exec_time_utc="2025-01-06T10:00:00.9999999Z"),
            execution("E2", exec_time_utc="2025-01-06T05:30:00-04:30"),
        ],
    )
    import_export_file(engine, path)
    with Session(engine) as conn:
        submit = conn.execute(select(Order.submit_time)).scalar_one()
        times = (
            conn.execute(select(Execution.exec_time).order_by(Execution.execution_id))
            .scalars()
            .all()
        )
    assert submit.isoformat() == "2025-01-06T10:00:00.123456+00:00"
    assert [t.isoformat() for t in times] == [
        "2025-01-06T10:00:00.999999+00:00",
        "2025-01-06T10:00:00+00:00",
    ]


def test_invalid_records_are_rejected_and_listed_while_the_rest_imports(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_export(
        tmp_path / "mixed.sqlite",
        bars=[bar("2025-01-06 10:00:00"), bar("2025-01-06 10:01:00", low=5002.0)],
        orders=[
            order("O1"),
            order("O2", side="Sideways"),
            order("O3", meta_json="{broken"),
            order("O4", quantity=0),
            order("O5", status="Pending"),
        ],
        executions=[
            execution("E1"),
            execution("E2", price=-1),
            execution("E3", exec_time_utc="06/01/2025 10:00"),
            execution("", order_id="O1"),
            execution("E5", quantity="abc"),
            execution("E6", fee=-0.5),
            execution("E7", price="5001.25"),  # numeric text converts
        ],
    )
    report = import_export_file(engine, path)
    assert report.status == "succeeded"
    assert table_counts(report, "bars") == (1, 0, 0, 1, 0)
    assert table_counts(report, "orders") == (1, 0, 0, 4, 0)
    assert table_counts(report, "executions") == (2, 0, 0, 5, 0)
    reasons = {(r.table, r.key): r.reason for r in report.rejected}
    assert "side" in reasons[("orders", "O2")] and "Sideways" in reasons[("orders", "O2")]
    assert "meta_json" in reasons[("orders", "O3")] and "invalid JSON" in reasons[("orders", "O3")]
    assert "quantity" in reasons[("orders", "O4")]
    assert "status" in reasons[("orders", "O5")]
    assert "price" in reasons[("executions", "E2")]
    assert "exec_time_utc" in reasons[("executions", "E3")]
    assert "execution_id" in reasons[("executions", None)]
    assert "quantity" in reasons[("executions", "E5")]
    assert "fee" in reasons[("executions", "E6")]
    assert "low" in reasons[("bars", "ES 12-25|1m|2025-01-06 10:01:00")]
    e2 = next(r for r in report.rejected if r.key == "E2")
    assert e2.position == 2 and e2.record is not None and e2.record["price"] == -1
    with Session(engine) as conn:
        stored = conn.execute(select(ImportRejection).order_by(ImportRejection.id)).scalars().all()
        price = conn.execute(
            select(Execution.price).where(Execution.execution_id == "E7")
        ).scalar_one()
    assert len(stored) == 10
    assert {r.record_key for r in stored if r.table_name == "orders"} == {"O2", "O3", "O4", "O5"}
    assert price == 5001.25


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is a csv file, not a database\n" * 10, "not a SQLite database"),
        (
            b"SQLite format 3\x00" + b"\x10\x00" + b"\x00" * 82 + b"\x00\x00\x00\x09" * 1,
            "truncated",
        ),
    ],
)
def test_bad_files_are_refused_with_nothing_written(
    engine: Engine, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.sqlite"
    header = bytearray(content.ljust(100, b"\x00"))
    if message == "truncated":
        header[28:32] = (50).to_bytes(4, "big")  # 50 pages of 4096 bytes, file is 100 bytes
        header[24:28] = header[92:96] = (1).to_bytes(4, "big")
    path.write_bytes(bytes(header))
    report = import_export_file(engine, path)
    assert report.status == "refused"
    assert message in (report.error or "")
    assert all(v == 0 for v in counts(engine).values())
    [record] = import_records(engine)
    assert (record.status, record.error) == ("refused", report.error)
    assert report.import_id == record.id


def test_corrupt_file_is_refused_with_nothing_written(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "corrupt.sqlite",
        bars=[bar(f"2025-01-06 10:{i % 60:02d}:00", symbol=f"S{i // 60}") for i in range(3000)],
        orders=[order(f"O{i}") for i in range(3000)],
    )
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle : middle + 8192] = b"\xa5" * 8192  # wreck two pages in the middle
    path.write_bytes(bytes(data))
    report = import_export_file(engine, path)
    assert report.status == "refused", report.summary()
    assert "corrupt" in (report.error or "") or "malformed" in (report.error or "")
    assert all(v == 0 for v in counts(engine).values())
    assert [r.status for r in import_records(engine)] == ["refused"]


def test_unsupported_version_and_non_export_are_refused(engine: Engine, tmp_path: Path) -> None:
    v2 = write_export(tmp_path / "v2.sqlite", metadata={"schema_version": "2.0"}, orders=[order()])
    none = write_export(tmp_path / "none.sqlite", metadata={"schema_version": "1.1"})
    first = import_export_file(engine, v2)
    second = import_export_file(engine, none)
    assert first.status == second.status == "refused"
    assert "2.0" in (first.error or "") and "1.0, 1.1" in (first.error or "")
    assert "none of the tables" in (second.error or "")
    assert all(v == 0 for v in counts(engine).values())
    assert [r.status for r in import_records(engine)] == ["refused", "refused"]


def test_reimport_is_a_no_op_and_is_flagged(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "run.sqlite",
        metadata={"schema_version": "1.1", "run_id": "r"},
        instruments=[instrument()],
        bars=[bar()],
        orders=[order("O1"), order("O2", status="Working")],
        executions=[execution("E1"), execution("E2")],
    )
    first = import_export_file(engine, path)
    before = counts(engine)
    with Session(engine) as conn:
        updated_at = conn.execute(select(Run.updated_at)).scalar_one()
    second = import_export_file(engine, path)
    assert second.status == "succeeded"
    assert second.duplicate_of == first.import_id
    for table in ("instruments", "bars", "orders", "executions"):
        c = second.counts[table]
        assert (c.inserted, c.updated, c.conflicts) == (0, 0, 0)
        assert c.unchanged == first.counts[table].inserted
    assert second.affected == []
    assert counts(engine) == before
    with Session(engine) as conn:
        assert conn.execute(select(Run.updated_at)).scalar_one() == updated_at
    assert "already imported" in second.summary()


def test_grown_10_export_updates_the_same_run(engine: Engine, tmp_path: Path) -> None:
    early = write_export(
        tmp_path / "early.sqlite",
        orders=[order("O1"), order("O2", status="Working")],
        executions=[execution("E1")],
    )
    grown = write_export(
        tmp_path / "grown.sqlite",
        orders=[order("O1"), order("O2", status="Filled"), order("O3")],
        executions=[
            execution("E1"),
            execution("E2", order_id="O2"),
            execution("E3", order_id="O3"),
        ],
    )
    first = import_export_file(engine, early)
    second = import_export_file(engine, grown)
    assert first.run_ids == second.run_ids and len(first.run_ids) == 1
    assert table_counts(second, "orders") == (1, 1, 1, 0, 0)
    assert table_counts(second, "executions") == (2, 0, 1, 0, 0)
    assert counts(engine)["runs"] == 1
    with Session(engine) as conn:
        sequences = conn.execute(
            select(Execution.execution_id, Execution.sequence).order_by(Execution.sequence)
        ).all()
    assert [tuple(s) for s in sequences] == [("E1", 1), ("E2", 2), ("E3", 3)]


def test_order_status_never_moves_back_and_terminal_changes_are_conflicts(
    engine: Engine, tmp_path: Path
) -> None:
    meta = {"schema_version": "1.1", "run_id": "r"}
    filled = write_export(
        tmp_path / "a.sqlite", metadata=meta,
        orders=[order("O1", status="Filled"), order("O2", status="PartFilled"), order("O3", status="Filled")],
    )  # fmt: skip
    older = write_export(
        tmp_path / "b.sqlite", metadata=meta,
        orders=[order("O1", status="Working"), order("O2", status="Accepted", client_tag="tagged"), order("O3", status="Cancelled")],
    )  # fmt: skip
    import_export_file(engine, filled)
    report = import_export_file(engine, older)
    # O1: unchanged (NEW never overrides FILLED); O2: tag changes, status stays; O3: conflict
    assert table_counts(report, "orders") == (0, 2, 1, 0, 1)
    found = dict(rows(engine, (Order.order_id, Order.status), Order.order_id))
    assert found == {"O1": "FILLED", "O2": "PARTIALLY_FILLED", "O3": "CANCELED"}
    [conflict] = report.conflicts
    assert (conflict.table, conflict.key, conflict.run_id) == ("orders", "O3", "r")
    assert conflict.old_values["status"] == "FILLED"
    assert conflict.new_values["status"] == "CANCELED"
    with Session(engine) as conn:
        stored = conn.execute(select(ImportConflict)).scalar_one()
    assert stored.old_values["status"] == "FILLED"


def test_changed_executions_are_conflicts_with_old_values_kept(
    engine: Engine, tmp_path: Path
) -> None:
    meta = {"schema_version": "1.1", "run_id": "r"}
    first = write_export(
        tmp_path / "a.sqlite", metadata=meta, executions=[execution("E1"), execution("E2")]
    )
    second = write_export(
        tmp_path / "b.sqlite",
        metadata=meta,
        executions=[
            execution("E1", price=5010.0),
            execution("E2"),
            execution("E3", symbol="NQ 12-25"),
        ],
    )
    import_export_file(engine, first)
    report = import_export_file(engine, second)
    assert table_counts(report, "executions") == (1, 1, 1, 0, 1)
    [conflict] = report.conflicts
    assert conflict.key == "E1"
    assert conflict.old_values["price"] == 5000.0 and conflict.new_values["price"] == 5010.0
    with Session(engine) as conn:
        price = conn.execute(
            select(Execution.price).where(Execution.execution_id == "E1")
        ).scalar_one()
        record = conn.execute(
            select(ImportRecord).where(ImportRecord.id == report.import_id)
        ).scalar_one()
    assert price == 5010.0
    assert record.conflict_count == 1
    assert sorted(report.affected) == [("r", "ES 12-25"), ("r", "NQ 12-25")]


def test_duplicate_keys_in_one_file_keep_the_last(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "dup.sqlite",
        orders=[order("O1", status="Working"), order("O1", status="Filled")],
        executions=[execution("E1", price=1.0), execution("E1", price=2.0)],
    )
    report = import_export_file(engine, path)
    assert table_counts(report, "orders") == (1, 0, 0, 1, 0)
    assert table_counts(report, "executions") == (1, 0, 0, 1, 0)
    assert rows(engine, (Order.status,), Order.order_id)[0][0] == "FILLED"
    assert rows(engine, (Execution.price,), Execution.execution_id)[0][0] == 2.0
    assert any("duplicate key" in r.reason and r.position == 1 for r in report.rejected)


def test_duplicate_keys_in_a_grown_export_keep_the_last(engine: Engine, tmp_path: Path) -> None:
    meta = {"schema_version": "1.1", "run_id": "r"}
    first = write_export(tmp_path / "a.sqlite", metadata=meta, executions=[execution("E1")])
    grown = write_export(
        tmp_path / "b.sqlite",
        metadata=meta,
        bars=[bar(), bar(volume=7.0)],
        executions=[execution("E1"), execution("E2", price=1.0), execution("E2", price=3.0)],
    )
    import_export_file(engine, first)
    report = import_export_file(engine, grown)
    assert table_counts(report, "executions") == (1, 0, 1, 1, 0)
    assert table_counts(report, "bars") == (1, 0, 0, 1, 0)
    found = dict(rows(engine, (Execution.execution_id, Execution.price), Execution.execution_id))
    assert found == {"E1": 5000.0, "E2": 3.0}
    assert rows(engine, (Bar.volume,), Bar.start_time) == [(7.0,)]


def test_point_value_change_affects_every_run_trading_the_symbol(
    engine: Engine, tmp_path: Path
) -> None:
    run_a = write_export(
        tmp_path / "a.sqlite",
        metadata={"schema_version": "1.1", "run_id": "a"},
        executions=[execution()],
    )
    run_b = write_export(
        tmp_path / "b.sqlite",
        metadata={"schema_version": "1.1", "run_id": "b"},
        instruments=[instrument("ES 12-25", 50.0)],
        executions=[execution("X1", symbol="NQ 12-25")],
    )
    import_export_file(engine, run_a)
    report = import_export_file(engine, run_b)
    assert sorted(report.affected) == [("a", "ES 12-25"), ("b", "NQ 12-25")]


def test_after_import_receives_the_affected_pairs(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "hook.sqlite",
        metadata={"schema_version": "1.1", "run_id": "r"},
        executions=[execution("E1"), execution("E2", symbol="NQ 12-25")],
    )
    seen: list[ImportReport] = []
    report = import_export_file(engine, path, after_import=seen.append)
    assert seen == [report]
    assert sorted(seen[0].affected) == [("r", "ES 12-25"), ("r", "NQ 12-25")]
    dry: list[ImportReport] = []
    import_export_file(engine, path, dry_run=True, after_import=dry.append)
    assert dry == []


def test_dry_run_reports_without_writing(engine: Engine, tmp_path: Path) -> None:
    path = write_export(tmp_path / "dry.sqlite", orders=[order(f"O{i}") for i in range(50)])
    report = import_export_file(engine, path, dry_run=True)
    assert report.status == "dry_run"
    assert report.import_id is None
    assert table_counts(report, "orders") == (50, 0, 0, 0, 0)
    assert "Found" in report.summary() and "50 new orders" in report.summary()
    assert all(v == 0 for v in counts(engine).values())
    assert import_records(engine) == []


def test_progress_is_reported(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "p.sqlite", orders=[order(f"O{i}") for i in range(35)], bars=[bar()]
    )
    calls: list[tuple[int, int]] = []
    import_export_file(
        engine,
        path,
        progress=lambda done, total: calls.append((done, total)),
        tuning=ImportTuning(attached_chunk_rows=10, copy_chunk_rows=10),
    )
    assert calls[-1] == (36, 36)
    assert len(calls) >= 4
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


class Boom(RuntimeError):
    pass


def test_failure_in_the_middle_leaves_no_partial_data(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "fail.sqlite",
        bars=[bar()],
        orders=[order(f"O{i}") for i in range(30)],
        executions=[execution(f"E{i}") for i in range(30)],
    )

    def progress(done: int, total: int) -> None:
        if done > 40:  # bars and orders are merged, executions half staged
            raise Boom("injected failure")

    tuning = ImportTuning(attached_chunk_rows=10, copy_chunk_rows=10)
    with pytest.raises(Boom):
        import_export_file(engine, path, progress=progress, tuning=tuning)
    assert all(v == 0 for v in counts(engine).values())
    [record] = import_records(engine)
    assert record.status == "failed" and "injected failure" in (record.error or "")
    # the same file then imports cleanly
    report = import_export_file(engine, path, tuning=tuning)
    assert report.status == "succeeded"
    assert counts(engine)["executions"] == 30


def test_database_error_fails_the_import_and_records_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_export(tmp_path / "x.sqlite", orders=[order()], executions=[execution()])
    from strategy_analysis.ingest.changes import ImportChanges

    # After every table is written, before the import record is finished.
    def broken_pairs(self: ImportChanges, conn: Any) -> list[tuple[str, str]]:
        conn.exec_driver_sql("SELECT * FROM no_such_table")
        return []

    monkeypatch.setattr(ImportChanges, "affected_pairs", broken_pairs)
    report = import_export_file(engine, path)
    assert report.status == "failed"
    assert "no_such_table" in (report.error or "")
    assert all(v == 0 for v in counts(engine).values())
    assert [r.status for r in import_records(engine)] == ["failed"]


def test_import_record_lists_counts_and_rejections_as_json(engine: Engine, tmp_path: Path) -> None:
    path = write_export(tmp_path / "r.sqlite", orders=[order("O1"), order("O2", side="Up")])
    report = import_export_file(engine, path, source="watch", job_id="job-1")
    with Session(engine) as conn:
        record = conn.execute(select(ImportRecord)).scalar_one()
        rejection = conn.execute(select(ImportRejection)).scalar_one()
        raw = conn.execute(text("SELECT count(*) FROM import_rejections")).scalar_one()
    assert (record.source, record.job_id, record.rejected_count) == ("watch", "job-1", 1)
    assert record.counts["orders"] == {
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "conflicts": 0,
    }
    assert record.run_ids == report.run_ids
    assert (
        record.duration_seconds is not None
        and 0 < record.duration_seconds <= report.duration_seconds
    )
    assert (rejection.table_name, rejection.record_key, rejection.position) == ("orders", "O2", 2)
    assert json.loads(json.dumps(rejection.record))["side"] == "Up"
    assert raw == 1


def test_key_repeated_in_a_later_chunk_of_a_new_run(engine: Engine, tmp_path: Path) -> None:
    # Chunks of two rows: on PostgreSQL the first chunks of the new run are already copied
    # into the table when the repeat turns up; that is undone and the table merged.
    path = write_export(
        tmp_path / "later.sqlite",
        executions=[
            execution("E1", price=1.0),
            execution("E2", side="Up"),
            execution("E3", price=3.0),
            execution("E4", price=4.0),
            execution("E1", price=9.0, strategy_id=None),
        ],
    )
    tuning = ImportTuning(attached_chunk_rows=2, copy_chunk_rows=2)
    report = import_export_file(engine, path, tuning=tuning)
    assert report.status == "succeeded", report.error
    assert table_counts(report, "executions") == (3, 0, 0, 2, 0)
    assert [r.position for r in report.rejected if "duplicate key" in r.reason] == [1]
    found = rows(
        engine,
        (Execution.execution_id, Execution.price, Execution.strategy_id, Execution.sequence),
        Execution.execution_id,
    )
    # no order and no Metadata default: the last E1's empty strategy stays empty
    assert found == [("E1", 9.0, None, 5), ("E3", 3.0, "S1", 3), ("E4", 4.0, "S1", 4)]


def test_data_times_and_affected_symbols_include_rows_the_model_converted(
    engine: Engine, tmp_path: Path
) -> None:
    # An offset timestamp goes through the model; on PostgreSQL a new run's rows are
    # counted as they are copied, so those rows must count as well.
    path = write_export(
        tmp_path / "times.sqlite",
        metadata={"schema_version": "1.1", "run_id": "r"},
        bars=[
            bar(start_time_utc="2025-01-06 10:00:00"),
            bar(symbol="GC 02-26", start_time_utc="2025-01-06T11:00:00+01:00"),
        ],
        orders=[order("O1", submit_time_utc="2025-01-06 10:00:05")],
        executions=[
            execution("E1", exec_time_utc="2025-01-06 10:00:10"),
            execution("E2", symbol="NQ 12-25", exec_time_utc="2025-01-06T12:00:00+02:00"),
            execution("E3", exec_time_utc="2025-01-06 10:30:00", strategy_id=None),
        ],
    )
    tuning = ImportTuning(copy_chunk_rows=2)
    report = import_export_file(engine, path, tuning=tuning)
    assert report.status == "succeeded", report.error
    assert table_counts(report, "executions") == (3, 0, 0, 0, 0)
    assert table_counts(report, "bars") == (2, 0, 0, 0, 0)
    with Session(engine) as session:
        run = session.scalars(select(Run)).one()
    assert run.first_data_time.isoformat() == "2025-01-06T10:00:00+00:00"
    assert run.last_data_time.isoformat() == "2025-01-06T10:30:00+00:00"
    assert sorted(report.affected) == [("r", "ES 12-25"), ("r", "NQ 12-25")]
    # bars arriving later for the run's time put the run back into the rebuild
    later = write_export(
        tmp_path / "later-bars.sqlite",
        bars=[bar(symbol="NQ 12-25", start_time_utc="2025-01-06T11:59:00+01:00")],
    )
    assert import_export_file(engine, later, tuning=tuning).affected == [("r", "NQ 12-25")]


def test_repeated_key_whose_last_copy_is_unchanged_keeps_the_stored_row(
    engine: Engine, tmp_path: Path
) -> None:
    meta = {"schema_version": "1.1", "run_id": "r"}
    first = write_export(
        tmp_path / "a.sqlite",
        metadata=meta,
        orders=[order("O1"), order("O2")],
        executions=[execution("E1", price=1.0), execution("E2", price=5.0)],
    )
    again = write_export(
        tmp_path / "b.sqlite",
        metadata=meta,
        orders=[order("O1", client_tag="changed"), order("O2"), order("O1")],
        executions=[
            execution("E1", price=2.0),
            execution("E2", price=5.0),
            execution("E1", price=1.0),
        ],
    )
    import_export_file(engine, first)
    report = import_export_file(engine, again)
    assert report.status == "succeeded", report.error
    # the last record of a key wins: identical to what is stored, so nothing changes
    assert table_counts(report, "executions") == (0, 0, 2, 1, 0)
    assert table_counts(report, "orders") == (0, 0, 2, 1, 0)
    assert [(r.table, r.position) for r in report.rejected if "duplicate key" in r.reason] == [
        ("orders", 1),
        ("executions", 1),
    ]
    found = dict(rows(engine, (Execution.execution_id, Execution.price), Execution.execution_id))
    assert found == {"E1": 1.0, "E2": 5.0}
    assert rows(engine, (Order.client_tag,), Order.order_id)[0][0] is None


def test_text_with_a_nul_character(engine: Engine, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "nul.sqlite",
        orders=[order("O1"), order("O2", client_tag="tag\x00cut")],
        executions=[execution("E1", fee_currency="US\x00D"), execution("E2")],
    )
    report = import_export_file(engine, path)
    assert report.status == "succeeded", report.error
    # PostgreSQL text cannot hold NUL: on both databases the record is refused, never cut
    # short, never stored where only one database could hold it.
    assert table_counts(report, "orders") == (1, 0, 0, 1, 0)
    assert table_counts(report, "executions") == (1, 0, 0, 1, 0)
    reasons = {(r.table, r.position): r.reason for r in report.rejected}
    assert "NUL" in reasons[("orders", 2)] and "client_tag" in reasons[("orders", 2)]
    assert "fee_currency" in reasons[("executions", 1)]
    with Session(engine) as session:
        stored = session.scalars(select(ImportRejection).order_by(ImportRejection.id))
        records = {r.record_key: r.record for r in stored}
    assert records["O2"]["client_tag"] == "tag\\0cut"
    assert records["E1"]["fee_currency"] == "US\\0D"
