"""Uploads: queue a received file as an import job, or answer its dry-run report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ..errors import UnprocessableError
from ..ingest.errors import BatchFormatError, ExportFileError
from ..ingest.file_kinds import FileKind
from ..ingest.report import ImportReport
from ..jobs import queue
from .imports_query import succeeded_import_with_sha256

log = logging.getLogger(__name__)


class RefusedFileError(UnprocessableError, ValueError):
    """The importer refused the file as a whole (the message says why)."""

    @property
    def http_detail(self) -> str:
        return f"file refused: {self.detail}"


@dataclass(frozen=True)
class QueuedUpload:
    job: dict[str, Any]
    duplicate_of: int | None


def enqueue_upload(
    engine: Engine,
    *,
    path: Path,
    file_name: str | None,
    sha256: str,
    size_bytes: int,
    upload_store: str | None = None,
) -> QueuedUpload:
    """Create the job row. A file seen before (same sha256 as a succeeded import) is still
    queued: the import is idempotent and finds every record unchanged, and the answer says
    which import it repeats. ``upload_store``: the id of the folder holding the file."""
    with engine.begin() as conn:
        duplicate_of = succeeded_import_with_sha256(conn, sha256)
        job = queue.create_job(
            conn,
            file_name=file_name,
            stored_path=str(path),
            sha256=sha256,
            size_bytes=size_bytes,
            source="upload",
            upload_store=upload_store,
        )
    return QueuedUpload(job=job, duplicate_of=duplicate_of)


def dry_run(engine: Engine, *, path: Path, kind: FileKind, file_name: str | None) -> ImportReport:
    """The pre-import report of a file; nothing is written. Raises RefusedFileError."""
    from ..ingest.importer import import_export_file

    try:
        if kind is FileKind.SQLITE:
            report = import_export_file(
                engine, path, source="upload", file_name=file_name, dry_run=True, lone_copy=True
            )
        else:
            raise RefusedFileError(
                "a dry run reads SQLite exports only; a .json.gz batch is imported as it is"
            )
    except (ExportFileError, BatchFormatError) as exc:
        raise RefusedFileError(str(exc)) from None
    if report.status in ("refused", "failed"):
        raise RefusedFileError(report.error or f"the file was {report.status}")
    return report
