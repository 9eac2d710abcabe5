"""Read an export's chunks ahead of the database, in order.

SQLite checks and formats a chunk with the GIL released, so a reader works while the
main thread copies the previous chunk. Small files have one reader thread. Large ones
have reader processes (``processes``): two SQLite connections in one process serialise
on SQLite's allocator mutex (two threads read slower than one), while two processes
read twice as fast, and once a large new run's rows go into partitions of their own the
database waits on the reading. A reader process dies with the thread that started it,
so a killed server leaves none behind.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

from .copy_text import ChunkTask, CopyChunk, read_chunk
from .export_file import ExportFile, ExportLocation

K = TypeVar("K")
_PR_SET_PDEATHSIG = 1

# The export a reader process has open (one per process).
_process_export: list[ExportFile] = []


def _start_reader_process(parent: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _read_in_process(location: Path | ExportLocation, task: ChunkTask) -> CopyChunk:
    # Opened by the first task, so a damaged file fails that task with its reason.
    if not _process_export:
        _process_export.append(ExportFile.open(location))
    return read_chunk(_process_export[0], task)


def read_in_order(
    location: Path | ExportLocation,
    items: Iterable[tuple[K, ChunkTask | None]],
    *,
    ahead: int = 6,
    processes: int = 0,
) -> Iterator[tuple[K, CopyChunk | None]]:
    """(key, chunk) for each (key, task), in the order given, at most ``ahead`` chunks read
    in advance by a thread with its own connection to the export (or by ``processes``
    reader processes, each with its own); a None task (an end marker) comes back as a None
    chunk."""
    opened: list[ExportFile] = []

    def read(task: ChunkTask) -> CopyChunk:
        if not opened:
            opened.append(ExportFile.open(location))
        return read_chunk(opened[0], task)

    pool: Executor
    if processes > 0:
        # spawn, not fork: the server has threads (and open connections) a fork would copy.
        pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_reader_process,
            initargs=(os.getpid(),),
        )
        reader: Callable[[ChunkTask], CopyChunk] = partial(_read_in_process, location)
    else:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-reader")
        reader = read
    pending: deque[tuple[K, Future[CopyChunk] | None]] = deque()
    remaining = iter(items)

    def submit_ahead() -> None:
        while len(pending) < ahead:
            item = next(remaining, None)
            if item is None:
                return
            key, task = item
            pending.append((key, pool.submit(reader, task) if task is not None else None))

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
