"""Store a run's assessment (execution quality, findings, verdict): one upsert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...db.models import Run, RunQuality


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


# A live stream's batches reassess their run at most this often: the assessment reads the
# whole run, a batch's incremental rebuild only its newest fills.
STREAM_ASSESSMENT_INTERVAL = timedelta(seconds=10)


def assessment_due(conn: Connection, run_id: str) -> bool:
    """Whether a stream batch's rebuild assesses its run: always once the run is closed
    (or never assessed), else when the last assessment is older than the interval."""
    row = conn.execute(
        select(Run.status, RunQuality.updated_at)
        .outerjoin(RunQuality, RunQuality.run_id == Run.run_id)
        .where(Run.run_id == run_id)
    ).first()
    if row is None or row.updated_at is None or row.status != "RUNNING":
        return True
    return datetime.now(UTC) - row.updated_at >= STREAM_ASSESSMENT_INTERVAL
