"""PostgreSQL: a stream batch's tables written in as few round trips as the data allows.

A stream's rows are nearly always new. So all the batch's tables first go in by plain
INSERTs (``_insert_all_new``), queued in one pipeline behind a savepoint while the next
table's records are checked; the server runs them in order, so the executions see the
orders just inserted (an execution may take its order's account). When a key is stored
already (a retried batch, a changed record), or a table repeats a key, the batch rolls
back to the savepoint and is merged by the statements that compare with what is stored
(``_merge_each``): the orders merged whole before the executions are sent, a table that
repeats a key through the staged merge (its savepoint and duplicate listing handle it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg

from .store.batch_merge_postgres import PendingMerge, PostgresBatchMerge, has_repeated_keys
from .table_writer import TableWriter
from .tables import EXECUTIONS, TableSpec

Rows = list[tuple[Any, ...]]
NEW_ROWS_SAVEPOINT = "stream_new_rows"


@dataclass
class CheckedTable:
    spec: TableSpec
    rows: Rows  # position first, then the stored values
    repeats_key: bool


class PostgresBatch:
    """Writes a batch's checked tables through ``tables`` (its session's table writer).

    ``small``: merges, if it comes to them, probe the stored rows by key.
    """

    def __init__(
        self,
        tables: TableWriter,
        run_id: str | None,
        defaults: dict[str, str | None],
        *,
        small: bool,
    ) -> None:
        self.tables = tables
        self.conn = tables.postgres_upsert().conn
        self.merge = PostgresBatchMerge(self.conn)
        self.run_id = run_id
        self.defaults = defaults
        self.small = small

    def write(self, checked_rows: Iterable[tuple[TableSpec, Rows]]) -> None:
        """Write the tables in the order given; each table's rows are taken (and checked
        by the caller) only when the previous table has been sent."""
        tables = (
            CheckedTable(spec, rows, has_repeated_keys(spec, rows)) for spec, rows in checked_rows
        )
        checked, sent = self._insert_all_new(tables)
        if sent is not None:
            self._count(sent)
            return
        checked.extend(tables)  # the tables not reached are checked now
        if self.small:
            self.tables.prefer_key_lookups()
        self._merge_each(checked)

    def _insert_all_new(
        self, tables: Iterator[CheckedTable]
    ) -> tuple[list[CheckedTable], list[PendingMerge] | None]:
        """Every table by plain INSERTs in one pipeline, under a savepoint. The tables
        checked so far, and the statements sent; None when a key was stored or repeated,
        and the batch rolled back to the savepoint."""
        checked: list[CheckedTable] = []
        sent: list[PendingMerge] = []
        all_new = True
        try:
            with self.conn.pipeline():
                self.conn.execute(f"SAVEPOINT {NEW_ROWS_SAVEPOINT}")
                for table in tables:
                    checked.append(table)
                    if table.repeats_key:
                        all_new = False
                        break
                    sent.append(self._send(table, all_new=True))
        except psycopg.errors.UniqueViolation:
            # A stored key's error comes at the sync, or while a later table is sent.
            all_new = False
        if all_new:
            return checked, sent
        for pending in sent:
            if pending.cursor is not None:
                pending.cursor.close()
        self.conn.execute(f"ROLLBACK TO SAVEPOINT {NEW_ROWS_SAVEPOINT}")
        return checked, None

    def _merge_each(self, checked: list[CheckedTable]) -> None:
        """Each table merged with what is stored, in table order, one statement at a time
        (the rare path); the tables before the executions are answered (merged whole)
        before the executions go."""
        sent: list[PendingMerge] = []
        for table in checked:
            if table.repeats_key or table.spec is EXECUTIONS:
                self._count(sent)
                sent = []
            if table.repeats_key:
                scope = self.run_id if table.spec.run_scoped else None
                self.tables.stage_and_merge(table.spec, table.rows, scope, self.defaults)
                continue
            sent.append(self._send(table, all_new=False))
        self._count(sent)

    def _send(self, table: CheckedTable, all_new: bool) -> PendingMerge:
        return self.merge.send(
            table.spec,
            table.rows,
            run_id=self.run_id if table.spec.run_scoped else None,
            import_id=self.tables.import_id,
            defaults=self.defaults,
            all_new=all_new,
        )

    def _count(self, sent: list[PendingMerge]) -> None:
        for pending in sent:
            scope = self.run_id if pending.spec.run_scoped else None
            self.tables.note_result(pending.spec, scope, self.merge.finish(pending))
