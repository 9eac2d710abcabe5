"""The persisted job queue: create, claim, progress, finish, and recovery after a crash.

Claiming is one ``UPDATE ... WHERE job_id = (SELECT ... FOR UPDATE SKIP LOCKED)`` on
PostgreSQL, so several server processes can share one database; on SQLite the statement is
atomic under the database's write lock. A worker claims only the jobs whose file is in its
own uploads folder (jobs/upload_store.py). On PostgreSQL the claiming worker also holds a
session-level advisory lock on the job for as long as it runs it: a ``running`` job whose
lock can be taken belongs to a process that died, and is queued again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, ScalarResult, func, select, update
from sqlalchemy.engine import Connection

from ..db.error_text import clean_error_text
from ..db.models import ImportRecord, Job, utc_now

log = logging.getLogger(__name__)

jobs = Job.__table__
_job_cols = list(jobs.c)
# A job that took the server down this many times is not started again.
MAX_ATTEMPTS = 3
INTERRUPTED = "interrupted: the server stopped during the import; the job was run again"


def advisory_key(job_id: str) -> int:
    # 60 bits of the uuid: fits PostgreSQL's signed bigint lock key.
    return int(job_id.replace("-", "")[:15], 16)


def create_job(
    conn: Connection,
    *,
    file_name: str | None,
    stored_path: str,
    sha256: str,
    size_bytes: int,
    source: str = "upload",
    kind: str = "import",
    upload_store: str | None = None,
) -> dict[str, Any]:
    job_id = str(uuid.uuid4())
    values = {
        "job_id": job_id,
        "kind": kind,
        "status": "queued",
        "created_at": utc_now(),
        "file_name": file_name,
        "stored_path": stored_path,
        "sha256": sha256,
        "size_bytes": size_bytes,
        "source": source,
        "progress_done": 0,
        "attempts": 0,
        "upload_store": upload_store,
    }
    conn.execute(jobs.insert().values(**values))
    job = get_job(conn, job_id)
    assert job is not None  # just inserted in this transaction
    return job


def get_job(conn: Connection, job_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(*_job_cols).where(jobs.c.job_id == job_id)).mappings().first()
    if row is None:
        return None
    job = dict(row)
    job["error"] = clean_error_text(job["error"])
    if isinstance(job["report"], dict) and job["report"].get("error") is not None:
        job["report"] = {**job["report"], "error": clean_error_text(job["report"]["error"])}
    return job


@dataclass
class ClaimedJob:
    job_id: str
    kind: str
    stored_path: str | None
    file_name: str | None
    sha256: str | None
    source: str
    attempts: int
    # PostgreSQL: the connection holding the job's advisory lock while it runs.
    lock_conn: Connection | None = None

    def release(self) -> None:
        if self.lock_conn is None:
            return
        try:
            self.lock_conn.execute(select(func.pg_advisory_unlock(advisory_key(self.job_id))))
            self.lock_conn.commit()
        finally:
            self.lock_conn.close()
            self.lock_conn = None


def claim_next(
    engine: Engine, worker_id: str, upload_store: str | None = None
) -> ClaimedJob | None:
    """Mark the oldest queued job running for this worker and return it (or None): of
    the jobs whose file is in the uploads folder ``upload_store``, or that name none."""
    readable: ColumnElement[bool] = jobs.c.upload_store.is_(None)
    if upload_store is not None:
        readable = readable | (jobs.c.upload_store == upload_store)
    oldest = (
        select(jobs.c.job_id)
        .where(jobs.c.status == "queued", readable)
        .order_by(jobs.c.created_at, jobs.c.job_id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(jobs)
        .where(jobs.c.job_id == oldest, jobs.c.status == "queued")
        .values(
            status="running",
            started_at=utc_now(),
            claimed_by=worker_id,
            attempts=jobs.c.attempts + 1,
        )
        .returning(
            jobs.c.job_id,
            jobs.c.kind,
            jobs.c.stored_path,
            jobs.c.file_name,
            jobs.c.sha256,
            jobs.c.source,
            jobs.c.attempts,
        )
    )
    postgres = engine.dialect.name == "postgresql"
    conn = engine.connect()
    try:
        with conn.begin():
            row = conn.execute(statement).first()
            if row is not None and postgres:
                # Taken before the claim commits, so a visible 'running' always has a holder.
                conn.execute(select(func.pg_advisory_lock(advisory_key(row.job_id))))
    except BaseException:
        conn.close()
        raise
    if row is None:
        conn.close()
        return None
    claimed = ClaimedJob(**row._asdict())
    if postgres:
        claimed.lock_conn = conn
    else:
        conn.close()
    return claimed


def requeue_abandoned(engine: Engine, *, everything_running: bool) -> list[str]:
    """Queue again the jobs left ``running`` by a process that is gone.

    On PostgreSQL a job is abandoned when its advisory lock is free. On SQLite (one server
    process per database file) ``everything_running`` at start-up says all of them are.
    Import records the interrupted attempt left ``running`` are marked failed.
    """
    requeued: list[str] = []
    with engine.connect() as conn:
        running: ScalarResult[str] = conn.execute(
            select(jobs.c.job_id).where(jobs.c.status == "running")
        ).scalars()
        candidates = list(running)
    for job_id in candidates:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                free: bool = conn.execute(
                    select(func.pg_try_advisory_xact_lock(advisory_key(job_id)))
                ).scalar_one()
                if not free:
                    continue
            elif not everything_running:
                continue
            changed = conn.execute(
                update(jobs)
                .where(jobs.c.job_id == job_id, jobs.c.status == "running")
                .values(status="queued", claimed_by=None)
            ).rowcount
            conn.execute(
                update(ImportRecord)
                .where(ImportRecord.job_id == job_id, ImportRecord.status == "running")
                .values(status="failed", error=INTERRUPTED, finished_at=utc_now())
            )
        if changed:
            log.warning("job %s was left running by a stopped server: queued again", job_id)
            requeued.append(job_id)
    return requeued


def requeue(engine: Engine, job_id: str) -> None:
    """Give a claimed job back to the queue (the worker is stopping)."""
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.job_id == job_id, jobs.c.status == "running")
            .values(status="queued", claimed_by=None, attempts=jobs.c.attempts - 1)
        )


def record_progress(engine: Engine, job_id: str, done: int, total: int | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.job_id == job_id)
            .values(progress_done=done, progress_total=total)
        )


def finish_job(
    engine: Engine,
    job_id: str,
    *,
    status: str,
    failed_phase: str | None = None,
    report: dict[str, Any] | None = None,
    error: str | None = None,
    import_id: int | None = None,
    progress: tuple[int, int | None] | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "failed_phase": failed_phase,
        "finished_at": utc_now(),
        "report": report,
        "error": error,
        "import_id": import_id,
    }
    if progress is not None:
        values["progress_done"], values["progress_total"] = progress
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.job_id == job_id).values(**values))
