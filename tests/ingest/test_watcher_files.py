"""When a file in the watched folder counts as complete (no database needed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from strategy_analysis.ingest.watcher import is_candidate, sqlite_write_locked


def _make_db(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE Orders (order_id TEXT)")
    con.commit()
    con.close()


def test_open_write_transaction_locks_the_file(tmp_path: Path) -> None:
    path = tmp_path / "export.sqlite"
    _make_db(path)
    assert not sqlite_write_locked(path)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO Orders VALUES ('A')")
        assert sqlite_write_locked(path)
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert not sqlite_write_locked(path)
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM Orders").fetchone()[0] == 1
    con.close()


@pytest.mark.parametrize("sidecar", ["-journal", "-wal"])
def test_journal_beside_the_file_means_unfinished(tmp_path: Path, sidecar: str) -> None:
    path = tmp_path / "export.sqlite"
    _make_db(path)
    (tmp_path / f"export.sqlite{sidecar}").write_bytes(b"x")
    assert sqlite_write_locked(path)


def test_a_file_that_is_not_sqlite_is_not_locked(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("this is not a database\n" * 50)
    assert not sqlite_write_locked(path)
    assert path.read_text().startswith("this is not")  # the check did not touch it


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("run.sqlite", True),
        ("export", True),
        ("Trades.DB", True),
        ("run.sqlite-journal", False),
        ("run.sqlite-wal", False),
        ("run.sqlite-shm", False),
        (".hidden.sqlite", False),
        ("~lock.sqlite", False),
        ("run.sqlite.part", False),
        ("run.sqlite.json", False),
    ],
)
def test_candidate_names(name: str, expected: bool) -> None:
    assert is_candidate(Path("/x") / name) is expected
