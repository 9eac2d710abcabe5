"""Import history, upload jobs and the upload's answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import PageInfo, UtcTime

_COUNTS = {"inserted": 50, "updated": 0, "unchanged": 0, "rejected": 1, "conflicts": 0}
_IMPORT_EXAMPLE: dict[str, Any] = {
    "import_id": 7,
    "created_at": "2025-01-06T22:01:00Z",
    "finished_at": "2025-01-06T22:01:02Z",
    "source": "upload",
    "file_name": "StackedImbalance-2025-01-06.sqlite",
    "sha256": "9f2c...",
    "size_bytes": 1048576,
    "schema_version": "1.1",
    "status": "succeeded",
    "run_ids": ["6f1c2d3e-0000-4000-8000-000000000001"],
    "counts": {"orders": _COUNTS, "executions": _COUNTS},
    "rejected_count": 1,
    "conflict_count": 0,
    "error": None,
    "duration_seconds": 1.9,
    "job_id": "0b6f3c9e-1d2a-4e5f-8a7b-6c5d4e3f2a1b",
    "kind": "import",
    "run_id": "6f1c2d3e-0000-4000-8000-000000000001",
    "strategy_id": "StackedImbalance",
    "session_id": None,
    "batch_count": None,
    "last_batch_at": None,
}


ImportKind = Literal["import", "stream_session", "stream_batch"]
ImportSource = Literal["upload", "cli", "watch", "stream"]
ImportStatus = Literal["running", "succeeded", "failed", "refused", "duplicate", "live", "closed"]


class TableCountsOut(BaseModel):
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    conflicts: int = 0


class ImportOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_IMPORT_EXAMPLE]})

    import_id: int
    created_at: UtcTime
    finished_at: UtcTime | None
    source: str = Field(description="cli | upload | watch | stream")
    file_name: str | None
    sha256: str | None
    size_bytes: int | None
    schema_version: str | None
    status: str = Field(
        description="running | succeeded | failed | refused | duplicate; a stream session: "
        "live (batches may come) | closed (a batch closed its run)"
    )
    run_ids: list[str]
    counts: dict[str, TableCountsOut]
    rejected_count: int
    conflict_count: int
    error: str | None = Field(
        description="Why the import failed; a stream session: its last failed batch's error"
    )
    duration_seconds: float | None = Field(
        description="Time the import took; a stream session: its batches' time added up"
    )
    job_id: str | None
    kind: ImportKind = Field(
        description="import (a file), stream_session (a run's stream batches as one entry: "
        "its counts are theirs added up) or stream_batch (one batch of a session)"
    )
    run_id: str | None = Field(description="The run imported (a file's, a session's)")
    strategy_id: str | None = Field(description="The run's strategy")
    session_id: int | None = Field(description="A stream batch: the import_id of its session")
    batch_count: int | None = Field(description="A stream session: its batches so far")
    last_batch_at: UtcTime | None = Field(
        description="A stream session: when its last batch arrived (created_at: its first)"
    )


class ImportPage(PageInfo):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [_IMPORT_EXAMPLE],
                    "total": 1,
                    "limit": 50,
                    "offset": 0,
                    "rejected_total": 0,
                }
            ]
        }
    )

    items: list[ImportOut]
    rejected_total: int = Field(description="Rejected records of every matching import")


class RejectionOut(BaseModel):
    table: str
    position: int | None = Field(description="Row position in the file (rowid) or batch index")
    key: str | None
    reason: str
    record: dict[str, Any] | None


class ConflictOut(BaseModel):
    table: str
    run_id: str | None
    key: str
    old_values: dict[str, Any]
    new_values: dict[str, Any]
    kept_stored: bool = Field(
        description="True when the stored values stay (an instrument the user set); else "
        "the import's replaced them and old_values keeps what they were"
    )


class ImportDetail(ImportOut):
    """An import with its rejected records and conflicts (one page of each)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_IMPORT_EXAMPLE,
                    "rejected": [
                        {
                            "table": "executions",
                            "position": 12,
                            "key": "e-12",
                            "reason": "price must be > 0",
                            "record": {"execution_id": "e-12", "price": -1},
                        }
                    ],
                    "rejected_total": 1,
                    "conflicts": [],
                    "conflicts_total": 0,
                }
            ]
        }
    )

    rejected: list[RejectionOut]
    rejected_total: int
    conflicts: list[ConflictOut]
    conflicts_total: int


JobStatus = Literal["queued", "running", "succeeded", "failed"]

_JOB_EXAMPLE: dict[str, Any] = {
    "job_id": "0b6f3c9e-1d2a-4e5f-8a7b-6c5d4e3f2a1b",
    "kind": "import",
    "status": "running",
    "failed_phase": None,
    "created_at": "2025-01-06T22:01:00Z",
    "started_at": "2025-01-06T22:01:00Z",
    "finished_at": None,
    "file_name": "StackedImbalance-2025-01-06.sqlite",
    "sha256": "9f2c...",
    "size_bytes": 1048576,
    "source": "upload",
    "progress_done": 25000,
    "progress_total": 100000,
    "attempts": 1,
    "report": None,
    "error": None,
    "import_id": None,
}


class JobOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_JOB_EXAMPLE]})

    job_id: str
    kind: str
    status: JobStatus
    failed_phase: Literal["import", "rebuild"] | None = Field(
        default=None,
        description="Of a failed job: `import` (nothing of the file was stored) or `rebuild` "
        "(the import succeeded and its report is here; the trades of its runs could not be "
        "rebuilt, and the runs show their analysis as failed)",
    )
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None
    file_name: str | None
    sha256: str | None
    size_bytes: int | None
    source: str
    progress_done: int = Field(description="Rows done so far")
    progress_total: int | None = Field(description="Rows in the file, once known")
    attempts: int = Field(description="Times a worker started this job (resumed after a restart)")
    report: dict[str, Any] | None = Field(description="The import report once the job finished")
    error: str | None
    import_id: int | None


class UploadAccepted(BaseModel):
    """The answer to an upload that will be imported by a background job."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job_id": _JOB_EXAMPLE["job_id"],
                    "status": "queued",
                    "job": {**_JOB_EXAMPLE, "status": "queued", "started_at": None},
                    "duplicate_of": None,
                    "message": "queued for import",
                }
            ]
        }
    )

    job_id: str
    status: JobStatus
    job: JobOut
    duplicate_of: int | None = Field(
        description="Id of an earlier succeeded import of the same file (same sha256): the "
        "job still runs and finds every record unchanged"
    )
    message: str
