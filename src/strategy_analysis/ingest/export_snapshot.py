"""Reading an export that another process may be writing: see it change, take a snapshot.

A strategy's exporter may still be writing the file being imported. Reading it in place
is safe only while nothing changes it: ``FileState`` is what the import compares before
it commits. When the file was changing (or a -journal or -wal beside it says a writer
is at work), the import reads a ``snapshot`` instead: a private copy taken through
SQLite's backup API under SQLite's own locking, so it holds exactly one committed state,
the records of the -wal included, and the user's folder gets no file of ours.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ExportFileError
from .export_file import ExportLocation
from .sqlite_header import HEADER_BYTES, SqliteHeader, read_header, sidecar

log = logging.getLogger(__name__)

# How long the snapshot waits for a writer's lock (a writer's transaction in progress).
LOCK_TIMEOUT_SECONDS = 30.0
# A -wal left by a writer that stopped is copied as bytes; this many tries when the file
# changes while it is copied (a writer came back).
COPY_TRIES = 3


class ExportChangedError(ExportFileError):
    """The export changed while it was read: another process is writing it."""


@dataclass(frozen=True)
class FileState:
    """What changes when a process writes the export: its size, modification time and
    change counter, and the size and time of its -wal (None: there is none)."""

    size: int
    mtime_ns: int
    change_counter: int | None
    wal: tuple[int, int] | None

    @classmethod
    def current(cls, path: Path) -> FileState | None:
        """The file's state; None when it cannot be read (the import then says why)."""
        try:
            return cls.of(path)
        except OSError:
            return None

    @classmethod
    def of(cls, path: Path, descriptor: int | None = None) -> FileState:
        """The state of the file at ``path``; its header read through ``descriptor`` when
        given (see importer.py: a descriptor of the export must not be closed)."""
        stat = path.stat()
        if descriptor is not None:
            header = SqliteHeader.parse(os.pread(descriptor, HEADER_BYTES, 0))
        else:
            header = read_header(path)
        wal = sidecar(path, "-wal")
        try:
            wal_stat = wal.stat()
        except FileNotFoundError:
            wal_state = None
        else:
            wal_state = (wal_stat.st_size, wal_stat.st_mtime_ns)
        return cls(
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            change_counter=header.change_counter if header is not None else None,
            wal=wal_state,
        )


def being_written(path: Path) -> bool:
    """A -journal (a transaction in progress) or a -wal (a WAL connection, or records not
    yet in the file) beside the export: reading it in place would miss or tear records."""
    return sidecar(path, "-journal").exists() or sidecar(path, "-wal").exists()


@contextmanager
def snapshot(location: ExportLocation) -> Iterator[ExportLocation]:
    """A private copy of the export holding one committed state of it (with what its -wal
    holds), read immutable; removed on exit."""
    directory = Path(tempfile.mkdtemp(prefix="export-snapshot-"))
    try:
        copy = directory / "snapshot.sqlite"
        source = location.path
        if sidecar(source, "-wal").exists() and not sidecar(source, "-shm").exists():
            # A -wal without its index: no connection has the file open (SQLite keeps a
            # -shm while one has). A read-only connection would create the -shm beside
            # the file and leave it there, so the bytes are copied instead.
            _copy_with_wal(location, copy)
        else:
            _backup(location, copy)
        log.info("%s: reading a snapshot of it (%d bytes)", location.name, copy.stat().st_size)
        yield ExportLocation(copy, location.name, immutable=True)
    finally:
        shutil.rmtree(directory, onerror=_log_leftover)


def _backup(location: ExportLocation, copy: Path) -> None:
    source = sqlite3.connect(
        f"{location.path.resolve().as_uri()}?mode=ro", uri=True, timeout=LOCK_TIMEOUT_SECONDS
    )
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
            # One file, however the source journals: the copy is then read immutable.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except sqlite3.OperationalError as exc:
        message = str(exc).lower()
        if "locked" in message or "busy" in message:
            raise ExportFileError(
                f"{location.name} is being written by another process, which held it locked "
                f"for {LOCK_TIMEOUT_SECONDS:.0f} s: import it once its exporter has closed it"
            ) from None
        raise _unreadable(location, exc) from None
    except sqlite3.DatabaseError as exc:
        raise _unreadable(location, exc) from None
    finally:
        source.close()


def _copy_with_wal(location: ExportLocation, copy: Path) -> None:
    source = location.path
    for _ in range(COPY_TRIES):
        before = FileState.of(source)
        shutil.copyfile(source, copy)
        shutil.copyfile(sidecar(source, "-wal"), sidecar(copy, "-wal"))
        if FileState.of(source) == before:
            break
    else:
        raise ExportChangedError(
            f"{location.name} kept changing while it was copied: another process is writing "
            "it; import it once its exporter has closed it"
        )
    # The copy's own connection moves the -wal's records into it (in the private folder).
    conn = sqlite3.connect(copy)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as exc:
        raise _unreadable(location, exc) from None
    finally:
        conn.close()


def _unreadable(location: ExportLocation, exc: sqlite3.Error) -> ExportFileError:
    if "readonly" in str(exc).lower() or "read-only" in str(exc).lower():
        # A -journal whose writer stopped mid-transaction: only a writer can roll it back.
        return ExportFileError(
            f"{location.name} has an unfinished transaction (its -journal) of a writer that "
            "stopped: open it once with its exporter or SQLite to roll it back, then import it"
        )
    return ExportFileError(f"{location.name} cannot be read: {exc}")


def _log_leftover(_function: object, path: str, _exc_info: object) -> None:
    log.warning("could not remove %s (snapshot of an export)", path)
