"""One stream batch: validate and upsert it, then hand its pairs to the debounced rebuild."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from ..ingest.report import ImportReport
from ..jobs.rebuild_scheduler import RebuildScheduler

CLOSING_STATUSES = frozenset({"COMPLETED", "FAILED"})


class RunLocks:
    """One lock per run: the batches of one run go in one at a time (sequence numbers of a
    run continue from its stored maximum, which two concurrent batches would both read);
    batches of different runs go in side by side. A run's lock lives while a batch of the
    run holds it or waits for it."""

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


def closes_run(payload: Any) -> bool:
    run = payload.get("run") if isinstance(payload, dict) else None
    status = run.get("status") if isinstance(run, dict) else None
    return isinstance(status, str) and status.strip().upper() in CLOSING_STATUSES


def batch_run_id(payload: Any) -> str | None:
    """The run a batch names, for its lock; spellings the batch checks may tell apart
    (a trailing Unicode space) share a lock, which only serialises more."""
    run = payload.get("run") if isinstance(payload, dict) else None
    run_id = run.get("run_id") if isinstance(run, dict) else None
    if run_id is None or isinstance(run_id, bool):
        return None
    return str(run_id).strip() or None


def ingest_stream_batch(
    engine: Engine,
    payload: Any,
    *,
    scheduler: RebuildScheduler,
    locks: RunLocks,
) -> ImportReport:
    """Raises BatchFormatError for a body that is not a batch object."""
    from ..ingest.stream import ingest_batch

    immediate = closes_run(payload)
    since: dict[tuple[str, str], int | None] = {}

    def schedule(report: ImportReport) -> None:
        scheduler.add(report.affected, immediate=immediate, since=since)

    with locks.hold(batch_run_id(payload)):
        return ingest_batch(
            engine, payload, source="stream", after_import=schedule, rebuild_from=since
        )
