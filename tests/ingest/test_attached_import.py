"""SQLite's file import reads the attached export in SQL, with two shortcuts: a new run's
rows (and new bars) go straight into their tables, and a re-import compares raw values
with the stored rows before checking in full; timestamps are checked by a C function
(db.sqlite_functions). Each must give exactly what the plain path gives (stage every row,
check it in SQL, merge): same counts, rejections, conflicts, stored rows and run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import bar, execution, instrument, order, write_export
from sqlalchemy import text

from strategy_analysis.db import sqlite_functions
from strategy_analysis.db.engine import make_engine
from strategy_analysis.ingest.export_file import AttachedSelect
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.store.upsert_sqlite import SqliteUpsert
from strategy_analysis.ingest.tuning import DEFAULT_TUNING, ImportTuning

META = {"schema_version": "1.1", "run_id": "r", "strategy_id": "S1", "account_id": "A1"}
O_TIME = "2025-01-06T10:00:00.5000000Z"
TABLES = {
    "instruments": "symbol",
    "bars": "symbol, timeframe, start_time",
    "orders": "run_id, order_id",
    "executions": "run_id, execution_id",
    "runs": "run_id",
}


def _every_position(
    self: SqliteUpsert, spec: Any, select: AttachedSelect, params: dict[str, Any]
) -> int:
    """find_unsettled without the raw comparison: every row is checked in full."""
    positions = self.positions_table(spec)
    self.conn.execute(f"DELETE FROM {positions}")
    sql = f"INSERT INTO {positions} SELECT r.pos FROM ({select.raw_rows}) r"
    return self.conn.execute(sql, params).rowcount


def _never_directly(self: SqliteUpsert, spec: Any, run_id: str | None) -> bool:
    return False


def _imports(
    tmp_path: Path,
    template: Path,
    files: list[Path],
    name: str,
    tuning: ImportTuning = DEFAULT_TUNING,
) -> tuple[list[Any], dict[str, list[Any]]]:
    """Import ``files`` in turn into a fresh database: what each report and table holds."""
    path = tmp_path / f"{name}.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        reports = []
        for file in files:
            report = import_export_file(engine, file, tuning=tuning)
            assert report.status == "succeeded", report.error
            reports.append(
                (
                    {t: c.model_dump() for t, c in report.counts.items()},
                    sorted((r.table, r.position, r.key, r.reason) for r in report.rejected),
                    sorted(
                        (c.table, c.key, str(c.old_values), str(c.new_values))
                        for c in report.conflicts
                    ),
                    sorted(report.affected),
                )
            )
        with engine.connect() as conn:
            tables = {
                table: [
                    tuple(r)
                    for r in conn.execute(
                        text(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
                    )
                ]
                for table, order in TABLES.items()
            }
        for row_list in (tables["runs"], tables["instruments"]):
            # when the import ran, not what it found
            row_list[:] = [tuple(v for v in r if not _is_clock(v)) for r in row_list]
    finally:
        engine.dispose()
    return reports, tables


def _is_clock(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("20") and value[:4] >= "2026"


def _assert_same_as_plain_path(
    tmp_path: Path,
    template: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: list[Path],
    tuning: ImportTuning = DEFAULT_TUNING,
) -> tuple[list[Any], dict[str, list[Any]]]:
    fast = _imports(tmp_path, template, files, "fast", tuning)
    with monkeypatch.context() as patched:
        patched.setattr(SqliteUpsert, "find_unsettled", _every_position)
        patched.setattr(SqliteUpsert, "may_insert_directly", _never_directly)
        patched.setattr(sqlite_functions, "available", lambda connection: False)
        plain = _imports(tmp_path, template, files, "plain", tuning)
    assert fast[0] == plain[0]
    assert fast[1] == plain[1]
    return fast


def _pairs() -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """(stored row, the row re-imported) whose raw values spell the stored ones
    differently, or nearly so, or are of another type. Times are in .NET's "o" form
    unless a row says otherwise, one the raw comparison settles."""

    def ex(execution_id: str, **values: Any) -> dict[str, Any]:
        return execution(execution_id, **{"exec_time_utc": O_TIME, **values})

    def od(order_id: str, **values: Any) -> dict[str, Any]:
        return order(order_id, **{"submit_time_utc": O_TIME, **values})

    def br(start: str = O_TIME, **values: Any) -> dict[str, Any]:
        return bar(start, **{"end_time_utc": "2025-01-06T10:01:00.0000000Z", **values})

    times = [
        "2025-01-06 10:00:00.5",
        "2025-01-06T10:00:00.500000",
        "2025-01-06T10:00:00.5000000Z",
        "2025-01-06T10:00:00.5000001z",
        "2025-01-06 10:00:00.500000Z",
        "2025-01-06T10:00:00.500000+00:00",
        "2025-01-06T11:00:00.5+01:00",
        "2025-01-06T10:00:00.5000000ZZ",
        "2025-01-06T10:00:00.500000x",
        "2025-01-06T10:00:00.500000Zx",
        "2025-01-06T10:00:00.5000000Z\x00",
        "2025-01-06T10:00:00.500000\x00x",
        "2025-01-06t10:00:00.5Z",
        " 2025-01-06 10:00:00.5",
        "2025-01-06 10:00:00.500000 ",
    ]
    executions = [(ex(f"T{i}"), ex(f"T{i}", exec_time_utc=t)) for i, t in enumerate(times)]
    executions += [
        (ex("N1"), ex("N1", price=5000)),  # an integer equal to the real
        (ex("N2"), ex("N2", price="5000.0")),  # text: the model decides
        (ex("N3", fee=None), ex("N3", fee=None)),  # stored as 0.0
        (ex("N4", strategy_id=None), ex("N4", strategy_id=None)),  # the order's
        (ex("N5"), ex("N5", strategy_id="")),
        (ex("N6"), ex("N6", side="Buy")),
        (ex("N7"), ex("N7", fee_currency=None)),
        (ex("N8"), ex("N8", liquidity_flag=b"TAKER")),
        (ex("N9", symbol="42"), ex("N9", symbol=42)),
        (ex("N10", symbol="1.5"), ex("N10", symbol=1.5)),
        (ex("N11", fee=2.0), ex("N11", fee="2")),
        (ex("N12"), ex("N12", price=5000.0000001)),
        (ex("N13", strategy_id="S9"), ex("N13", strategy_id="")),
        (ex("N14", account_id="A9"), ex("N14", account_id=None)),
        (ex("N15", order_id="O2"), ex("N15", order_id="O2", account_id=" ")),
    ]
    orders = [
        (od("O1"), od("O1")),
        (od("O2"), od("O2", status="Filled")),
        (od("O3"), od("O3", strategy_id=None)),
        (od("O4"), od("O4", time_in_force=None)),
        (od("O5"), od("O5", submit_time_utc="2025-01-06T10:00:00.0000000Z")),
        (od("O6", meta_json='{"a": 1}'), od("O6", meta_json='{"a": 1}')),
        (od("O7", meta_json='{"a": 1}'), od("O7", meta_json=' {"a": 1}')),
        (od("O8", client_tag="7"), od("O8", client_tag=7)),
        (od("O9"), od("O9", status="New")),
    ]
    bars = [
        (br(symbol="B1"), br("2025-01-06 10:00:00.500000", symbol="B1")),
        (br(symbol="B2"), br("2025-01-06T10:00:00.5Z", symbol="B2")),
        (br(symbol="B3"), br("2025-01-06T10:00:00.5000000z", symbol="B3")),
        (br(symbol="B4"), br(symbol="B4", open_interest=7)),
        (br(symbol="B5", end_time_utc="2025-01-06 10:01:00"),
         br(symbol="B5", end_time_utc="2025-01-06T10:01:00.0000000Z")),
        (br(symbol="B6"), br(symbol="B6", volume="100")),
    ]  # fmt: skip
    return {"executions": executions, "orders": orders, "bars": bars}


def test_reimport_of_other_spellings_matches_the_plain_path(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored once, then re-imported spelled otherwise: the raw comparison may settle a
    row only where the checks would store it identically."""
    pairs = _pairs()
    first = write_export(
        tmp_path / "first.sqlite",
        metadata=META,
        instruments=[instrument()],
        **{t: [stored for stored, _ in p] for t, p in pairs.items()},
    )
    again = write_export(
        tmp_path / "again.sqlite",
        metadata=META,
        instruments=[instrument()],
        typed=False,
        **{t: [other for _, other in p] for t, p in pairs.items()},
    )
    # the same rows in another order: positions no longer match the stored sequences
    shuffled = write_export(
        tmp_path / "shuffled.sqlite",
        metadata=META,
        instruments=[instrument()],
        **{t: [stored for stored, _ in p][::-1] for t, p in pairs.items()},
    )
    reports, _ = _assert_same_as_plain_path(
        tmp_path, sqlite_template, monkeypatch, [first, again, again, first, shuffled]
    )
    assert reports[4][0]["executions"]["unchanged"] == len(pairs["executions"])
    # the spellings are not all equal: some rows change, some are refused, most are not
    counts = reports[1][0]["executions"]
    assert counts["unchanged"] and counts["updated"] and counts["rejected"]


def test_reimport_of_changed_and_repeated_keys_matches_the_plain_path(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_export(
        tmp_path / "first.sqlite",
        metadata=META,
        orders=[order("O1", status="Working"), order("O2")],
        executions=[execution("E1", price=1.0), execution("E2"), execution("E3")],
        bars=[bar(), bar("2025-01-06 10:01:00")],
    )
    changed = write_export(
        tmp_path / "changed.sqlite",
        metadata=META,
        orders=[order("O1", status="Filled"), order("O2", status="Working"), order("O3")],
        executions=[
            execution("E1", price=2.0),
            execution("E1", price=3.0),
            execution("E1", price=1.0),  # the last one wins: E1 stays as stored
            execution("E2", fee=9.0),
            execution("E3"),
            execution("E4", side="Up"),
        ],
        bars=[bar(volume=5.0), bar("2025-01-06 10:01:00"), bar("2025-01-06 10:02:00")],
    )
    reports, tables = _assert_same_as_plain_path(
        tmp_path, sqlite_template, monkeypatch, [first, changed]
    )
    counts, rejected, conflicts, _ = reports[1]
    assert [(c["inserted"], c["updated"], c["unchanged"], c["rejected"])
            for c in (counts["executions"], counts["orders"], counts["bars"])] == [
        (0, 1, 2, 3), (1, 1, 1, 0), (1, 1, 1, 0)
    ]  # fmt: skip
    assert [r[1] for r in rejected if "duplicate key" in r[3]] == [1, 2]
    assert [c[1] for c in conflicts] == ["E2"]
    assert [(r[1], r[8]) for r in tables["executions"]] == [
        ("E1", 1.0), ("E2", 5000.0), ("E3", 5000.0)
    ]  # fmt: skip


def test_new_run_with_invalid_and_repeated_rows_matches_the_plain_path(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of two: some hold only valid rows (inserted whole), some a row that fails a
    NOT NULL column, a blob in an optional column or the bar rule (checked row by row);
    a key repeated in a later chunk undoes the table, which is then staged and merged."""
    clean = write_export(
        tmp_path / "clean.sqlite",
        metadata=META,
        orders=[order("O1"), order("O2", price="12.5"), order("O3"), order("O4", side="Up")],
        executions=[
            execution("E1"),
            execution("E2"),
            execution("E3", exec_time_utc=None),
            execution("E4"),
            execution("E5", fee_currency=5),
            execution("E6", exec_time_utc="2025-01-06T11:00:00+01:00"),
        ],
        bars=[bar(), bar("2025-01-06 10:01:00", low=6000.0), bar("2025-01-06 10:02:00")],
    )
    repeated = write_export(
        tmp_path / "repeated.sqlite",
        metadata={**META, "run_id": "r2"},
        executions=[execution("E1"), execution("E2"), execution("E3"), execution("E1")],
        bars=[bar("2025-01-07 10:00:00"), bar("2025-01-07 10:00:00", volume=1.0)],
    )
    reports, tables = _assert_same_as_plain_path(
        tmp_path,
        sqlite_template,
        monkeypatch,
        [clean, repeated],
        ImportTuning(attached_chunk_rows=2),
    )
    assert reports[0][0]["executions"]["inserted"] == 5
    assert reports[0][0]["executions"]["rejected"] == 1
    assert reports[1][0]["executions"]["rejected"] == 1
    assert len(tables["executions"]) == 8


def test_new_run_rows_take_the_direct_insert(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shortcut is taken: no row of a clean new run is staged."""
    staged: list[str] = []
    original = SqliteUpsert.stage_rows

    def counting(self: SqliteUpsert, spec: Any, rows: Any) -> None:
        rows = list(rows)
        if rows:
            staged.append(spec.name)
        original(self, spec, rows)

    monkeypatch.setattr(SqliteUpsert, "stage_rows", counting)
    path = write_export(
        tmp_path / "run.sqlite",
        metadata=META,
        orders=[order(f"O{i}") for i in range(5)],
        executions=[execution(f"E{i}") for i in range(5)],
        bars=[bar(f"2025-01-06 10:0{i}:00") for i in range(5)],
    )
    reports, tables = _imports(tmp_path, sqlite_template, [path], "direct")
    assert [reports[0][0][t]["inserted"] for t in ("orders", "executions", "bars")] == [5, 5, 5]
    assert staged == []
    assert [r[13] for r in tables["executions"]] == [1, 2, 3, 4, 5]  # sequence: file order


def test_executions_sharing_a_sequence_are_compared_by_key(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """Sequences are not unique (a run fed by batches and by a file): a position that
    finds several stored executions is checked in full, once."""
    path = write_export(
        tmp_path / "run.sqlite",
        metadata=META,
        executions=[execution(f"E{i}", exec_time_utc=O_TIME) for i in range(3)],
    )
    database = tmp_path / "shared.db"
    shutil.copyfile(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    try:
        assert import_export_file(engine, path).status == "succeeded"
        with engine.begin() as conn:
            conn.execute(text("UPDATE executions SET sequence = 1"))
        report = import_export_file(engine, path)
    finally:
        engine.dispose()
    assert report.status == "succeeded", report.error
    assert report.counts["executions"].unchanged == 3


def test_unchanged_reimport_leaves_no_row_to_the_full_check(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw comparison settles every row of a file imported again as it was, times in
    .NET's "o" form, the stored form and an optional time left out (with the C functions
    or without them): none takes the full check."""
    times = [O_TIME, "2025-01-06 10:00:00.250000", "2025-01-06T10:00:00.7500000Z"]
    export = write_export(
        tmp_path / "export.sqlite",
        metadata=META,
        instruments=[instrument()],
        orders=[order(f"O{i}", submit_time_utc=t) for i, t in enumerate(times)],
        executions=[
            execution(f"E{i}", order_id=f"O{i}", exec_time_utc=t) for i, t in enumerate(times)
        ],
        bars=[bar(t, symbol=f"B{i}") for i, t in enumerate(times)]
        + [bar(O_TIME, symbol="B9", end_time_utc=None)],
    )
    unsettled: list[tuple[str, int]] = []
    find_unsettled = SqliteUpsert.find_unsettled

    def counted(self: SqliteUpsert, spec: Any, select: AttachedSelect, params: Any) -> int:
        found = find_unsettled(self, spec, select, params)
        unsettled.append((spec.name, found))
        return found

    for functions in (True, False):
        path = tmp_path / f"db-{functions}.db"
        shutil.copyfile(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            with monkeypatch.context() as patched:
                if not functions:
                    patched.setattr(sqlite_functions, "available", lambda connection: False)
                assert import_export_file(engine, export).status == "succeeded"
                unsettled.clear()
                patched.setattr(SqliteUpsert, "find_unsettled", counted)
                report = import_export_file(engine, export)
        finally:
            engine.dispose()
        assert report.status == "succeeded"
        assert report.counts["executions"].unchanged == len(times)
        assert report.counts["bars"].unchanged == len(times) + 1
        assert {name for name, _ in unsettled} >= {"bars", "orders", "executions"}
        assert [(name, n) for name, n in unsettled if n] == []
