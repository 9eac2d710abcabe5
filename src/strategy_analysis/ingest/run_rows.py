"""The strategy and run rows of an import: created or updated (nothing written when
unchanged), and the run's data time widened to the rows the import merged.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db.engine import driver_connection
from ..db.models import Run, Strategy, utc_now
from .changes import ImportChanges
from .report import ImportReport
from .run_identity import RunValues


class RunRows:
    def __init__(self, conn: Connection, report: ImportReport, changes: ImportChanges) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.report = report
        self.changes = changes

    def ensure_run(self, values: RunValues) -> None:
        """Create or update the strategy and the run; nothing is written when unchanged."""
        now = utc_now()
        strategy = {
            "strategy_id": values.strategy_id,
            "name": values.strategy_name,
            "version": values.strategy_version,
            "created_at": now,
            "updated_at": now,
        }
        fields = {
            "strategy_id": values.strategy_id,
            "strategy_name": values.strategy_name,
            "strategy_version": values.strategy_version,
            "parameters": values.parameters,
            "mode": values.mode,
            "status": values.status,
            "account_id": values.account_id,
            "exporter": values.exporter,
            "schema_version": values.schema_version,
            "metadata": values.metadata,
            "created_utc": values.created_utc,
            "reported_net_pnl": values.reported_net_pnl,
            "reported_trade_count": values.reported_trade_count,
        }
        # None means "not said by this import": keep what is stored.
        given = tuple(c for c, v in fields.items() if v is not None)
        if values.status in ("COMPLETED", "FAILED"):
            stored = self.conn.execute(
                select(Run.status).where(Run.run_id == values.run_id)
            ).scalar()
            if stored == "RUNNING":
                self.changes.closed_runs.add(values.run_id)
        insert_new, changed = _strategy_upsert(self.dialect)
        with self._pipelined():
            self.conn.execute(insert_new, strategy)
            # Writes nothing for a strategy just inserted or unchanged.
            self.conn.execute(changed, {f"new_{k}": v for k, v in strategy.items()})
            self.conn.execute(
                _run_upsert(self.dialect, given),
                {
                    **fields,
                    "status": values.status or "RUNNING",
                    "run_id": values.run_id,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        if values.run_id not in self.report.run_ids:
            self.report.run_ids.append(values.run_id)

    def _pipelined(self) -> AbstractContextManager[Any]:
        """PostgreSQL: statements that return no rows go in one round trip."""
        if self.dialect == "postgresql":
            return driver_connection(self.conn).pipeline()
        return nullcontext()

    def update_run_times(self, run_id: str) -> None:
        """Widen the run's data time to this import's, in one statement (none if inside)."""
        first, last = self.changes.first_time, self.changes.last_time
        if first is None or last is None:
            return
        self.conn.execute(
            _run_times_update(),
            {
                "times_run_id": run_id,
                "first": first,
                "last": last,
                "now": utc_now(),
            },
        )


# The upserts' SQL depends only on the dialect and on which run fields an import gives:
# built once each, so a stream of small batches does not rebuild them per batch.
_UPSERTS: dict[tuple[str, tuple[str, ...] | None], Any] = {}
_RUN_FIELDS = (
    "strategy_id",
    "strategy_name",
    "strategy_version",
    "parameters",
    "mode",
    "status",
    "account_id",
    "exporter",
    "schema_version",
    "metadata",
    "created_utc",
    "reported_net_pnl",
    "reported_trade_count",
)


def _insert_for(dialect: str, table: Any) -> Any:
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


@cache
def _run_times_update() -> Any:
    """Widen a run's data times (the same statement on every dialect)."""
    first = bindparam("first", type_=Run.first_data_time.type)
    last = bindparam("last", type_=Run.last_data_time.type)
    earlier = or_(Run.first_data_time.is_(None), Run.first_data_time > first)
    later = or_(Run.last_data_time.is_(None), Run.last_data_time < last)
    return (
        update(Run)
        .where(Run.run_id == bindparam("times_run_id"), or_(earlier, later))
        .values(
            first_data_time=case((earlier, first), else_=Run.first_data_time),
            last_data_time=case((later, last), else_=Run.last_data_time),
            updated_at=bindparam("now", type_=Run.updated_at.type),
        )
    )


def _strategy_upsert(dialect: str) -> tuple[Any, Any]:
    """Insert the strategy if new, then update it only if a field changed. Not one
    ON CONFLICT DO UPDATE: that locks the row even when its WHERE leaves it unchanged, so
    the batches of several runs of one strategy would wait for each other's commit."""
    key = (dialect, None)
    if key not in _UPSERTS:
        table = Strategy.__table__
        names = ("strategy_id", "name", "version", "created_at", "updated_at")
        insert_new = (
            _insert_for(dialect, table)
            .values({c: bindparam(c) for c in names})
            .on_conflict_do_nothing(index_elements=["strategy_id"])
        )
        # An UPDATE's parameters may not be named like its columns: "new_<column>".
        keep: dict[str, Any] = {
            c: func.coalesce(bindparam(f"new_{c}"), table.c[c]) for c in ("name", "version")
        }
        changed = (
            update(table)
            .where(
                table.c.strategy_id == bindparam("new_strategy_id"),
                or_(*(v.is_distinct_from(table.c[c]) for c, v in keep.items())),
            )
            .values({**keep, "updated_at": bindparam("new_updated_at")})
        )
        _UPSERTS[key] = (insert_new, changed)
    return _UPSERTS[key]


def _run_upsert(dialect: str, given_fields: tuple[str, ...]) -> Any:
    key = (dialect, given_fields)
    if key not in _UPSERTS:
        table = Run.__table__
        names = ("run_id", "created_at", "updated_at", *_RUN_FIELDS)
        stmt = _insert_for(dialect, table).values({c: bindparam(c) for c in names})
        given = {c: stmt.excluded[c] for c in given_fields}
        if "status" in given:
            # A closed run stays closed: a late or re-sent RUNNING batch does not reopen it.
            given["status"] = case(
                (
                    and_(
                        stmt.excluded.status == "RUNNING",
                        table.c.status.in_(("COMPLETED", "FAILED")),
                    ),
                    table.c.status,
                ),
                else_=stmt.excluded.status,
            )
        if given:
            stmt = stmt.on_conflict_do_update(
                index_elements=["run_id"],
                set_={**given, "updated_at": stmt.excluded.updated_at},
                where=or_(*(v.is_distinct_from(table.c[c]) for c, v in given.items())),
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=["run_id"])
        _UPSERTS[key] = stmt
    return _UPSERTS[key]
