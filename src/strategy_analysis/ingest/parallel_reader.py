"""Read an export's chunks in several threads, each on its own SQLite connection, and
hand them out in order.

SQLite releases the GIL while it checks and formats a chunk, so two readers keep two
cores busy while the database takes the chunks already read.
"""

from __future__ import annotations

import threading
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
    workers: int = 2,
    ahead: int = 6,
) -> Iterator[tuple[K, CopyChunk | None]]:
    """(key, chunk) for each (key, task), in the order given, at most ``ahead`` chunks read
    in advance; a None task (an end marker) comes back as a None chunk."""
    local = threading.local()
    opened: list[ExportFile] = []
    lock = threading.Lock()

    def read(task: ChunkTask) -> CopyChunk:
        export = getattr(local, "export", None)
        if export is None:
            export = local.export = ExportFile.open(path)
            with lock:
                opened.append(export)
        return read_chunk(export, task)

    pending: deque[tuple[K, Future[CopyChunk] | None]] = deque()
    remaining = iter(items)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export-reader")

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
