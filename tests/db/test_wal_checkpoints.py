"""SQLite: the platform's connections leave WAL checkpoints to a background thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from strategy_analysis.db import wal_checkpoints
from strategy_analysis.db.engine import make_engine

BLOB = 8 * 1024 * 1024


def _checkpoint_threads(path: Path) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"wal-checkpoints {path.name}"]


def _wait_for(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_commits_are_checkpointed_by_the_thread_not_the_connection(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
            conn.execute(text("CREATE TABLE big (b BLOB)"))
            conn.execute(text("INSERT INTO big VALUES (zeroblob(:n))"), {"n": BLOB})
        # Nothing else checkpoints (every connection has auto-checkpoints off): the
        # database file grows by the blob only when the thread copies the WAL into it.
        assert _wait_for(lambda: path.stat().st_size >= BLOB), path.stat().st_size
        assert len(_checkpoint_threads(path)) == 1
        with engine.connect() as conn:
            assert conn.execute(text("SELECT length(b) FROM big")).scalar() == BLOB
    finally:
        engine.dispose()


def test_dispose_ends_the_thread_and_a_new_connection_starts_it(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (a)"))
    assert len(_checkpoint_threads(path)) == 1
    engine.dispose()
    assert _checkpoint_threads(path) == []
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (zeroblob(:n))"), {"n": BLOB})
    try:
        assert len(_checkpoint_threads(path)) == 1
        assert _wait_for(lambda: path.stat().st_size >= BLOB)
    finally:
        engine.dispose()
    assert _checkpoint_threads(path) == []


def test_the_wal_file_is_cut_back_after_a_big_write(tmp_path: Path) -> None:
    """With auto-checkpoints off nothing else would shrink a WAL a big import grew."""
    path = tmp_path / "app.db"
    wal = Path(f"{path}-wal")
    engine = make_engine(f"sqlite:///{path}", sqlite_journal_size_limit=1024 * 1024)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE big (b BLOB)"))
            conn.execute(text("INSERT INTO big VALUES (zeroblob(:n))"), {"n": BLOB})
        assert wal.stat().st_size >= BLOB

        # The first write after the whole WAL is checkpointed starts it over, and truncates
        # it to the limit. The database file grows while the checkpoint still runs, so
        # write until one lands after it.
        def write_and_cut_back() -> bool:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO big VALUES (1)"))
            return wal.stat().st_size <= 1024 * 1024

        assert _wait_for(write_and_cut_back)
    finally:
        engine.dispose()


def test_a_database_file_that_is_gone_is_not_created_again(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    checkpointer = wal_checkpoints.WalCheckpointer(str(path), interval=0.01)
    Path(f"{path}-wal").write_bytes(b"")  # a WAL left behind, its database removed
    checkpointer.start()
    try:
        time.sleep(0.2)
    finally:
        checkpointer.stop()
    assert not path.exists()


def test_a_failing_checkpoint_is_logged_once_per_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not an SQLite database" * 1000)
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")
    checkpointer = wal_checkpoints.WalCheckpointer(str(path), interval=0.01)
    caplog.set_level("WARNING", logger=wal_checkpoints.__name__)
    checkpointer.start()
    try:
        assert _wait_for(lambda: len(caplog.records) >= 1)
        time.sleep(0.2)  # the WAL did not change: no second warning
        assert len(caplog.records) == 1
        wal.write_bytes(b"x")  # it changed: tried, and logged, again
        assert _wait_for(lambda: len(caplog.records) >= 2)
    finally:
        checkpointer.stop()
    # a file that is not a database fails as it is opened
    assert all("broken.db" in r.getMessage() for r in caplog.records)
    assert "not a database" in caplog.records[0].getMessage()
