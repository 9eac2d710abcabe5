"""One stream batch: validate and upsert it, then hand its pairs to the debounced rebuild."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from ..ingest.report import ImportReport
from ..jobs.rebuild_scheduler import RebuildScheduler
from ..trades.run_lock import RunLocks

CLOSING_STATUSES = frozenset({"COMPLETED", "FAILED"})


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
    """Raises BatchFormatError for a body that is not a batch object (or whose run cannot
    be stored), StoreFailedError when the database failed to store it."""
    from ..ingest.stream import store_batch

    immediate = closes_run(payload)
    # The batches of one run go in one at a time (sequence numbers of a run continue from
    # its stored maximum, which two concurrent batches would both read); batches of
    # different runs go in side by side.
    with locks.hold(batch_run_id(payload)):
        stored = store_batch(engine, payload, source="stream")
        scheduler.add(stored.report.affected, immediate=immediate, since=stored.rebuild_from)
        return stored.report
