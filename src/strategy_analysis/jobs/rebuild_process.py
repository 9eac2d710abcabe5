"""The stream's trade rebuilds in a process of their own (PostgreSQL).

A rebuild computes in Python for a good part of its time. In the server's process it
holds the GIL that stream batches need back after each round trip to the database, so
every batch answered while a rebuild runs is slower; in a child process it runs on the
other core instead. The child keeps its engine and its RunTradesCache from one rebuild
to the next; the events a rebuild publishes go to the database's event log from the child
(jobs/shared_events.py), as soon as each run's rebuild commits; a rebuild that fails comes
back as its RebuildFailed, which the server raises. Rebuilds of one run still exclude each other across processes
(PostgreSQL advisory locks, trades/run_lock.py), which is why SQLite keeps them in the
server's process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sqlalchemy import Engine

from ..trades.analysis_failures import RebuildFailed
from ..trades.rebuild import RebuildResult

Pair = tuple[str, str]
PARENT_CHECK_SECONDS = 0.5

# Set in the child by _start_child.
_engine: Any = None
_cache: Any = None
_events: Any = None


def _exit_with_parent(parent: int) -> None:
    # A server killed outright (SIGKILL) cannot stop its child: the child notices that
    # it was handed to another parent and ends.
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _start_child(database_url: str, log_level: int, parent: int) -> None:
    global _engine, _cache, _events
    from ..db.engine import make_engine
    from ..trades.run_trades import RunTradesCache
    from .shared_events import SharedEventBus

    threading.Thread(
        target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True
    ).start()

    logging.basicConfig(
        level=log_level,
        format="%(asctime)s %(levelname)s %(name)s [rebuild process]: %(message)s",
        stream=sys.stderr,
    )
    _engine = make_engine(database_url)
    _cache = RunTradesCache()
    _events = SharedEventBus(_engine)


def _ready() -> bool:
    return _engine is not None


def _rebuild_in_child(since: dict[Pair, int | None]) -> RebuildResult | RebuildFailed:
    from ..trades.incremental import rebuild_since

    try:
        return rebuild_since(_engine, since, event_bus=_events, cache=_cache)
    except RebuildFailed as failed:
        # Returned, not raised: the server raises it (its analysis_failed events are in
        # the event log already).
        return failed


class ProcessRebuilds:
    """``rebuild(since)`` for the RebuildScheduler, run in one child process
    (started with ``spawn``: the server has threads, which ``fork`` would not carry)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._pool: ProcessPoolExecutor | None = None
        self._guard = threading.Lock()

    @classmethod
    def for_engine(cls, engine: Engine) -> ProcessRebuilds | None:
        """A child process for the engine's PostgreSQL database; None on SQLite, whose
        rebuild lock holds within one process only (trades/run_lock.py)."""
        if engine.dialect.name != "postgresql":
            return None
        return cls(engine.url.render_as_string(hide_password=False))

    def start(self) -> None:
        """Start the child now, so the first rebuild does not wait for its imports."""
        self._executor().submit(_ready)

    def _executor(self) -> ProcessPoolExecutor:
        with self._guard:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_child,
                    initargs=(
                        self.database_url,
                        logging.getLogger().getEffectiveLevel(),
                        os.getpid(),
                    ),
                )
            return self._pool

    def __call__(self, since: Mapping[Pair, int | None]) -> RebuildResult:
        """Rebuild in the child; its events reach the servers through the event log."""
        pool = self._executor()
        try:
            result = pool.submit(_rebuild_in_child, dict(since)).result()
        except BrokenProcessPool:
            # The child died (killed, out of memory): the next rebuild starts a new one.
            with self._guard:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        if isinstance(result, RebuildFailed):
            raise result
        return result

    def stop(self) -> None:
        with self._guard:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
