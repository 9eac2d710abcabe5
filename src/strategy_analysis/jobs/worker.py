"""The import worker: a thread in the server process that runs queued jobs one at a time.

It resumes jobs a stopped server left behind, reports progress (in memory for every
dialect, on the job's row on PostgreSQL, and as ``job_progress`` events), rebuilds the
affected trades after a successful import, and publishes ``job_finished``.

A transient database error (the connection lost, a lock not granted in time) fails an
attempt, not the job: the import, or the rebuild after it, is tried again after a pause
(``job_retrying`` events), up to the RetryPolicy's attempts. The uploaded file is kept
until the job has succeeded or failed for good. A failed job says which phase failed:
when the rebuild fails, the import stays committed and its report stays on the job.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine

from ..db.error_text import describe_error
from ..db.errors import DATABASE_ERRORS
from ..events import EventBus
from ..ingest.errors import BatchFormatError, ExportFileError
from ..ingest.file_kinds import FileKind, sniff_file
from ..ingest.report import ImportReport
from ..trades.analysis_failures import RebuildFailed
from . import queue
from .boundary import run_guarded
from .retry import RetryPolicy, worth_retrying

log = logging.getLogger(__name__)

# What a job is retried after (when transient): a failed rebuild, a database error.
RETRIED_ERRORS: tuple[type[BaseException], ...] = (RebuildFailed, *DATABASE_ERRORS)

T = TypeVar("T")

# Job rows are written at most this often while an import runs (PostgreSQL only: on
# SQLite the import holds the single write lock, so progress stays in memory).
PROGRESS_ROW_SECONDS = 1.0
PROGRESS_EVENT_SECONDS = 0.25
# How often an idle worker looks for jobs queued by other processes, and by default for
# jobs that a dead process left running (PostgreSQL; Settings.job_recover_seconds).
POLL_SECONDS = 1.0
RECOVER_SECONDS = 30.0
IMPORT_PHASE = "import"
REBUILD_PHASE = "rebuild"


class WorkerStopping(Exception):
    """Raised from the progress callback to end an import early when the server stops."""


class _Progress:
    def __init__(self, worker: ImportWorker, job_id: str) -> None:
        self.worker = worker
        self.job_id = job_id
        self.last_event = 0.0
        self.last_row = time.monotonic()

    def __call__(self, done: int, total: int | None) -> None:
        if self.worker.stopping.is_set():
            raise WorkerStopping(f"server stopping during job {self.job_id}")
        self.worker.progress[self.job_id] = (int(done), None if total is None else int(total))
        now = time.monotonic()
        if now - self.last_event >= PROGRESS_EVENT_SECONDS or done == total:
            self.last_event = now
            self.worker.event_bus.publish(
                "job_progress", job_id=self.job_id, done=done, total=total
            )
        if self.worker.postgres and now - self.last_row >= PROGRESS_ROW_SECONDS:
            self.last_row = now
            queue.record_progress(self.worker.engine, self.job_id, int(done), total)


class ImportWorker:
    def __init__(
        self,
        engine: Engine,
        event_bus: EventBus,
        *,
        max_decompressed_bytes: int,
        retry: RetryPolicy | None = None,
        upload_store: str | None = None,
        recover_seconds: float = RECOVER_SECONDS,
    ) -> None:
        self.engine = engine
        self.recover_seconds = recover_seconds
        # The uploads folder this process reads: it claims only jobs whose file is there.
        self.upload_store = upload_store
        self.max_decompressed_bytes = max_decompressed_bytes
        self.event_bus = event_bus
        self.retry = retry or RetryPolicy()
        self.postgres = engine.dialect.name == "postgresql"
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        # job_id -> (done, total) of the jobs this process is running or ran.
        self.progress: dict[str, tuple[int, int | None]] = {}
        self.current_job: str | None = None
        # The phase of the current job and, once its import succeeded, the import's report
        # (a failure of the rebuild keeps it on the job).
        self._phase = IMPORT_PHASE
        self._imported: ImportReport | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="import-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("import worker still busy with job %s at shutdown", self.current_job)

    def notify(self) -> None:
        """A job was queued: look now instead of at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        log.info("import worker %s started", self.worker_id)
        self._next_recovery = 0.0
        self._recovered_once = False
        while not self.stopping.is_set():
            self._claimed: queue.ClaimedJob | None = None
            self._phase, self._imported = IMPORT_PHASE, None
            ok = run_guarded("import worker", self._step, self._record_failure)
            claimed = self._claimed
            if claimed is not None:
                run_guarded(f"releasing job {claimed.job_id}", claimed.release, _already_logged)
            self.current_job = None
            if not ok:
                self.stopping.wait(1.0)  # back off: the database may be down
        log.info("import worker %s stopped", self.worker_id)

    def _step(self) -> None:
        now = time.monotonic()
        if not self._recovered_once or (self.postgres and now >= self._next_recovery):
            # SQLite has one server process per file: at start every 'running' job is ours
            # from before the restart. PostgreSQL asks the jobs' advisory locks.
            queue.requeue_abandoned(self.engine, everything_running=not self._recovered_once)
            self._recovered_once = True
            self._next_recovery = now + self.recover_seconds
        claimed = queue.claim_next(self.engine, self.worker_id, self.upload_store)
        if claimed is None:
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            return
        self._claimed = claimed
        self._run(claimed)

    def _record_failure(self, message: str) -> None:
        job = self._claimed
        if job is None:
            return  # no job was claimed: the log says what failed
        self._finish(
            job,
            status="failed",
            failed_phase=self._phase,
            report=self._imported,
            error=f"{self._phase} failed: {message}",
        )
        if job.stored_path:
            Path(job.stored_path).unlink(missing_ok=True)

    def _finish(
        self,
        job: queue.ClaimedJob,
        *,
        status: str,
        failed_phase: str | None,
        report: ImportReport | None,
        error: str | None,
    ) -> None:
        import_id = report.import_id if report is not None else None
        self._retrying(
            job,
            "recording its end",
            lambda _last: queue.finish_job(
                self.engine,
                job.job_id,
                status=status,
                failed_phase=failed_phase,
                report=report.model_dump(mode="json") if report is not None else None,
                error=error,
                import_id=import_id,
                progress=self.progress.get(job.job_id),
            ),
        )
        self.event_bus.publish(
            "job_finished",
            job_id=job.job_id,
            status=status,
            failed_phase=failed_phase,
            import_id=import_id,
        )

    def _run(self, job: queue.ClaimedJob) -> None:
        self.current_job = job.job_id
        if job.attempts > queue.MAX_ATTEMPTS:
            raise JobAbandoned(
                f"gave up after {job.attempts - 1} attempts: the server stopped during each of them"
            )
        path = Path(job.stored_path or "")
        if not path.is_file():
            raise JobAbandoned(f"the uploaded file of job {job.job_id} is gone ({path.name})")
        log.info("job %s: importing %s (attempt %d)", job.job_id, job.file_name, job.attempts)
        import_attempts = 0

        def import_once(last: bool) -> ImportReport:
            nonlocal import_attempts
            import_attempts += 1
            return self._import(job, path, retryable=not last)

        report: ImportReport | None
        error: str | None
        try:
            try:
                done = self._retrying(job, IMPORT_PHASE, import_once)
            except (ExportFileError, BatchFormatError) as exc:
                report, error = None, str(exc)
            else:
                report, error = done, done.error
            imported = report is not None and report.status in ("succeeded", "duplicate")
            if imported:
                assert report is not None
                self._phase, self._imported = REBUILD_PHASE, report
                # A retried import may have committed in an attempt whose answer was lost.
                resumed = job.attempts > 1 or import_attempts > 1
                try:
                    self._retrying(
                        job, REBUILD_PHASE, lambda _last: self._rebuild(report, resumed=resumed)
                    )
                except RebuildFailed as failed:
                    # Each failed run is marked as such; the import stays committed.
                    imported, error = False, f"{REBUILD_PHASE} failed: {failed}"
        except WorkerStopping:
            queue.requeue(self.engine, job.job_id)
            log.info("job %s queued again: the server is stopping", job.job_id)
            return
        if not imported and error is None:
            error = f"import {report.status if report else 'failed'}"
        self._finish(
            job,
            status="succeeded" if imported else "failed",
            failed_phase=None if imported else self._phase,
            report=report,
            error=None if imported else error,
        )
        path.unlink(missing_ok=True)
        log.info("job %s finished: %s", job.job_id, "succeeded" if imported else error)

    def _retrying(self, job: queue.ClaimedJob, what: str, work: Callable[[bool], T]) -> T:
        """``work(last)`` (``last``: no attempt follows) until it succeeds, fails for
        good, or failed transiently ``self.retry.attempts`` times; WorkerStopping when the
        server stops during a pause."""
        attempt = 1
        while True:
            last = attempt >= self.retry.attempts
            try:
                return work(last)
            except RETRIED_ERRORS as exc:
                if last or not worth_retrying(exc):
                    raise
                delay = self.retry.delay(attempt)
                log.warning(
                    "job %s: %s, attempt %d of %d, failed (%s): trying again in %.1f s",
                    job.job_id, what, attempt, self.retry.attempts, describe_error(exc), delay,
                )  # fmt: skip
                self.event_bus.publish(
                    "job_retrying",
                    job_id=job.job_id,
                    phase=what,
                    attempt=attempt,
                    attempts=self.retry.attempts,
                    delay_seconds=delay,
                    error=describe_error(exc),
                )
                if self.stopping.wait(delay):
                    raise WorkerStopping(f"server stopping during job {job.job_id}") from exc
                attempt += 1

    def _import(self, job: queue.ClaimedJob, path: Path, *, retryable: bool) -> ImportReport:
        from ..ingest.importer import import_export_file
        from ..ingest.stream import ingest_batch_file

        progress = _Progress(self, job.job_id)
        kind = sniff_file(path)
        if kind is FileKind.SQLITE:
            return import_export_file(
                self.engine,
                path,
                source=job.source,
                file_name=job.file_name,
                progress=progress,
                job_id=job.job_id,
                lone_copy=True,
                retryable=retryable,
            )
        return ingest_batch_file(
            self.engine,
            path,
            source=job.source,
            file_name=job.file_name,
            max_decompressed_bytes=self.max_decompressed_bytes,
            retryable=retryable,
        )

    def _rebuild(self, report: ImportReport, *, resumed: bool) -> None:
        from ..trades.rebuild import rebuild_trades

        if resumed:
            # An earlier attempt may have committed the import and died in the rebuild: this
            # attempt then finds every record unchanged, so rebuild its runs whole.
            for run_id in report.run_ids:
                rebuild_trades(self.engine, run_id=run_id, event_bus=self.event_bus)
        elif report.affected:
            rebuild_trades(self.engine, report.affected, event_bus=self.event_bus)


class JobAbandoned(RuntimeError):
    """A job that cannot run at all (its file is gone, it crashed the server repeatedly)."""


def _already_logged(_message: str) -> None:
    return None
