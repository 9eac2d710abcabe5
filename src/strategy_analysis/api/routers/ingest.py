"""POST /api/ingest/upload, POST /api/ingest/stream, GET /api/ingest/jobs/{job_id}.

The import worker and the debounced stream rebuild start with the app (lifespan).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from ...ingest.report import ImportReport
from ...ingest.stream import decode_batch_body, report_json
from ...jobs import queue
from ...jobs.rebuild_scheduler import RebuildScheduler
from ...jobs.retry import RetryPolicy
from ...jobs.upload_store import upload_store_id
from ...jobs.worker import ImportWorker
from ...services import stream_ingest, uploads
from ..deps import SessionDep, WriteAccess
from ..errors import (
    NotFoundError,
    UnprocessableError,
    UnsupportedMediaError,
)
from ..params import Ident
from ..request_body import read_body
from ..schemas.common import error_responses
from ..schemas.imports import JobOut, UploadAccepted
from ..schemas.ingest import StreamBatch
from ..upload_receiver import FIELD, receive_upload

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/ingest", tags=["ingest"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "A `.sqlite`/`.db` export or a `.json.gz` batch",
                        }
                    },
                }
            }
        },
    }
}
_STREAM_BODY = {
    "requestBody": {
        "required": True,
        "description": "One batch; `Content-Encoding: gzip` accepted.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StreamBatch"}}},
    }
}


@router.post(
    "/upload",
    operation_id="ingest-upload",
    summary="Upload an export file",
    description="Streams the file to the server and queues its import: answers 202 with the "
    "job (poll `GET /api/ingest/jobs/{job_id}` or listen to `/api/events`). A file with the "
    "same content as an earlier succeeded import is imported again (every record unchanged) "
    "and the answer names that import in `duplicate_of`. With `dry_run=true` the answer is "
    "the pre-import report (200) and nothing is written.",
    status_code=202,
    response_model=UploadAccepted,
    responses={
        200: {"model": ImportReport, "description": "Dry run: what the import would do"},
        **error_responses(400, 401, 413, 415, 422, 503),
    },
    openapi_extra=_UPLOAD_BODY,
    dependencies=[WriteAccess],
)
async def upload(
    request: Request,
    dry_run: Annotated[bool, Query(description="Answer the report without writing")] = False,
) -> Any:
    settings = request.app.state.settings
    engine = request.app.state.engine
    received = await receive_upload(request, settings.upload_dir, settings.max_upload_bytes)
    if dry_run:
        try:
            report = await run_in_threadpool(
                uploads.dry_run,
                engine,
                path=received.path,
                kind=received.kind,
                file_name=received.file_name,
            )
        finally:
            received.path.unlink(missing_ok=True)
        return JSONResponse(status_code=200, content=report.model_dump(mode="json"))
    try:
        queued = await run_in_threadpool(
            uploads.enqueue_upload,
            engine,
            path=received.path,
            file_name=received.file_name,
            sha256=received.sha256,
            size_bytes=received.size_bytes,
            upload_store=request.app.state.upload_store,
        )
    except BaseException:
        # Not queued (the database busy or down, the client gone): no job will ever
        # import or remove the file.
        received.path.unlink(missing_ok=True)
        raise
    request.app.state.import_worker.notify()
    job = JobOut.model_validate(queued.job)
    message = (
        f"already imported (import {queued.duplicate_of}); queued again, every record "
        "should be unchanged"
        if queued.duplicate_of is not None
        else "queued for import"
    )
    answer = UploadAccepted(
        job_id=job.job_id,
        status=job.status,
        job=job,
        duplicate_of=queued.duplicate_of,
        message=message,
    )
    return JSONResponse(status_code=202, content=answer.model_dump(mode="json"))


@router.post(
    "/stream",
    operation_id="ingest-stream",
    summary="Ingest one stream batch",
    description="One JSON batch (export-format.md section 2), optionally gzip-compressed. "
    "Idempotent: a retried batch changes nothing. A 200 answer means every valid record of "
    "the batch is stored; it reports per-table counts and each rejected record with its "
    "position, key and reason (a value out of bounds rejects its record: text longer than "
    "its column, 200 characters for ids and names, or holding a NUL or a lone surrogate; "
    "an amount beyond 1e15 in magnitude; a quantity outside 1e-9 to 1e9; a time outside "
    "years 1-9999 once converted to UTC). A body that is not a JSON object, or nests "
    "deeper than 64 levels, is 400; a batch of the wrong shape, or whose run holds a value "
    "that cannot be stored, is 422, naming it. When the database fails to store the "
    "batch nothing of it is stored and the answer is 503 with `Retry-After` when sending "
    "it again may succeed (the database locked by another writer past its busy timeout, "
    "a lost connection), 500 otherwise. The trades of the affected (run, symbol) pairs "
    "are rebuilt shortly after, immediately when the batch closes the run.",
    response_model=ImportReport,
    responses=error_responses(400, 401, 413, 415, 422, 500, 503),
    openapi_extra=_STREAM_BODY,
    dependencies=[WriteAccess],
)
async def stream(request: Request) -> Any:
    state = request.app.state
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type.lower() != "application/json":
        # A body without a type is what another origin's page can send unasked.
        raise UnsupportedMediaError(
            f"expected Content-Type application/json, got {content_type or 'none'!r}"
        )
    body = await read_body(
        request,
        max_bytes=state.settings.max_stream_body_bytes,
        max_decompressed=state.settings.max_decompressed_bytes,
    )
    payload = decode_batch_body(body)
    if not isinstance(payload, dict):
        raise UnprocessableError(
            f"a batch is a JSON object (export-format.md section 2), not {type(payload).__name__}"
        )
    # BatchFormatError answers 422, StoreFailedError 503 or 500 (their classes say)
    report = await run_in_threadpool(
        stream_ingest.ingest_stream_batch,
        state.engine,
        payload,
        scheduler=state.rebuild_scheduler,
        locks=state.stream_locks,
    )
    return Response(report_json(report), media_type="application/json")


@router.get(
    "/jobs/{job_id}",
    operation_id="ingest-job-get",
    summary="An import job",
    description="Status `queued`, `running`, `succeeded` or `failed`, progress (rows done "
    "of total), and the report or the error once finished. A failed job's `failed_phase` "
    "says whether its import failed (nothing of the file was stored) or the trade rebuild "
    "after it (the import was committed: its report is there, and the runs show their "
    "analysis as failed). Transient database errors are retried before a job fails.",
    responses=error_responses(404, 422, 503),
)
def get_job(request: Request, session: SessionDep, job_id: Annotated[Ident, Path()]) -> JobOut:
    job = queue.get_job(session.connection(), job_id)
    if job is None:
        raise NotFoundError(f"no job with id {job_id!r}")
    worker: ImportWorker | None = getattr(request.app.state, "import_worker", None)
    live = worker.progress.get(job_id) if worker is not None else None
    if live is not None and job["status"] == "running":
        # The running import's progress lives in this process (on SQLite it is not written).
        job["progress_done"], job["progress_total"] = live
    return JobOut.model_validate(job)


def _start_background(app: FastAPI) -> None:
    state = app.state
    state.stream_locks = stream_ingest.RunLocks()
    retry = RetryPolicy.from_settings(state.settings)
    state.rebuild_scheduler = RebuildScheduler.for_engine(
        state.engine,
        state.event_bus,
        state.settings.rebuild_debounce_seconds,
        retry,
        child_process=state.settings.rebuild_process,
    )
    state.rebuild_scheduler.start()
    state.upload_store = upload_store_id(state.settings.upload_dir)
    state.import_worker = ImportWorker(
        state.engine,
        state.event_bus,
        max_decompressed_bytes=state.settings.max_decompressed_bytes,
        retry=retry,
        upload_store=state.upload_store,
        recover_seconds=state.settings.job_recover_seconds,
    )
    state.import_worker.start()


def _stop_background(app: FastAPI) -> None:
    app.state.import_worker.stop()
    app.state.rebuild_scheduler.stop()


def setup(app: FastAPI) -> None:
    app.include_router(router)
    app.state.on_startup.append(_start_background)
    app.state.on_shutdown.append(_stop_background)
    # The documented stream body refers to this schema; the route reads the raw body.
    _register_schema(app, StreamBatch)


def _register_schema(app: FastAPI, model: type[BaseModel]) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        definitions = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in definitions.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components[model.__name__] = definitions
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
