"""The import record of every import: started, finished, failed or refused."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from ..db.models import ImportConflict, ImportRecord, ImportRejection
from .report import REPORT_LIST_LIMIT, ConflictRecord, ImportReport, RejectedRecord
from .tables import conflict_keeps_stored


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def descriptor_sha256(descriptor: int) -> str:
    """The sha256 of the file open as ``descriptor``, read from its start; the descriptor
    stays open (its owner closes it)."""
    digest = hashlib.sha256()
    offset = 0
    while block := os.pread(descriptor, 1 << 20, offset):
        digest.update(block)
        offset += len(block)
    return digest.hexdigest()


def earlier_import(engine: Engine, sha256: str) -> int | None:
    """Id of the first succeeded import of a file with this sha256, if any."""
    with engine.connect() as conn:
        return conn.execute(
            select(ImportRecord.id)
            .where(ImportRecord.sha256 == sha256, ImportRecord.status == "succeeded")
            .order_by(ImportRecord.id)
            .limit(1)
        ).scalar()


# Built once: a stream writes a record per batch, and building the statement per call
# costs more than running it.
_START = insert(ImportRecord).returning(ImportRecord.id)
_FINISH = update(ImportRecord).where(ImportRecord.id == bindparam("record_id"))


def start_record(
    conn: Connection, report: ImportReport, job_id: str | None, session_id: int | None = None
) -> int:
    """The import's record, ``running``; ``session_id``: a stream batch's session."""
    return conn.execute(
        _START,
        {
            "source": report.source,
            "file_name": report.file_name,
            "sha256": report.sha256,
            "size_bytes": report.size_bytes,
            "schema_version": report.schema_version,
            "status": "running",
            "job_id": job_id,
            "session_id": session_id,
        },
    ).scalar_one()


def record_values(report: ImportReport) -> dict[str, Any]:
    """What a finished import's record holds."""
    return {
        "finished_at": datetime.now(UTC),
        "status": report.status,
        "sha256": report.sha256,
        "schema_version": report.schema_version,
        "run_ids": report.run_ids,
        # The history's run column and filter: an export file holds one run.
        "run_id": report.run_ids[0] if report.run_ids else None,
        "counts": {table: counts.model_dump() for table, counts in report.counts.items()},
        "rejected_count": report.rejected_total,
        "conflict_count": report.conflict_total,
        "error": report.error,
        "duration_seconds": report.duration_seconds,
    }


def write_rejections(conn: Connection, import_id: int, rejected: list[RejectedRecord]) -> None:
    if not rejected:
        return
    conn.execute(
        insert(ImportRejection),
        [
            {
                "import_id": import_id,
                "table_name": r.table,
                "position": r.position,
                "record_key": r.key,
                "reason": r.reason,
                "record": r.record,
            }
            for r in rejected
        ],
    )


def finish_record(conn: Connection, import_id: int, report: ImportReport) -> None:
    conn.execute(_FINISH, {"record_id": import_id, **record_values(report)})


def read_conflicts(conn: Connection, import_id: int) -> list[ConflictRecord]:
    c = ImportConflict.__table__.c
    rows = conn.execute(
        select(c.table_name, c.run_id, c.record_key, c.old_values, c.new_values)
        .where(ImportConflict.import_id == import_id)
        .order_by(ImportConflict.id)
        .limit(REPORT_LIST_LIMIT)
    )
    return [
        ConflictRecord(
            table=r.table_name,
            run_id=r.run_id,
            key=r.record_key,
            old_values=r.old_values,
            new_values=r.new_values,
            kept_stored=conflict_keeps_stored(r.table_name),
        )
        for r in rows
    ]


class SessionRecord(Protocol):
    """The import record a stream session keeps across its batches (``StreamSession``)."""

    def start(self, conn: Connection, report: ImportReport, job_id: str | None) -> int: ...

    def finish_failure(self, conn: Connection, import_id: int, report: ImportReport) -> None: ...


def record_failure(
    engine: Engine,
    report: ImportReport,
    job_id: str | None,
    session: SessionRecord | None = None,
) -> int:
    """A refused or failed import, in its own transaction (the import's own was rolled
    back); a stream batch's is counted on its ``session``."""
    with engine.begin() as conn:
        if session is None:
            import_id = start_record(conn, report, job_id)
        else:
            import_id = session.start(conn, report, job_id)
        write_rejections(conn, import_id, report.rejected[:REPORT_LIST_LIMIT])
        if session is None:
            finish_record(conn, import_id, report)
        else:
            session.finish_failure(conn, import_id, report)
    return import_id
