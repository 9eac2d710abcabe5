"""The export-file reader: what it refuses, and how it finds tables and columns."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from ingest.export_factory import execution, order, write_export

from strategy_analysis.ingest.errors import ExportFileError
from strategy_analysis.ingest.export_file import ExportFile

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_prototype_file_reads_as_schema_10() -> None:
    with ExportFile.open(FIXTURES / "prototype-export-1.0.sqlite") as export:
        assert export.schema_version == "1.0"
        assert set(export.tables) == {"bars", "orders", "executions"}
        rows = [row for chunk in export.chunks("orders") for row in chunk.rows]
    assert rows == [
        (1, "ORD-001", None, "TEST_STRAT", "1.0", "ACC-1", "EURUSD", "BUY", "MARKET", "GTC",
         "2025-01-01 10:00:00.000000", 1.1, None, 1.0, "FILLED", None, None, None, None)
    ]  # fmt: skip


def test_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("order_id,price\nO1,1.0\n" * 20)
    with pytest.raises(ExportFileError, match="not a SQLite database"):
        ExportFile.open(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    with pytest.raises(ExportFileError, match="not a SQLite database"):
        ExportFile.open(path)


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "full.sqlite", orders=[order(f"O{i}", meta_json="{}") for i in range(2000)]
    )
    data = path.read_bytes()
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExportFileError, match="truncated"):
        ExportFile.open(cut)


def test_corrupt_pages_are_refused(tmp_path: Path) -> None:
    path = write_export(tmp_path / "bad.sqlite", orders=[order(f"O{i}") for i in range(2000)])
    data = bytearray(path.read_bytes())
    page = 4096
    data[page : page * 3] = b"\xff" * (page * 2)  # wreck the first pages after the header page
    path.write_bytes(bytes(data))
    with pytest.raises(ExportFileError, match="corrupt|not a database|malformed"):
        with ExportFile.open(path) as export:
            for _ in export.chunks("orders"):
                pass


def test_file_without_export_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE Customers (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(
        ExportFileError, match="none of the tables Bars, Orders, Executions"
    ) as info:
        ExportFile.open(path)
    assert "Customers" in str(info.value)


def test_unsupported_schema_version_is_refused(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "v2.sqlite", metadata={"schema_version": "2.0"}, orders=[order()]
    )
    with pytest.raises(ExportFileError, match=r"'2\.0'.*supported: 1\.0, 1\.1"):
        ExportFile.open(path)


def test_names_match_case_insensitively_and_extras_are_ignored(tmp_path: Path) -> None:
    columns = (
        "EXECUTION_ID",
        "Order_Id",
        "symbol",
        "SIDE",
        "Exec_Time_UTC",
        "PRICE",
        "quantity",
        "extra_col",
    )
    path = write_export(
        tmp_path / "caps.sqlite",
        metadata={"SCHEMA_VERSION": "1.1", "run_id": "R"},
        executions=[execution(extra_col="ignored")],
        names={"Executions": "EXECUTIONS", "Metadata": "metadata"},
        columns={"Executions": columns},
    )
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE Notes (text TEXT)")
    con.commit()
    con.close()
    with ExportFile.open(path) as export:
        assert export.schema_version == "1.1"
        assert set(export.tables) == {"executions"}
        rows = [row for chunk in export.chunks("executions") for row in chunk.rows]
    # missing optional columns read as NULL; fee defaults to 0
    assert rows == [
        (1, "E1", "O1", None, None, "ES 12-25", "BUY", "2025-01-06 10:00:00.500000", 5000.0, 1.0, 0.0, None, None)
    ]  # fmt: skip


def test_file_is_not_modified(tmp_path: Path) -> None:
    source = FIXTURES / "prototype-export-1.0.sqlite"
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(source, copy)
    with ExportFile.open(copy) as export:
        list(export.chunks("orders"))
    assert copy.read_bytes() == source.read_bytes()
