"""One rebuild of a run at a time, across threads and (on PostgreSQL) across processes;
``RunLocks``, the locks per run of this process, serve stream batches too."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


class RunLocks:
    """One lock per run, in this process: what holds one run's lock waits for nobody
    holding another's. A run's lock lives while something holds it or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str | None, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, run_id: str | None) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(run_id, (threading.Lock(), 0))
            self._locks[run_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[run_id]
                if users == 1:
                    del self._locks[run_id]
                else:
                    self._locks[run_id] = (lock, users - 1)

    def __len__(self) -> int:
        """Runs whose lock is held or awaited."""
        with self._guard:
            return len(self._locks)


_rebuild_locks = RunLocks()


@contextmanager
def run_lock(engine: Engine, run_id: str) -> Iterator[None]:
    """Serialise rebuilds of ``run_id``.

    Threads of this process wait on a lock per run; on PostgreSQL a session advisory lock
    (on an autocommit connection, so it holds no transaction open) makes other processes
    wait too. SQLite allows one writer at a time anyway.
    """
    with _rebuild_locks.hold(run_id):
        if engine.dialect.name != "postgresql":
            yield
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            key = {"run_id": run_id}
            conn.execute(text("SELECT pg_advisory_lock(hashtextextended(:run_id, 0))"), key)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:run_id, 0))"), key)
