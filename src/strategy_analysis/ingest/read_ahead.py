"""Read an export's chunks ahead of the database, in order.

SQLite checks and formats a chunk with the GIL released, so a reader thread works while
the main thread copies the previous chunk. One reader, not more: two SQLite connections
in one process serialise on SQLite's allocator mutex, and on two cores the database
needs the other one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from .copy_text import ChunkTask, CopyChunk, read_chunk
from .export_file import ExportFile

K = TypeVar("K")


def read_in_order(
    path: Path,
    items: Iterable[tuple[K, ChunkTask | None]],
    *,
    ahead: int = 6,
) -> Iterator[tuple[K, CopyChunk | None]]:
    """(key, chunk) for each (key, task), in the order given, at most ``ahead`` chunks read
    in advance by a thread with its own connection to the export; a None task (an end
    marker) comes back as a None chunk."""
    opened: list[ExportFile] = []

    def read(task: ChunkTask) -> CopyChunk:
        if not opened:
            opened.append(ExportFile.open(path))
        return read_chunk(opened[0], task)

    pending: deque[tuple[K, Future[CopyChunk] | None]] = deque()
    remaining = iter(items)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-reader")

    def submit_ahead() -> None:
        while len(pending) < ahead:
            item = next(remaining, None)
            if item is None:
                return
            key, task = item
            pending.append((key, pool.submit(read, task) if task is not None else None))

    try:
        submit_ahead()
        while pending:
            key, future = pending.popleft()
            submit_ahead()
            yield key, (future.result() if future is not None else None)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for export in opened:
            export.close()
