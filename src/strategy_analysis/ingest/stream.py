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
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from ..contract.run import (
    SUPPORTED_SCHEMA_VERSIONS,
    RunInfo,
    metadata_document,
    parse_run_info,
)
from ..contract.values import MAX_JSON_DEPTH, UnstorableValueError
from ..db.error_text import describe_error
from ..db.errors import is_transient
from .batch_checks import check_records
from .errors import BatchBodyError, BatchFormatError, StoreFailedError
from .export_file import jsonable, validate_raw
from .json_depth import json_depth_over
from .rebuild_hints import RebuildHints
from .report import ImportReport, RejectedRecord
from .run_identity import run_values
from .stream_postgres import PostgresBatchWriter
from .stream_sessions import StreamSession
from .tables import EXECUTIONS, TABLE_SPECS, TableSpec
from .transaction import IMPORT_ERRORS, AfterImport, no_op, run_in_transaction, unsuccessful
from .writer import ImportWriter

log = logging.getLogger(__name__)

BATCH_LISTS = tuple(spec.name for spec in TABLE_SPECS)
DEFAULT_MAX_DECOMPRESSED_BYTES = 200 * 1024**2
# Up to this many records a batch is merged by key lookups, not by a hash of the run's rows.
SMALL_BATCH_RECORDS = 50_000


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


Checked = tuple[list[tuple[Any, ...]], list[RejectedRecord]]


def _validated(spec: TableSpec, items: list[Any], defaults: dict[str, str | None]) -> Checked:
    rows, for_models = check_records(spec, items, defaults)
    rejected: list[RejectedRecord] = []
    for position in for_models:
        item = items[position]
        if not isinstance(item, dict):
            rejected.append(
                RejectedRecord(
                    table=spec.name,
                    position=position,
                    reason=f"a record must be a JSON object, got {type(item).__name__}",
                    record={"value": jsonable(item) if not isinstance(item, list) else item},
                )
            )
            continue
        row, rejection = validate_raw(spec, position, item, defaults)
        if row is not None:
            rows.append(row)
        else:
            rejected.append(rejection)  # type: ignore[arg-type]  # validate_raw: no row -> a rejection
    return rows, rejected


def ingest_batch(
    engine: Any,
    payload: Any,
    *,
    source: str = "stream",
    after_import: AfterImport | None = None,
    file_name: str | None = None,
    sha256: str | None = None,
    size_bytes: int | None = None,
    rebuild_from: dict[tuple[str, str], int | None] | None = None,
    retryable: bool = False,
) -> ImportReport:
    """Validate and store one batch; ``BatchFormatError`` when the body has the wrong shape.

    ``rebuild_from``, when given, receives for each affected (run, symbol) the time
    (microseconds) from which its trades may have changed, None when all of them may.
    ``retryable``: a transient database error (db/errors.py) is raised, for the caller to
    try again, instead of failing the batch.
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
    raw_run = batch.get("run") or {}
    # A stream's batches make one entry of the import history (an upload makes its own).
    session = StreamSession(info.run_id, info.status) if source == "stream" else None
    failed = partial(failed, session=session)
    defaults = {"strategy_id": info.strategy_id, "account_id": info.account_id}
    hints = RebuildHints(info.run_id, defaults)

    small = sum(len(batch.get(name) or []) for name in BATCH_LISTS) <= SMALL_BATCH_RECORDS

    def before_merges(writer: ImportWriter) -> None:
        if small:
            writer.upsert.prefer_key_lookups()

    def body(writer: ImportWriter) -> None:
        writer.rejected.extend(
            RejectedRecord(table="run", key=key, reason=reason) for key, reason in problems
        )
        run_id = info.run_id
        if run_id is not None:
            first = next((o for o in batch.get("orders") or [] if isinstance(o, dict)), None)
            writer.ensure_run(
                run_values(
                    info,
                    run_id=run_id,
                    status=info.status,
                    schema_version=report.schema_version,
                    metadata=metadata_document(raw_run),
                    first_record=first,
                )
            )
        specs = [spec for spec in TABLE_SPECS if batch.get(spec.name)]
        if writer.dialect == "postgresql":
            PostgresBatchWriter(
                writer, run_id, defaults, checked, write_staged, before_merges
            ).write(specs)
        else:
            before_merges(writer)
            for spec in specs:
                write_staged(writer, spec, checked(writer, spec))
        if run_id is not None:
            writer.update_run_times(run_id)
        hints.bar_ranges = dict(writer.bar_ranges)
        hints.point_value_symbols = set(writer.point_value_symbols)

    def checked(writer: ImportWriter, spec: TableSpec) -> list[tuple[Any, ...]]:
        rows, rejected = _validated(spec, batch[spec.name], defaults)
        writer.reject(rejected)
        hints.note_rows(spec, rows)
        return rows

    def write_staged(writer: ImportWriter, spec: TableSpec, rows: list[tuple[Any, ...]]) -> None:
        run_id = info.run_id
        writer.upsert.create_stage(spec)
        writer.upsert.stage_rows(spec, rows)
        offset = 0
        if spec is EXECUTIONS:
            offset = writer.upsert.next_sequence(run_id)  # type: ignore[arg-type]  # executions: a run id
        writer.merge(
            spec, run_id if spec.run_scoped else None, sequence_offset=offset, defaults=defaults
        )

    try:
        run_in_transaction(engine, report, body, started=started, session=session)
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
    if rebuild_from is not None:
        rebuild_from.update(hints.since(report))
    (after_import or no_op)(report)
    return report


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
    engine: Any,
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
