"""An import's table writes, inside its session's transaction: the bulk upsert of the
connection's dialect, each table's merge, and the report's counts and rejections.

The file import's strategies drive the upsert themselves (``postgres_upsert``,
``sqlite_upsert``); everything else goes through the methods here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ..db.engine import driver_connection
from .changes import ImportChanges
from .report import ImportReport, RejectedRecord
from .store.upsert_base import DuplicateKeysError, MergeResult
from .store.upsert_postgres import PostgresUpsert
from .store.upsert_sqlite import SqliteUpsert
from .tables import TableSpec

log = logging.getLogger(__name__)

Rows = list[tuple[Any, ...]]


class TableWriter:
    def __init__(
        self, conn: Connection, import_id: int, report: ImportReport, changes: ImportChanges
    ) -> None:
        self.import_id = import_id
        self.report = report
        self.changes = changes
        self.dialect = conn.dialect.name
        dbapi = driver_connection(conn)
        self._upsert: PostgresUpsert | SqliteUpsert = (
            PostgresUpsert(dbapi) if self.dialect == "postgresql" else SqliteUpsert(dbapi)
        )
        self.rejected: list[RejectedRecord] = []

    # -- the dialect's upsert -----------------------------------------------------------

    def postgres_upsert(self) -> PostgresUpsert:
        """The upsert of a PostgreSQL connection (the COPY import and the stream's merges)."""
        if not isinstance(self._upsert, PostgresUpsert):
            raise TypeError(f"a PostgreSQL write on a {self.dialect} connection")
        return self._upsert

    def sqlite_upsert(self) -> SqliteUpsert:
        """The upsert of a SQLite connection (the attached file import)."""
        if not isinstance(self._upsert, SqliteUpsert):
            raise TypeError(f"a SQLite write on a {self.dialect} connection")
        return self._upsert

    def create_stages(self, specs: list[TableSpec]) -> None:
        for spec in specs:
            self._upsert.create_stage(spec)

    def prefer_key_lookups(self) -> None:
        """Merge small stages by key lookups (store/upsert_postgres.py says why)."""
        self._upsert.prefer_key_lookups()

    def release(self) -> None:
        """Give back what the upsert holds beyond the transaction (SQLite's temp tables)."""
        self._upsert.release()

    # -- rejections -----------------------------------------------------------------------

    def reject(self, records: list[RejectedRecord]) -> None:
        """Records of a table refused with their reason: listed and counted."""
        for record in records:
            self.report.counts[record.table].rejected += 1
        self.rejected.extend(records)

    def list_ignored(self, records: list[RejectedRecord]) -> None:
        """Values that are no table's records (a run value not understood): listed only."""
        self.rejected.extend(records)

    def _remove_duplicates(self, spec: TableSpec) -> None:
        duplicates = self._upsert.remove_duplicates(spec)
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

    # -- merges -----------------------------------------------------------------------------

    def merge(
        self,
        spec: TableSpec,
        run_id: str | None,
        sequence_offset: int = 0,
        defaults: dict[str, str | None] | None = None,
    ) -> None:
        """Merge the table's stage into the table and count the result."""
        try:
            result = self._upsert.merge(
                spec,
                run_id=run_id,
                import_id=self.import_id,
                sequence_offset=sequence_offset,
                defaults=defaults,
            )
        except DuplicateKeysError:
            # A key given twice: the last record wins, the earlier ones are listed.
            self._remove_duplicates(spec)
            result = self._upsert.merge(
                spec,
                run_id=run_id,
                import_id=self.import_id,
                sequence_offset=sequence_offset,
                defaults=defaults,
            )
        self._record(spec, run_id, result)

    def stage_and_merge(
        self,
        spec: TableSpec,
        rows: Rows,
        run_id: str | None,
        defaults: dict[str, str | None],
    ) -> None:
        """Stage rows checked in Python (a stream batch's) and merge them; new executions
        are numbered after the run's largest sequence."""
        self._upsert.create_stage(spec)
        self._upsert.stage_rows(spec, rows)
        offset = 0
        if spec.sequenced:
            if run_id is None:
                raise ValueError(f"{spec.name} are staged for a run")
            offset = self._upsert.next_sequence(run_id)
        self.merge(spec, run_id, sequence_offset=offset, defaults=defaults)

    def record_direct(self, spec: TableSpec, run_id: str | None, result: MergeResult) -> None:
        """Count a table copied straight into place (PostgreSQL file import)."""
        self._record(spec, run_id, result)

    def _record(self, spec: TableSpec, run_id: str | None, result: MergeResult) -> None:
        self._upsert.drop_stage(spec)
        self.note_result(spec, run_id, result)

    def note_result(self, spec: TableSpec, run_id: str | None, result: MergeResult) -> None:
        """Count a merged table's result in the report; note what it changed."""
        counts = self.report.counts[spec.name]
        counts.inserted += result.inserted
        counts.updated += result.updated
        counts.unchanged += result.unchanged
        counts.conflicts += result.conflicts
        self.changes.note(spec, run_id, result)
        log.info(
            "%s %s: %d new, %d changed, %d unchanged, %d conflicts",
            self.report.file_name or self.report.source,
            spec.name,
            result.inserted,
            result.updated,
            result.unchanged,
            result.conflicts,
        )
