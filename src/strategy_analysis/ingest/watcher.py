"""The folder watcher: imports every export file that appears in a directory.

A file is imported once it is complete: its size and modification time have not changed
for ``settle_seconds``, it is as long as its SQLite header says (a copy that stalls is
waited for, up to ``incomplete_seconds``), SQLite has no journal beside it and no other
connection holds a write lock on it. After the import the file moves to ``processed/``
(or ``failed/`` when it was refused or failed) with a JSON report beside it. A file this
watcher moved to ``failed/`` that changes there afterwards (a copy that went on into the
moved file) comes back to the folder and is tried again. A file whose sha256 matches an
earlier succeeded import is not imported again, across restarts too: the check is made
against ``import_records``, not against memory.

watchdog reports new files as they appear; a periodic rescan of the directory catches
files whose events were missed (network shares, files present at start).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from ..db.error_text import describe_error
from ..trades.analysis_failures import RebuildFailed
from .errors import ExportFileError
from .import_records import earlier_import, file_sha256, record_failure
from .importer import import_export_file
from .report import ImportReport
from .sqlite_header import read_header

log = logging.getLogger(__name__)

PROCESSED_DIR = "processed"
FAILED_DIR = "failed"
# Names an exporter or a copy tool uses while a file is not finished, and SQLite sidecars.
_IGNORED_SUFFIXES = (
    "-journal", "-wal", "-shm", ".tmp", ".part", ".partial", ".crdownload", ".json",
)  # fmt: skip

AfterImport = Callable[[ImportReport], object]  # what it returns is not used
Importer = Callable[..., ImportReport]


@dataclass(frozen=True)
class WatchOutcome:
    """What became of one file: its final place, the JSON report beside it, the report."""

    source_path: Path
    path: Path
    report_path: Path
    report: ImportReport

    @property
    def status(self) -> str:
        return self.report.status


def sqlite_write_locked(path: Path) -> bool:
    """True while a writer may still be working on the SQLite file at ``path``.

    A journal or WAL beside the file means a transaction is open or was not checkpointed
    (the file alone would be incomplete); otherwise try to take the write lock without
    waiting. A file that is not SQLite at all is not locked: the importer refuses it.
    """
    for suffix in ("-journal", "-wal"):
        if path.with_name(path.name + suffix).exists():
            return True
    try:
        con = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=0, isolation_level=None
        )
    except sqlite3.Error:
        return False
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        message = str(exc).lower()
        return "locked" in message or "busy" in message
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()
    return False


def missing_bytes(path: Path) -> int:
    """How many bytes the file lacks of the size its SQLite header gives (0 when it is
    complete, not SQLite, or its header does not say)."""
    try:
        header = read_header(path)
        size = path.stat().st_size
    except OSError:
        return 0
    declared = header.declared_size if header is not None else None
    return max(0, declared - size) if declared is not None else 0


def is_candidate(path: Path) -> bool:
    name = path.name
    return not (name.startswith((".", "~")) or name.lower().endswith(_IGNORED_SUFFIXES))


@dataclass
class _Pending:
    size: int
    mtime_ns: int
    stable_since: float
    attempts: int = 0
    retry_at: float = 0.0


class _Events(FileSystemEventHandler):
    def __init__(self, notify: Callable[[Path], None]) -> None:
        self._notify = notify

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._notify(Path(str(event.src_path)))

    def on_modified(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._notify(Path(str(event.src_path)))

    def on_closed(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._notify(Path(str(event.src_path)))

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._notify(Path(str(event.dest_path)))


class FolderWatcher:
    """Imports the complete export files of one directory (not its subdirectories).

    ``run(stop)`` watches until ``stop`` is set; ``poll()`` is one pass, for callers with
    their own loop (and tests). ``on_outcome`` is called for every file handled.
    """

    def __init__(
        self,
        engine: Engine,
        directory: str | Path,
        *,
        after_import: AfterImport | None = None,
        on_outcome: Callable[[WatchOutcome], None] | None = None,
        settle_seconds: float = 2.0,
        poll_seconds: float = 0.5,
        rescan_seconds: float = 10.0,
        retry_seconds: float = 30.0,
        max_attempts: int = 3,
        incomplete_seconds: float = 600.0,
        importer: Importer = import_export_file,
    ) -> None:
        self.engine = engine
        self.directory = Path(directory).resolve()
        self.processed_dir = self.directory / PROCESSED_DIR
        self.failed_dir = self.directory / FAILED_DIR
        self.after_import = after_import
        self.on_outcome = on_outcome
        self.settle_seconds = settle_seconds
        self.poll_seconds = poll_seconds
        self.rescan_seconds = rescan_seconds
        self.retry_seconds = retry_seconds
        self.max_attempts = max_attempts
        self.incomplete_seconds = incomplete_seconds
        self._importer = importer
        # Files this watcher moved to failed/: their state then, and their name before.
        self._failed_moves: dict[Path, tuple[tuple[int, int], str]] = {}
        self._pending: dict[Path, _Pending | None] = {}
        self._lock = threading.Lock()
        self._last_scan = float("-inf")

    # -- discovery -------------------------------------------------------------------

    def notify(self, path: Path) -> None:
        """A file appeared or changed (called from watchdog's thread)."""
        path = path.resolve() if not path.is_absolute() else path
        if path.parent != self.directory or not is_candidate(path):
            return
        with self._lock:
            self._pending.setdefault(path, None)

    def scan(self) -> None:
        """Queue every candidate file in the directory (at start, and now and then)."""
        self._last_scan = time.monotonic()
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if path.is_file():
                self.notify(path)

    # -- one pass --------------------------------------------------------------------

    def poll(self, stop: threading.Event | None = None) -> list[WatchOutcome]:
        """Import the files that have settled; returns what became of them.

        When ``stop`` is set, the pass ends after the file being imported.
        """
        if time.monotonic() - self._last_scan >= self.rescan_seconds:
            self.scan()
        self._take_back_changed_failures()
        outcomes = []
        for path in self._ready_files():
            if stop is not None and stop.is_set():
                break
            outcome: WatchOutcome | None
            try:
                outcome = self._handle(path)
            except Exception as exc:  # noqa: BLE001 - the watcher's outer loop must survive
                outcome = self._retry_later(path, exc)
            if outcome is not None:
                outcomes.append(outcome)
                if self.on_outcome is not None:
                    self.on_outcome(outcome)
        return outcomes

    def _ready_files(self) -> list[Path]:
        now = time.monotonic()
        ready = []
        with self._lock:
            candidates = list(self._pending.items())
        for path, state in candidates:
            try:
                stat = path.stat()
            except FileNotFoundError:
                with self._lock:
                    self._pending.pop(path, None)
                continue
            if state is None or (stat.st_size, stat.st_mtime_ns) != (state.size, state.mtime_ns):
                attempts = state.attempts if state is not None else 0
                with self._lock:
                    self._pending[path] = _Pending(stat.st_size, stat.st_mtime_ns, now, attempts)
                continue
            if now - state.stable_since < self.settle_seconds or now < state.retry_at:
                continue
            missing = missing_bytes(path)
            if missing and now - state.stable_since < self.incomplete_seconds:
                log.debug("%s: %d bytes short of its SQLite header's size", path.name, missing)
                continue
            if sqlite_write_locked(path):
                log.debug("%s: still being written (SQLite lock or journal)", path.name)
                continue
            ready.append(path)
        return sorted(ready)

    def _handle(self, path: Path) -> WatchOutcome:
        started = time.perf_counter()
        try:
            report = self._import(path, started)
        except ExportFileError as exc:
            # A refusal the importer raised instead of reporting: the file is not an export.
            report = ImportReport(
                status="refused",
                source="watch",
                file_name=path.name,
                size_bytes=path.stat().st_size,
                error=str(exc),
                duration_seconds=time.perf_counter() - started,
            )
        with self._lock:
            self._pending.pop(path, None)
        target_dir = (
            self.processed_dir if report.status in ("succeeded", "duplicate") else (self.failed_dir)
        )
        return self._move_with_report(path, target_dir, report)

    def _import(self, path: Path, started: float) -> ImportReport:
        sha256 = file_sha256(path)
        earlier = earlier_import(self.engine, sha256)
        if earlier is not None:
            return self._record_duplicate(path, sha256, earlier, started)
        log.info("importing %s (%d bytes)", path.name, path.stat().st_size)
        rebuild_errors: list[str] = []

        def rebuild(report: ImportReport) -> None:
            # The file is imported whether or not its trades can be rebuilt: a failed
            # rebuild is shown on its runs, and noted in the file's report.
            if self.after_import is None:
                return
            try:
                self.after_import(report)
            except RebuildFailed as failed:
                rebuild_errors.append(str(failed))

        report = self._importer(
            self.engine, path, source="watch", file_name=path.name, after_import=rebuild
        )
        report.warnings.extend(
            f"the trades could not be rebuilt ({error}); the runs show their analysis as failed"
            for error in rebuild_errors
        )
        return report

    def _record_duplicate(
        self, path: Path, sha256: str, earlier: int, started: float
    ) -> ImportReport:
        """Skip a file imported before, and keep a trace of it in the import history."""
        report = ImportReport(
            status="duplicate",
            source="watch",
            file_name=path.name,
            sha256=sha256,
            size_bytes=path.stat().st_size,
            error=f"already imported (import {earlier})",
            duplicate_of=earlier,
            duration_seconds=time.perf_counter() - started,
        )
        # Nothing is imported: the record only tells the history the file came again.
        report.import_id = record_failure(self.engine, report, None)
        log.info("%s: already imported (import %d), not imported again", path.name, earlier)
        return report

    def _retry_later(self, path: Path, exc: Exception) -> WatchOutcome | None:
        """An unexpected error (database down ...): keep the file and try again later."""
        if not path.exists():
            log.warning("%s: gone before it could be imported (%s)", path.name, exc)
            with self._lock:
                self._pending.pop(path, None)
            return None
        with self._lock:
            state = self._pending.get(path)
            attempts = (state.attempts if state else 0) + 1
            if state is not None:
                state.attempts = attempts
                state.retry_at = time.monotonic() + self.retry_seconds
        log.exception("%s: import attempt %d failed", path.name, attempts)
        if attempts < self.max_attempts:
            return None
        with self._lock:
            self._pending.pop(path, None)
        report = ImportReport(
            status="failed",
            source="watch",
            file_name=path.name,
            size_bytes=path.stat().st_size,
            error=f"{describe_error(exc)} (after {attempts} attempts)",
        )
        try:
            return self._move_with_report(path, self.failed_dir, report)
        except OSError:
            # Cannot even move it (permissions ...): leave it and stop trying.
            log.exception("%s: given up, and could not move it to %s", path.name, FAILED_DIR)
            return None

    def _move_with_report(self, path: Path, target_dir: Path, report: ImportReport) -> WatchOutcome:
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / path.name
        if target.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            target = target_dir / f"{path.stem}-{stamp}{path.suffix}"
        path.replace(target)
        if target_dir == self.failed_dir:
            stat = target.stat()
            self._failed_moves[target] = ((stat.st_size, stat.st_mtime_ns), path.name)
        report_path = target.with_name(target.name + ".json")
        document = report.model_dump(mode="json")
        document["moved_to"] = str(target)
        report_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
        log.info(
            "%s: %s -> %s (%s)",
            path.name,
            report.status,
            target.relative_to(self.directory),
            report.error or "ok",
        )
        return WatchOutcome(source_path=path, path=target, report_path=report_path, report=report)

    def _take_back_changed_failures(self) -> None:
        """A file moved to failed/ that changed since (a copy still writing into it) is
        moved back, its report removed, to be imported once it is complete."""
        for target, (moved_state, name) in list(self._failed_moves.items()):
            try:
                stat = target.stat()
            except FileNotFoundError:
                del self._failed_moves[target]
                continue
            if (stat.st_size, stat.st_mtime_ns) == moved_state:
                continue
            back = self.directory / name
            if back.exists():
                continue  # the name is taken again: try once it is free
            del self._failed_moves[target]
            target.replace(back)
            target.with_name(target.name + ".json").unlink(missing_ok=True)
            log.info("%s changed in %s after it failed: trying it again", name, FAILED_DIR)
            self.notify(back)

    # -- the loop --------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Watch until ``stop`` is set; the file being imported at that moment finishes."""
        self.directory.mkdir(parents=True, exist_ok=True)
        observer = Observer()
        observer.schedule(_Events(self.notify), str(self.directory), recursive=False)
        observer.start()
        log.info("watching %s", self.directory)
        try:
            self.scan()
            while not stop.is_set():
                self.poll(stop)
                stop.wait(self.poll_seconds)
        finally:
            observer.stop()
            observer.join(timeout=5)
            log.info("stopped watching %s", self.directory)
