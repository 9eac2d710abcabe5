"""SQLite: WAL checkpoints in a thread of their own instead of in the committing connection.

By default SQLite checkpoints in the connection whose commit takes the WAL past 1,000
pages: the commit of a big import then also copies its whole WAL into the database file
(0.66 GB, about 2.5 s, for 1M executions) before it returns. The platform's connections
turn that off, and a ``WalCheckpointer`` per engine copies committed pages in the
background (PASSIVE: it never waits for, nor blocks, a reader or a writer), as
PostgreSQL's checkpointer does. A commit is as durable either way (``synchronous=NORMAL``
in WAL mode).
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# After a checkpoint the next write starts the WAL over; this caps the file it leaves.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024


class WalCheckpointer:
    """Checkpoints one database file's WAL whenever it changed, every ``interval`` seconds.

    ``on_connect`` (an engine "connect" listener) turns the connection's auto-checkpoint
    off and starts the thread; ``stop`` (at the engine's dispose, or at exit) ends it."""

    def __init__(
        self, path: str, interval: float = 0.25, journal_size_limit: int = JOURNAL_SIZE_LIMIT
    ) -> None:
        self.path = path
        self.journal_size_limit = journal_size_limit
        self.wal_path = f"{path}-wal"
        self.interval = interval
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def on_connect(self, dbapi_connection: sqlite3.Connection, _record: object = None) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
        dbapi_connection.execute(f"PRAGMA journal_size_limit={int(self.journal_size_limit)}")
        self.start()

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name=f"wal-checkpoints {os.path.basename(self.path)}", daemon=True
            )
            self._thread.start()
            atexit.register(self.stop)

    def stop(self, *_args: object) -> None:
        """End the thread, after the checkpoint it may be running."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._stopping.set()
            atexit.unregister(self.stop)
        thread.join()

    def _wal_state(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.wal_path)
        except FileNotFoundError:
            return None  # no WAL: nothing to copy (the last connection removed it)
        return stat.st_size, stat.st_mtime_ns

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        seen = None
        try:
            while not self._stopping.wait(self.interval):
                state = self._wal_state()
                if state is None or state == seen:
                    continue
                if conn is None:
                    conn = self._connect()
                    if conn is None:
                        seen = state  # tried again once the WAL changes
                        continue
                seen = self._checkpoint(conn, state)
        finally:
            if conn is not None:
                conn.close()

    def _connect(self) -> sqlite3.Connection | None:
        # mode=rw: a database file that is gone is not created again
        uri = f"{Path(self.path).resolve().as_uri()}?mode=rw"
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            if conn is not None:  # opened, but not a database it can use
                conn.close()
            log.warning("WAL checkpoints of %s: cannot open it: %s", self.path, exc)
            return None
        return conn

    def _checkpoint(self, conn: sqlite3.Connection, state: tuple[int, int]) -> tuple[int, int]:
        """Copy every committed page a reader does not still need. The WAL state settled:
        ``state``, as seen before, unless pages had to stay (a change a writer makes
        meanwhile shows as another state)."""
        try:
            busy, pages, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            # A checkpoint left undone is retried at the next change; a failing one is logged.
            log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
            return state
        if busy or done < pages:
            return (-1, -1)  # pages left behind: try again next time
        return state
