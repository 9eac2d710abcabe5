"""One rebuild of a run at a time, across threads and (on PostgreSQL) across processes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

_registry_lock = threading.Lock()
_thread_locks: dict[str, threading.Lock] = {}


def _thread_lock(run_id: str) -> threading.Lock:
    with _registry_lock:
        return _thread_locks.setdefault(run_id, threading.Lock())


@contextmanager
def run_lock(engine: Engine, run_id: str) -> Iterator[None]:
    """Serialise rebuilds of ``run_id``.

    Threads of this process wait on a lock per run; on PostgreSQL a session advisory lock
    (on an autocommit connection, so it holds no transaction open) makes other processes
    wait too. SQLite allows one writer at a time anyway.
    """
    with _thread_lock(run_id):
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
