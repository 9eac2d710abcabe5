"""Import history reads: files and stream sessions, a session's batches, one import.

The history lists the records that are no stream batch: each file import, and one entry
per stream session (ingest/stream_sessions.py) with its batches' totals; a session's
batches are listed by ``session_id``, and its details gather its batches' rejected
records and conflicts.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, text
from sqlalchemy.engine import Connection

from ..db.error_text import clean_error_text
from ..db.models import ImportConflict, ImportRecord, ImportRejection, Run
from ..ingest.tables import conflict_keeps_stored

_record_cols = list(ImportRecord.__table__.c)


def _kind(data: dict[str, Any]) -> str:
    if data.get("session_id") is not None:
        return "stream_batch"
    return "stream_session" if data.get("batch_count") is not None else "import"


def _out(row: Any) -> dict[str, Any]:
    data = dict(row)
    data["import_id"] = data.pop("id")
    data["run_ids"] = data.get("run_ids") or []
    data["counts"] = data.get("counts") or {}
    data["error"] = clean_error_text(data.get("error"))
    data["kind"] = _kind(data)
    return data


def _with_strategy(query: Select[Any]) -> Select[Any]:
    return query.add_columns(Run.strategy_id).outerjoin(Run, Run.run_id == ImportRecord.run_id)


def list_imports(
    conn: Connection,
    *,
    limit: int,
    offset: int,
    source: str | None = None,
    run_id: str | None = None,
    status: str | None = None,
    session_id: int | None = None,
) -> tuple[list[dict[str, Any]], int, int]:
    """Newest first: the history (files and stream sessions), or with ``session_id``
    that session's batches; narrowed by source, run (the imports that wrote its data) and
    status. Also the number of matching imports and their rejected records."""
    conditions = [
        ImportRecord.session_id.is_(None)
        if session_id is None
        else ImportRecord.session_id == session_id
    ]
    if source is not None:
        conditions.append(ImportRecord.source == source)
    if run_id is not None:
        conditions.append(or_(ImportRecord.run_id == run_id, _wrote_run(conn, run_id)))
    if status is not None:
        conditions.append(ImportRecord.status == status)
    query = (
        _with_strategy(select(*_record_cols))
        .where(*conditions)
        .order_by(ImportRecord.created_at.desc(), ImportRecord.id.desc())
        .limit(limit)
        .offset(offset)
    )
    totals = (
        select(func.count(), func.coalesce(func.sum(ImportRecord.rejected_count), 0))
        .select_from(ImportRecord)
        .where(*conditions)
    )
    rows = [_out(row) for row in conn.execute(query).mappings()]
    total, rejected = conn.execute(totals).one()
    return rows, total, int(rejected)


def _wrote_run(conn: Connection, run_id: str) -> Any:
    """An import whose run_ids (a JSON array) holds ``run_id``."""
    if conn.dialect.name == "postgresql":
        return text("import_records.run_ids @> CAST(:run_ids AS jsonb)").bindparams(
            run_ids=json.dumps([run_id])
        )
    return text(
        "EXISTS (SELECT 1 FROM json_each(import_records.run_ids) WHERE json_each.value = :run_id)"
    ).bindparams(run_id=run_id)


def get_import(
    conn: Connection, import_id: int, *, limit: int, offset: int
) -> dict[str, Any] | None:
    """One import with a page of its rejected records and conflicts (a stream session:
    those of its batches)."""
    row = (
        conn.execute(_with_strategy(select(*_record_cols)).where(ImportRecord.id == import_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    data = _out(row)
    rejected_of: ColumnElement[bool]
    conflicts_of: ColumnElement[bool]
    if data["kind"] == "stream_session":
        batches = select(ImportRecord.id).where(ImportRecord.session_id == import_id)
        rejected_of = ImportRejection.import_id.in_(batches)
        conflicts_of = ImportConflict.import_id.in_(batches)
    else:
        rejected_of = ImportRejection.import_id == import_id
        conflicts_of = ImportConflict.import_id == import_id
    rejections = conn.execute(
        select(
            ImportRejection.table_name.label("table"),
            ImportRejection.position,
            ImportRejection.record_key.label("key"),
            ImportRejection.reason,
            ImportRejection.record,
        )
        .where(rejected_of)
        .order_by(ImportRejection.id)
        .limit(limit)
        .offset(offset)
    )
    data["rejected"] = [dict(r) for r in rejections.mappings()]
    data["rejected_total"] = conn.execute(select(func.count()).where(rejected_of)).scalar_one()
    conflicts = conn.execute(
        select(
            ImportConflict.table_name.label("table"),
            ImportConflict.run_id,
            ImportConflict.record_key.label("key"),
            ImportConflict.old_values,
            ImportConflict.new_values,
        )
        .where(conflicts_of)
        .order_by(ImportConflict.id)
        .limit(limit)
        .offset(offset)
    )
    data["conflicts"] = [
        {**c, "kept_stored": conflict_keeps_stored(c["table"])} for c in conflicts.mappings()
    ]
    data["conflicts_total"] = conn.execute(select(func.count()).where(conflicts_of)).scalar_one()
    return data


def succeeded_import_with_sha256(conn: Connection, sha256: str) -> int | None:
    """Id of the earliest succeeded import of a file with this content."""
    return conn.execute(
        select(ImportRecord.id)
        .where(ImportRecord.sha256 == sha256, ImportRecord.status == "succeeded")
        .order_by(ImportRecord.id)
        .limit(1)
    ).scalar()
