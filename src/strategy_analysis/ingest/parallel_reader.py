"""Read an export's chunks ahead of the database, in order.

SQLite checks and formats a chunk with the GIL released, so one reader thread works
while the main thread copies the previous chunk. Two SQLite connections in one process
do not add up: they serialise on SQLite's allocator mutex. A big file is therefore read
by worker processes, each with its own connection, so the reading has both cores while
the database waits on it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import TypeVar

from .copy_text import ChunkTask, CopyChunk, read_chunk
from .export_file import ExportFile

K = TypeVar("K")
log = logging.getLogger(__name__)
READER_NICENESS = 10

# Per worker process: the export it reads (one import at a time per pool).
_worker_export: ExportFile | None = None


def _read_in_worker(path: str, task: ChunkTask) -> CopyChunk:
    global _worker_export
    if _worker_export is None or str(_worker_export.path) != path:
        if _worker_export is not None:
            _worker_export.close()
        _worker_export = ExportFile.open(path)
    return read_chunk(_worker_export, task)


def _worker_ready() -> bool:
    return True


def _lower_priority() -> None:
    # The database is the other side of the pipe: when both want the cores, it goes first.
    os.nice(READER_NICENESS)


def _process_pool(workers: int) -> ProcessPoolExecutor | None:
    """Worker processes forked from a clean server process (never from this threaded one),
    or None when they cannot start (e.g. a main script without a ``__main__`` guard)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload([__name__])  # type: ignore[attr-defined]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_lower_priority)
    try:
        pool.submit(_worker_ready).result()
    except (BrokenProcessPool, OSError, RuntimeError) as exc:
        log.warning("reader processes did not start (%s); reading in a thread", exc)
        pool.shutdown(wait=True, cancel_futures=True)
        return None
    return pool


def read_in_order(
    path: Path,
    items: Iterable[tuple[K, ChunkTask | None]],
    *,
    processes: int = 0,
    ahead: int = 6,
) -> Iterator[tuple[K, CopyChunk | None]]:
    """(key, chunk) for each (key, task), in the order given, at most ``ahead`` chunks read
    in advance, by ``processes`` worker processes (0: one thread); a None task (an end
    marker) comes back as a None chunk."""
    local = threading.local()
    opened: list[ExportFile] = []

    def read_in_thread(task: ChunkTask) -> CopyChunk:
        export = getattr(local, "export", None)
        if export is None:
            export = local.export = ExportFile.open(path)
            opened.append(export)
        return read_chunk(export, task)

    worker_processes = _process_pool(processes) if processes > 0 else None
    pool: Executor
    submit: Callable[[ChunkTask], Future[CopyChunk]]
    if worker_processes is not None:
        pool = worker_processes
        submit = partial(pool.submit, _read_in_worker, str(path))
    else:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-reader")
        submit = partial(pool.submit, read_in_thread)

    pending: deque[tuple[K, Future[CopyChunk] | None]] = deque()
    remaining = iter(items)

    def submit_ahead() -> None:
        while len(pending) < ahead:
            item = next(remaining, None)
            if item is None:
                return
            key, task = item
            pending.append((key, submit(task) if task is not None else None))

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
