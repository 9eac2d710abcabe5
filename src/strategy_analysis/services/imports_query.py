"""Import history reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..db.models import ImportConflict, ImportRecord, ImportRejection
from ..ingest.tables import conflict_keeps_stored

_record_cols = list(ImportRecord.__table__.c)


def _out(row: Any) -> dict[str, Any]:
    data = dict(row)
    data["import_id"] = data.pop("id")
    data["run_ids"] = data.get("run_ids") or []
    data["counts"] = data.get("counts") or {}
    return data


def list_imports(conn: Connection, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    query = (
        select(*_record_cols)
        .order_by(ImportRecord.created_at.desc(), ImportRecord.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [_out(row) for row in conn.execute(query).mappings()]
    total = conn.execute(select(func.count()).select_from(ImportRecord)).scalar_one()
    return rows, total


def get_import(
    conn: Connection, import_id: int, *, limit: int, offset: int
) -> dict[str, Any] | None:
    row = conn.execute(select(*_record_cols).where(ImportRecord.id == import_id)).mappings().first()
    if row is None:
        return None
    data = _out(row)
    rejections = conn.execute(
        select(
            ImportRejection.table_name.label("table"),
            ImportRejection.position,
            ImportRejection.record_key.label("key"),
            ImportRejection.reason,
            ImportRejection.record,
        )
        .where(ImportRejection.import_id == import_id)
        .order_by(ImportRejection.id)
        .limit(limit)
        .offset(offset)
    )
    data["rejected"] = [dict(r) for r in rejections.mappings()]
    data["rejected_total"] = conn.execute(
        select(func.count()).where(ImportRejection.import_id == import_id)
    ).scalar_one()
    conflicts = conn.execute(
        select(
            ImportConflict.table_name.label("table"),
            ImportConflict.run_id,
            ImportConflict.record_key.label("key"),
            ImportConflict.old_values,
            ImportConflict.new_values,
        )
        .where(ImportConflict.import_id == import_id)
        .order_by(ImportConflict.id)
        .limit(limit)
        .offset(offset)
    )
    data["conflicts"] = [
        {**c, "kept_stored": conflict_keeps_stored(c["table"])} for c in conflicts.mappings()
    ]
    data["conflicts_total"] = conn.execute(
        select(func.count()).where(ImportConflict.import_id == import_id)
    ).scalar_one()
    return data


def succeeded_import_with_sha256(conn: Connection, sha256: str) -> int | None:
    """Id of the earliest succeeded import of a file with this content."""
    return conn.execute(
        select(ImportRecord.id)
        .where(ImportRecord.sha256 == sha256, ImportRecord.status == "succeeded")
        .order_by(ImportRecord.id)
        .limit(1)
    ).scalar()
