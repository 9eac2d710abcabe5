"""One stream batch's writes inside its import session, as named steps.

``write`` runs them in order: the run values not understood listed, the strategy and run
rows written, each table's records checked and stored (on PostgreSQL by ``PostgresBatch``,
pipelined; on SQLite staged and merged like a file's), the run's data time widened. It
returns what the rebuild needs to know beyond the report (``RebuildHints``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..contract.run import RunInfo, metadata_document
from .batch_checks import check_records
from .export_file import jsonable, validate_raw
from .rebuild_hints import RebuildHints
from .report import RejectedRecord
from .run_identity import run_values
from .stream_postgres import PostgresBatch
from .tables import TABLE_SPECS, TableSpec
from .transaction import ImportSession

Rows = list[tuple[Any, ...]]

# Up to this many records a batch is merged by key lookups, not by a hash of the run's rows.
SMALL_BATCH_RECORDS = 50_000


class BatchImport:
    def __init__(
        self,
        session: ImportSession,
        batch: dict[str, Any],
        info: RunInfo,
        problems: list[tuple[str, str]],
    ) -> None:
        self.session = session
        self.batch = batch
        self.info = info
        self.problems = problems
        self.run_id = info.run_id
        self.defaults = {"strategy_id": info.strategy_id, "account_id": info.account_id}
        self.hints = RebuildHints(info.run_id, self.defaults)
        self.specs = [spec for spec in TABLE_SPECS if batch.get(spec.name)]
        self.small = sum(len(batch[spec.name]) for spec in self.specs) <= SMALL_BATCH_RECORDS

    def write(self) -> RebuildHints:
        self.list_run_problems()
        self.write_run()
        self.write_tables()
        self.widen_run_times()
        return self.rebuild_hints()

    def list_run_problems(self) -> None:
        self.session.tables.list_ignored(
            [RejectedRecord(table="run", key=key, reason=reason) for key, reason in self.problems]
        )

    def write_run(self) -> None:
        """The strategy and the run, before the orders that reference it."""
        if self.run_id is None:
            return
        orders = self.batch.get("orders") or []
        first = next((o for o in orders if isinstance(o, dict)), None)
        self.session.runs.ensure_run(
            run_values(
                self.info,
                run_id=self.run_id,
                status=self.info.status,
                schema_version=self.session.report.schema_version,
                metadata=metadata_document(self.batch.get("run") or {}),
                first_record=first,
            )
        )

    def write_tables(self) -> None:
        tables = self.session.tables
        if tables.dialect == "postgresql":
            batch = PostgresBatch(tables, self.run_id, self.defaults, small=self.small)
            batch.write(self.checked_tables())
            return
        if self.small:
            tables.prefer_key_lookups()
        for spec, rows in self.checked_tables():
            scope = self.run_id if spec.run_scoped else None
            tables.stage_and_merge(spec, rows, scope, self.defaults)

    def checked_tables(self) -> Iterator[tuple[TableSpec, Rows]]:
        """Each table's valid rows, checked when asked for (the next table is checked
        while the database takes the previous one); rejections listed on the way."""
        for spec in self.specs:
            yield spec, self.check(spec)

    def check(self, spec: TableSpec) -> Rows:
        rows, rejected = _validated(spec, self.batch[spec.name], self.defaults)
        self.session.tables.reject(rejected)
        self.hints.note_rows(spec, rows)
        return rows

    def widen_run_times(self) -> None:
        if self.run_id is not None:
            self.session.runs.update_run_times(self.run_id)

    def rebuild_hints(self) -> RebuildHints:
        changes = self.session.changes
        self.hints.bar_ranges = dict(changes.bar_ranges)
        self.hints.point_value_symbols = set(changes.point_value_symbols)
        return self.hints


def _validated(
    spec: TableSpec, items: list[Any], defaults: dict[str, str | None]
) -> tuple[Rows, list[RejectedRecord]]:
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
        elif rejection is not None:
            rejected.append(rejection)
    return rows, rejected
