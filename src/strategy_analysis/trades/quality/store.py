"""Store a run's assessment (execution quality, findings, verdict): one upsert."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...db.models import RunQuality


def store_run_quality(conn: Connection, run_id: str, document: dict[str, Any]) -> None:
    """Replace the run's stored assessment with ``document`` (quality/assessment.py)."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(RunQuality).values(
        run_id=run_id,
        verdict=document["verdict"],
        findings=document["findings"],
        execution_quality=document["execution_quality"],
        updated_at=datetime.now(UTC),
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[RunQuality.run_id],
            set_={
                name: statement.excluded[name]
                for name in ("verdict", "findings", "execution_quality", "updated_at")
            },
        )
    )
