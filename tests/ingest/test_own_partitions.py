"""PostgreSQL: a large new run (or bars of new symbols) imported into partitions of its own.

The threshold is lowered to one row, so small files take the path a large one takes.
Whatever path a file takes, the stored rows and the report are the same.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import bar, execution, order, write_export
from sqlalchemy import Engine, text

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.migrations import downgrade_database, upgrade_database
from strategy_analysis.ingest import c_copy_lines
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.ingest.tuning import ImportTuning

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

DATA_TABLES = ("bars", "orders", "executions")
COLUMNS = {
    "bars": "symbol, timeframe, start_time, end_time, open, high, low, close, volume",
    "orders": "run_id, order_id, strategy_id, account_id, symbol, side, status, quantity",
    "executions": (
        "run_id, execution_id, order_id, strategy_id, account_id, symbol, side, exec_time,"
        " price, quantity, fee, sequence"
    ),
}


@pytest.fixture
def own_partitions() -> ImportTuning:
    """A file import's sizes that put every new table into a partition of its own."""
    return ImportTuning(own_partition_min_rows=1)


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table: [
                tuple(r)
                for r in conn.execute(
                    text(f"SELECT {COLUMNS[table]} FROM {table} ORDER BY {COLUMNS[table]}")
                )
            ]
            for table in DATA_TABLES
        }


def partition_rows(engine: Engine) -> dict[str, int]:
    """Rows per partition of the partitioned tables ('executions_default': 3, ...)."""
    found = {}
    with engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent::regclass::text = ANY(:tables)"
            ),
            {"tables": list(DATA_TABLES)},
        ).scalars()
        for name in names:
            found[name] = conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
    return found


def own(partitions: dict[str, int], table: str) -> list[int]:
    """Row counts of the table's own partitions (the DEFAULT one left out)."""
    return [n for name, n in partitions.items() if name.startswith(f"{table}_p")]


def counts(report: Any) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        t: (c.inserted, c.updated, c.unchanged, c.rejected, c.conflicts)
        for t, c in report.counts.items()
    }


@pytest.fixture
def other_engine(postgres_server: Any) -> Any:
    eng = make_engine(postgres_server.fresh())
    yield eng
    eng.dispose()


def test_large_file_path_gives_the_same_rows_and_report(
    engine: Engine, other_engine: Engine, tmp_path: Path
) -> None:
    """Own partitions and reader processes (a large file's path) against the default
    partition and a reader thread."""
    path = tmp_path / "demo.sqlite"
    write_demo_export(path, executions=3_000, seed=3)
    shared = import_export_file(other_engine, path)
    # Own partitions, two reader processes, several chunks per table.
    large = ImportTuning(own_partition_min_rows=1, reader_processes=2, copy_chunk_rows=700)
    owned = import_export_file(engine, path, tuning=large)
    assert owned.status == shared.status == "succeeded", owned.error
    assert counts(owned) == counts(shared)
    assert sorted(owned.affected) == sorted(shared.affected)
    assert stored(engine) == stored(other_engine)
    partitions = partition_rows(engine)
    for table in DATA_TABLES:
        assert partitions[f"{table}_default"] == 0
        assert own(partitions, table) == [counts(owned)[table][0]]
    assert all(own(partition_rows(other_engine), t) == [] for t in DATA_TABLES)


def test_the_sql_reader_stores_what_the_c_reader_stores(
    engine: Engine, other_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the compiled reader (a build with no compiler) an import stores the same."""
    path = tmp_path / "demo.sqlite"
    write_demo_export(path, executions=3_000, seed=5)
    with_c = import_export_file(engine, path)
    monkeypatch.setattr(c_copy_lines, "_copy_lines", None)
    assert not c_copy_lines.available()
    without_c = import_export_file(other_engine, path)
    assert with_c.status == without_c.status == "succeeded", without_c.error
    assert counts(with_c) == counts(without_c)
    assert stored(engine) == stored(other_engine)


def test_small_tables_stay_in_the_default_partition(engine: Engine, tmp_path: Path) -> None:
    path = write_export(tmp_path / "s.sqlite", orders=[order()], executions=[execution()])
    assert import_export_file(engine, path).status == "succeeded"
    partitions = partition_rows(engine)
    assert partitions["executions_default"] == 1 and own(partitions, "executions") == []


def test_a_repeated_key_undoes_the_partition_and_merges(
    engine: Engine, tmp_path: Path, own_partitions: ImportTuning
) -> None:
    path = write_export(
        tmp_path / "dup.sqlite",
        orders=[order("O1")],
        executions=[execution("E1", price=1.0), execution("E2"), execution("E1", price=9.0)],
    )
    report = import_export_file(engine, path, tuning=own_partitions)
    assert report.status == "succeeded", report.error
    assert counts(report)["executions"] == (2, 0, 0, 1, 0)
    assert [r.position for r in report.rejected if "duplicate key" in r.reason] == [1]
    assert stored(engine)["executions"][0][8] == 9.0  # the last E1 wins
    partitions = partition_rows(engine)
    # the orders kept their partition; the executions were merged into the default one
    assert own(partitions, "orders") == [1]
    assert own(partitions, "executions") == [] and partitions["executions_default"] == 2


def test_fallbacks_read_the_runs_orders_from_their_partition(
    engine: Engine, tmp_path: Path, own_partitions: ImportTuning
) -> None:
    path = write_export(
        tmp_path / "fallback.sqlite",
        orders=[order("O1", strategy_id="FromOrder", account_id="Acc")],
        executions=[execution("E1", strategy_id=None, account_id=None), execution("E2")],
    )
    report = import_export_file(engine, path, tuning=own_partitions)
    assert report.status == "succeeded", report.error
    rows = stored(engine)["executions"]
    assert [(r[1], r[3], r[4]) for r in rows] == [("E1", "FromOrder", "Acc"), ("E2", "S1", "A1")]
    assert own(partition_rows(engine), "executions") == [2]


def test_reimport_grown_export_and_stream_reach_the_runs_partition(
    engine: Engine, tmp_path: Path, own_partitions: ImportTuning
) -> None:
    metadata = {"schema_version": "1.1", "run_id": "run-1", "strategy_id": "S1"}
    first = write_export(
        tmp_path / "a.sqlite",
        metadata=metadata,
        bars=[bar(), bar("2025-01-06 10:01:00")],
        orders=[order("O1"), order("O2", status="WORKING")],
        executions=[execution("E1"), execution("E2", price=5001.0)],
    )
    assert import_export_file(engine, first, tuning=own_partitions).status == "succeeded"
    again = import_export_file(engine, first, tuning=own_partitions)
    assert all(c[0] == c[1] == 0 for c in counts(again).values())
    grown = write_export(
        tmp_path / "b.sqlite",
        metadata=metadata,
        bars=[bar(), bar("2025-01-06 10:01:00", close=5000.75), bar("2025-01-06 10:02:00")],
        orders=[order("O1"), order("O2", status="FILLED")],
        executions=[execution("E1"), execution("E2", price=5002.0), execution("E3")],
    )
    report = import_export_file(engine, grown, tuning=own_partitions)
    assert report.status == "succeeded", report.error
    assert counts(report)["executions"] == (1, 1, 1, 0, 1)
    assert counts(report)["orders"] == (0, 1, 1, 0, 0)
    assert counts(report)["bars"] == (1, 1, 1, 0, 0)
    ingest_batch(
        engine,
        {
            "schema_version": "1.1",
            "run": {"run_id": "run-1", "strategy_id": "S1"},
            "executions": [execution("E4"), execution("E1")],
        },
    )
    partitions = partition_rows(engine)
    assert own(partitions, "executions") == [4] and partitions["executions_default"] == 0
    assert own(partitions, "orders") == [2] and own(partitions, "bars") == [3]


def test_bars_of_stored_symbols_merge_into_their_partition(
    engine: Engine, tmp_path: Path, own_partitions: ImportTuning
) -> None:
    es = write_export(tmp_path / "es.sqlite", bars=[bar(), bar("2025-01-06 10:01:00")])
    assert import_export_file(engine, es, tuning=own_partitions).status == "succeeded"
    both = write_export(
        tmp_path / "both.sqlite",
        bars=[
            bar("2025-01-06 10:02:00"),
            bar(symbol="NQ 12-25", open=20000.0, high=20001.0, low=19999.0, close=20000.5),
        ],
    )
    report = import_export_file(engine, both, tuning=own_partitions)
    assert counts(report)["bars"] == (2, 0, 0, 0, 0)
    partitions = partition_rows(engine)
    # ES has stored bars: the whole file is merged, the new symbol into the default partition
    assert own(partitions, "bars") == [3] and partitions["bars_default"] == 1


def test_a_failed_or_dry_run_import_leaves_no_partition(
    engine: Engine, tmp_path: Path, own_partitions: ImportTuning
) -> None:
    tuning = replace(own_partitions, copy_chunk_rows=5)
    path = write_export(
        tmp_path / "f.sqlite",
        bars=[bar(f"2025-01-06 10:{m:02d}:00") for m in range(10)],
        orders=[order(f"O{i}") for i in range(10)],
        executions=[execution(f"E{i}") for i in range(10)],
    )

    def progress(done: int, total: int) -> None:
        if done > 25:  # bars and orders have their partitions, the executions are copying
            raise RuntimeError("injected failure")

    with pytest.raises(RuntimeError):
        import_export_file(engine, path, progress=progress, tuning=tuning)
    assert import_export_file(engine, path, dry_run=True, tuning=tuning).status == "dry_run"
    assert sorted(partition_rows(engine)) == [f"{t}_default" for t in sorted(DATA_TABLES)]
    assert import_export_file(engine, path, tuning=tuning).status == "succeeded"
    assert [own(partition_rows(engine), t) for t in DATA_TABLES] == [[10], [10], [10]]


def test_downgrade_keeps_the_rows_of_own_partitions(
    database_url: str, engine: Engine, tmp_path: Path, own_partitions: ImportTuning
) -> None:
    path = tmp_path / "demo.sqlite"
    write_demo_export(path, executions=500, seed=5)
    assert import_export_file(engine, path, tuning=own_partitions).status == "succeeded"
    stream = {
        "schema_version": "1.1",
        "run": {"run_id": "live-1", "strategy_id": "S1"},
        "executions": [execution("E1")],
    }
    ingest_batch(engine, stream)
    before = stored(engine)
    engine.dispose()
    downgrade_database(database_url, "0004")
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM pg_class WHERE relispartition")).scalar() == 0
        )
    assert stored(engine) == before
    upgrade_database(database_url)
    assert stored(engine) == before
    assert sorted(partition_rows(engine)) == [f"{t}_default" for t in sorted(DATA_TABLES)]


def test_default_partitions_stay_readable_until_the_import_ends(
    engine: Engine, tmp_path: Path, own_partitions: ImportTuning
) -> None:
    """Attaching locks a DEFAULT partition until the commit: the attaches come last, also
    when executions take their fallbacks from the run's (not yet attached) orders."""
    tuning = replace(own_partitions, copy_chunk_rows=5)
    path = write_export(
        tmp_path / "late.sqlite",
        orders=[order("O1", strategy_id="FromOrder")],
        executions=[execution("E1", strategy_id=None), execution("E2")],
        bars=[bar(f"2025-01-06 10:{m:02d}:00") for m in range(20)],  # read last
    )
    readable: list[bool] = []

    def progress(done: int, total: int) -> None:
        if done > 10:  # bars being copied: orders and executions are read and indexed
            with engine.connect() as other:
                other.execute(text("SET lock_timeout = '200ms'"))
                for table in ("orders_default", "executions_default", "bars_default"):
                    other.execute(text(f"SELECT count(*) FROM {table}"))
                readable.append(True)

    report = import_export_file(engine, path, progress=progress, tuning=tuning)
    assert report.status == "succeeded", report.error
    assert readable
    assert stored(engine)["executions"][0][3] == "FromOrder"
