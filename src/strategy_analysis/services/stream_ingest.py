"""One stream batch: validate and upsert it, then hand its pairs to the debounced rebuild."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine

from ..ingest.report import ImportReport
from ..jobs.rebuild_scheduler import RebuildScheduler

CLOSING_STATUSES = frozenset({"COMPLETED", "FAILED"})


def closes_run(payload: Any) -> bool:
    run = payload.get("run") if isinstance(payload, dict) else None
    status = run.get("status") if isinstance(run, dict) else None
    return isinstance(status, str) and status.strip().upper() in CLOSING_STATUSES


def ingest_stream_batch(
    engine: Engine,
    payload: Any,
    *,
    scheduler: RebuildScheduler,
    lock: threading.Lock,
) -> ImportReport:
    """Raises BatchFormatError for a body that is not a batch object."""
    from ..ingest.stream import ingest_batch

    immediate = closes_run(payload)
    since: dict[tuple[str, str], int | None] = {}

    def schedule(report: ImportReport) -> None:
        scheduler.add(report.affected, immediate=immediate, since=since)

    # Batches of one process go in one at a time: sequence numbers of a run continue from
    # its stored maximum, which two concurrent batches would both read.
    with lock:
        return ingest_batch(
            engine, payload, source="stream", after_import=schedule, rebuild_from=since
        )
