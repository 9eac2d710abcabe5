"""Stream batches (export-format.md section 2): validated by the same record models and
merged under the same rules as files. On SQLite through the file import's staged upsert;
on PostgreSQL each table by one statement over column arrays, pipelined while the next
table's records are checked (stream_postgres.py).

A batch's executions keep their order: each gets sequence = (largest sequence of the run
so far) + 1 + its index in the batch, so sequences keep growing across batches; an
execution sent again keeps the sequence it was first stored with.

A batch is stored whole or not at all: a body of the wrong shape, or a run value that
cannot be stored (``contract.values``), refuses it (``BatchFormatError``); a failure of
the database rolls it back and raises ``StoreFailedError``, never a report that could
pass for an acknowledgement.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import time
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from ..contract.run import SUPPORTED_SCHEMA_VERSIONS, RunInfo, parse_run_info
from ..contract.values import MAX_JSON_DEPTH, UnstorableValueError
from ..db.error_text import describe_error
from ..db.errors import is_transient
from .batch_import import BatchImport
from .errors import BatchBodyError, BatchFormatError, StoreFailedError
from .json_depth import json_depth_over
from .report import ImportReport
from .stream_sessions import StreamSession
from .tables import TABLE_SPECS
from .transaction import IMPORT_ERRORS, AfterImport, ImportSession, no_op, unsuccessful
from .tuning import DEFAULT_TUNING, ImportTuning

log = logging.getLogger(__name__)

BATCH_LISTS = tuple(spec.name for spec in TABLE_SPECS)
DEFAULT_MAX_DECOMPRESSED_BYTES = 200 * 1024**2


def check_batch(payload: Any) -> dict[str, Any]:
    """Refuse a body that is not an object of the batch shape; return it otherwise."""
    if not isinstance(payload, dict):
        raise BatchFormatError(f"a batch must be a JSON object, got {type(payload).__name__}")
    version = payload.get("schema_version")
    if version is not None and str(version).strip() not in SUPPORTED_SCHEMA_VERSIONS:
        raise BatchFormatError(
            f"unsupported schema_version {version!r}"
            f" (supported: {', '.join(SUPPORTED_SCHEMA_VERSIONS)})"
        )
    run = payload.get("run")
    if run is not None and not isinstance(run, dict):
        raise BatchFormatError(f"'run' must be an object, got {type(run).__name__}")
    for name in BATCH_LISTS:
        items = payload.get(name)
        if items is not None and not isinstance(items, list):
            raise BatchFormatError(f"'{name}' must be a list, got {type(items).__name__}")
    return payload


def batch_run(batch: dict[str, Any]) -> tuple[RunInfo, list[tuple[str, str]]]:
    """The batch's run and the run values dropped as not understood; ``BatchFormatError``
    for a run value that cannot be stored, or no usable run id where records need one."""
    raw_run = batch.get("run") or {}
    try:
        info, problems = parse_run_info(raw_run)
    except UnstorableValueError as exc:
        raise BatchFormatError(f"run values that cannot be stored: {exc}") from None
    if (batch.get("orders") or batch.get("executions")) and info.run_id is None:
        sent = raw_run.get("run_id")
        raise BatchFormatError(
            "'run.run_id' is required when a batch has orders or executions"
            + (f" (got {sent!r})" if sent is not None else "")
        )
    return info, problems


@dataclass
class StoredBatch:
    """A stored batch's report, and for each affected (run, symbol) the time (microseconds)
    from which its trades may have changed, None when all of them may."""

    report: ImportReport
    rebuild_from: dict[tuple[str, str], int | None]


def store_batch(
    engine: Engine,
    payload: Any,
    *,
    source: str = "stream",
    file_name: str | None = None,
    sha256: str | None = None,
    size_bytes: int | None = None,
    retryable: bool = False,
    tuning: ImportTuning = DEFAULT_TUNING,
) -> StoredBatch:
    """Validate and store one batch; ``BatchFormatError`` when the body has the wrong
    shape, ``StoreFailedError`` when the database failed to store it.

    ``retryable``: a transient database error (db/errors.py) is raised, for the caller to
    try again, instead of failing the batch. ``tuning``: the sizes it works in.
    """
    started = time.perf_counter()
    report = ImportReport(
        status="running", source=source, file_name=file_name, sha256=sha256, size_bytes=size_bytes
    )
    failed = partial(unsuccessful, engine, report, dry_run=False, job_id=None, started=started)
    try:
        batch = check_batch(payload)
        info, problems = batch_run(batch)
    except BatchFormatError as exc:
        failed("refused", str(exc))
        raise
    report.schema_version = str(batch.get("schema_version") or "1.1").strip()
    # A stream's batches make one entry of the import history (an upload makes its own).
    stream_session = StreamSession(info.run_id, info.status) if source == "stream" else None
    failed = partial(failed, session=stream_session)
    try:
        with (
            engine.connect() as conn,
            ImportSession.begin(
                conn, report, started=started, stream_session=stream_session, tuning=tuning
            ) as session,
        ):
            hints = BatchImport(session, batch, info, problems).write()
            session.commit()
    except IMPORT_ERRORS as exc:
        again = is_transient(exc)
        if retryable and again:
            raise
        if again:
            log.warning("stream batch not stored, may be sent again: %s", describe_error(exc))
        else:
            log.exception("stream batch failed")
        # A fault of the moment is not recorded: recording would wait for the same lock
        # or connection, and the batch comes again.
        failed("failed", describe_error(exc), record=not again)
        raise StoreFailedError(report, describe_error(exc), retryable=again) from exc
    except BaseException as exc:
        failed("failed", describe_error(exc))
        raise
    report.duration_seconds = time.perf_counter() - started
    return StoredBatch(report, hints.since(report))


def ingest_batch(
    engine: Engine,
    payload: Any,
    *,
    source: str = "stream",
    after_import: AfterImport | None = None,
    file_name: str | None = None,
    sha256: str | None = None,
    size_bytes: int | None = None,
    retryable: bool = False,
    tuning: ImportTuning = DEFAULT_TUNING,
) -> ImportReport:
    """``store_batch``'s report, handed to ``after_import`` once the batch is stored."""
    stored = store_batch(
        engine,
        payload,
        source=source,
        file_name=file_name,
        sha256=sha256,
        size_bytes=size_bytes,
        retryable=retryable,
        tuning=tuning,
    )
    (after_import or no_op)(stored.report)
    return stored.report


def read_batch_file(
    path: Path,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    name: str | None = None,
) -> Any:
    """The JSON batch inside a ``.json.gz`` file; ``BatchFormatError`` when it is not one.
    ``name`` names the file in messages (the user's name of an upload)."""
    name = name or path.name
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read(max_decompressed_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise BatchFormatError(f"{name} is not a gzip file: {exc}") from None
    if len(data) > max_decompressed_bytes:
        raise BatchFormatError(f"{name} decompresses to more than {max_decompressed_bytes} bytes")
    try:
        return decode_batch_body(data)
    except BatchFormatError:
        raise
    except (UnicodeDecodeError, ValueError) as exc:
        raise BatchFormatError(f"{name} does not hold JSON: {exc}") from None


def report_json(report: ImportReport) -> bytes:
    """A batch's answer as JSON (what the endpoint sends)."""
    return orjson.dumps(report.model_dump(mode="json"))


def decode_batch_body(body: bytes) -> Any:
    """The JSON of a batch body: by orjson, or by the json module for what orjson refuses
    (NaN, integers beyond 64 bits, ...), so each record still gets its own verdict.
    ``BatchBodyError`` when it nests deeper than ``MAX_JSON_DEPTH`` or is not JSON."""
    if json_depth_over(body, MAX_JSON_DEPTH):
        raise BatchBodyError(f"body refused: the JSON nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError and json.JSONDecodeError included
        raise BatchBodyError(f"body is not JSON: {exc}") from None


def ingest_batch_file(
    engine: Engine,
    path: str | Path,
    *,
    source: str = "upload",
    file_name: str | None = None,
    after_import: AfterImport | None = None,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    retryable: bool = False,
) -> ImportReport:
    """Import a gzip-compressed JSON batch (a ``.json.gz`` upload); ``retryable`` as for
    ``ingest_batch``."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        payload = read_batch_file(path, max_decompressed_bytes, file_name)
    except BatchFormatError as exc:
        started = time.perf_counter()
        report = ImportReport(
            status="running",
            source=source,
            file_name=file_name or path.name,
            sha256=hashlib.sha256(raw).hexdigest(),
            size_bytes=len(raw),
        )
        unsuccessful(
            engine, report, "refused", str(exc), dry_run=False, job_id=None, started=started
        )
        raise
    try:
        return ingest_batch(
            engine,
            payload,
            source=source,
            after_import=after_import,
            file_name=file_name or path.name,
            sha256=hashlib.sha256(raw).hexdigest(),
            size_bytes=len(raw),
            retryable=retryable,
        )
    except StoreFailedError as exc:
        return exc.report
