"""The write side shared by file imports and stream batches, inside one transaction.

Picks the bulk upsert for the connection's dialect, creates or updates the strategy and
the run, merges staged tables and keeps the report's counts and affected runs.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..contract.timestamps import shifted
from ..db.engine import driver_connection
from ..db.models import Execution, Run, Strategy, utc_now
from ..db.types import stored_instant
from .report import ImportReport, RejectedRecord
from .run_identity import RunValues
from .store.upsert_base import DuplicateKeysError, MergeResult
from .store.upsert_postgres import PostgresUpsert
from .store.upsert_sqlite import SqliteUpsert
from .tables import TableSpec

log = logging.getLogger(__name__)

# Existence probes sent in one statement (each is a branch of a UNION ALL).
TRADED_PROBES_PER_QUERY = 200


class ImportWriter:
    def __init__(self, conn: Connection, import_id: int, report: ImportReport) -> None:
        self.conn = conn
        self.import_id = import_id
        self.report = report
        self.dialect = conn.dialect.name
        dbapi = driver_connection(conn)
        self.upsert: PostgresUpsert | SqliteUpsert = (
            PostgresUpsert(dbapi) if self.dialect == "postgresql" else SqliteUpsert(dbapi)
        )
        self.rejected: list[RejectedRecord] = []
        self.affected: set[tuple[str, str]] = set()
        self.point_value_symbols: set[str] = set()
        # Runs this import closed (RUNNING -> COMPLETED/FAILED): their data-quality checks
        # of working orders and open trades change, so their trades are rebuilt.
        self.closed_runs: set[str] = set()
        # Bars inserted or changed: (symbol) -> (first start, last start) of the staged bars.
        self.bar_ranges: dict[str, tuple[datetime, datetime]] = {}
        self.first_time: datetime | None = None
        self.last_time: datetime | None = None

    # -- rows -----------------------------------------------------------------------------

    def reject(self, records: list[RejectedRecord]) -> None:
        for record in records:
            self.report.counts[record.table].rejected += 1
        self.rejected.extend(records)

    def remove_duplicates(self, spec: TableSpec) -> None:
        duplicates = self.upsert.remove_duplicates(spec)
        self.reject(
            [
                RejectedRecord(
                    table=spec.name,
                    position=d.position,
                    key=d.key,
                    reason=(
                        f"duplicate key {d.key!r}: the record at position {d.kept_position}"
                        " has the same key and supersedes this one"
                    ),
                    record={
                        k: (v.isoformat() if isinstance(v, datetime) else v)
                        for k, v in d.record.items()
                    },
                )
                for d in duplicates
            ]
        )

    def merge(
        self,
        spec: TableSpec,
        run_id: str | None,
        sequence_offset: int = 0,
        defaults: dict[str, str | None] | None = None,
    ) -> None:
        try:
            result = self.upsert.merge(
                spec,
                run_id=run_id,
                import_id=self.import_id,
                sequence_offset=sequence_offset,
                defaults=defaults,
            )
        except DuplicateKeysError:
            # A key given twice: the last record wins, the earlier ones are listed.
            self.remove_duplicates(spec)
            result = self.upsert.merge(
                spec,
                run_id=run_id,
                import_id=self.import_id,
                sequence_offset=sequence_offset,
                defaults=defaults,
            )
        self._record(spec, run_id, result)

    def record_direct(self, spec: TableSpec, run_id: str | None, result: MergeResult) -> None:
        """Count a table copied straight into place (PostgreSQL file import)."""
        self._record(spec, run_id, result)

    def _record(self, spec: TableSpec, run_id: str | None, result: MergeResult) -> None:
        self.upsert.drop_stage(spec)
        self.note_result(spec, run_id, result)

    def note_result(self, spec: TableSpec, run_id: str | None, result: MergeResult) -> None:
        """Count a merged table's result in the report; note affected pairs and times."""
        counts = self.report.counts[spec.name]
        counts.inserted += result.inserted
        counts.updated += result.updated
        counts.unchanged += result.unchanged
        counts.conflicts += result.conflicts
        if spec.run_scoped and run_id is not None and spec.names_trades:
            self.affected.update((run_id, symbol) for symbol in result.symbols)
        self.point_value_symbols |= result.point_value_symbols
        if spec.name == "bars":
            # Bars are market data shared by runs: they do not move a run's data times.
            if result.inserted or result.updated:
                self._note_bar_range(result.symbols, result.first_time, result.last_time)
        else:
            self._note_data_times(result.first_time, result.last_time)
        log.info(
            "%s %s: %d new, %d changed, %d unchanged, %d conflicts",
            self.report.file_name or self.report.source,
            spec.name,
            result.inserted,
            result.updated,
            result.unchanged,
            result.conflicts,
        )

    def _note_data_times(self, first: Any, last: Any) -> None:
        for value in (first, last):
            moment = stored_instant(value)
            if moment is None:
                continue
            self.first_time = moment if self.first_time is None else min(self.first_time, moment)
            self.last_time = moment if self.last_time is None else max(self.last_time, moment)

    # -- strategy and run -----------------------------------------------------------------

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
                self.closed_runs.add(values.run_id)
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
        if self.first_time is None or self.last_time is None:
            return
        self.conn.execute(
            _run_times_update(),
            {
                "times_run_id": run_id,
                "first": self.first_time,
                "last": self.last_time,
                "now": utc_now(),
            },
        )

    def _note_bar_range(self, symbols: set[str], first: Any, last: Any) -> None:
        first_at, last_at = stored_instant(first), stored_instant(last)
        if first_at is None or last_at is None:
            return
        for symbol in symbols:
            known = self.bar_ranges.get(symbol)
            if known is None:
                self.bar_ranges[symbol] = (first_at, last_at)
            else:  # widened for this symbol only
                self.bar_ranges[symbol] = (min(known[0], first_at), max(known[1], last_at))

    def _runs_covered_by_new_bars(self) -> set[tuple[str, str]]:
        """(run, symbol) pairs whose excursions may change because bars of the symbol
        arrived or changed within the run's data time (bars may come after their trades)."""
        queries = [
            # Bars are known by their start; one that starts before a run's first fill may
            # still contain it: a day of slack covers the longest named timeframe ('1d').
            select(Run.run_id, literal(symbol, String).label("symbol")).where(
                Run.first_data_time <= shifted(last, timedelta(days=1)),
                Run.last_data_time >= shifted(first, -timedelta(days=1)),
            )
            for symbol, (first, last) in self.bar_ranges.items()
        ]
        if not queries:
            return set()
        # One round trip for all the symbols.
        rows = self.conn.execute(queries[0] if len(queries) == 1 else union_all(*queries))
        return self._traded([(run_id, symbol) for run_id, symbol in rows])

    def _traded(self, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (run, symbol) pairs whose run has executions of the symbol. Each pair is its
        own probe with the run as a value: on PostgreSQL the planner then looks into that
        run's partition alone (a probe correlated with a runs table is planned over every
        partition, which costs a stream batch ~100 ms per 300 partitions)."""
        found: set[tuple[str, str]] = set()
        for start in range(0, len(pairs), TRADED_PROBES_PER_QUERY):
            probes = [
                select(literal(run_id, String), literal(symbol, String)).where(
                    select(Execution.run_id)
                    .where(Execution.run_id == run_id, Execution.symbol == symbol)
                    .exists()
                )
                for run_id, symbol in pairs[start : start + TRADED_PROBES_PER_QUERY]
            ]
            query = probes[0] if len(probes) == 1 else union_all(*probes)
            found.update((run_id, symbol) for run_id, symbol in self.conn.execute(query))
        return found

    def finish_affected(self) -> None:
        """Affected (run, symbol) pairs, including every run that trades a re-valued symbol
        and every run whose time the new or changed bars cover."""
        if self.bar_ranges:
            self.affected |= self._runs_covered_by_new_bars()
        if self.point_value_symbols:
            # Per run, a probe of the (run_id, symbol, ...) index, not a scan of executions.
            runs = self.conn.execute(select(Run.run_id)).scalars().all()
            symbols = sorted(self.point_value_symbols)
            self.affected |= self._traded([(r, symbol) for symbol in symbols for r in runs])
        for run_id in sorted(self.closed_runs):
            traded = self.conn.execute(
                select(Execution.symbol).where(Execution.run_id == run_id).distinct()
            ).scalars()
            self.affected.update((run_id, symbol) for symbol in traded)
        self.report.affected = sorted(self.affected)


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
