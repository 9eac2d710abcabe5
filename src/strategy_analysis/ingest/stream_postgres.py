"""PostgreSQL: a stream batch's tables written in as few round trips as the data allows.

A stream's rows are nearly always new. So all the batch's tables first go in by plain
INSERTs (``all_new``), queued in one pipeline behind a savepoint while the next table's
records are checked; the server runs them in order, so the executions see the orders just
inserted (an execution may take its order's account). When a key is stored already (a
retried batch, a changed record), or a table repeats a key, the batch rolls back to the
savepoint and is merged by the statements that compare with what is stored: the orders
merged whole before the executions are sent, a table that repeats a key through the
staged merge (its savepoint and duplicate listing handle it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from .store.batch_merge_postgres import PendingMerge, PostgresBatchMerge, has_repeated_keys
from .store.upsert_postgres import PostgresUpsert
from .tables import EXECUTIONS, TableSpec
from .writer import ImportWriter

Rows = list[tuple[Any, ...]]
NEW_ROWS_SAVEPOINT = "stream_new_rows"


class _RepeatedKey(Exception):
    """A table of the batch repeats a key: the batch takes the merging path."""


class PostgresBatchWriter:
    def __init__(
        self,
        writer: ImportWriter,
        run_id: str | None,
        defaults: dict[str, str | None],
        checked: Callable[[ImportWriter, TableSpec], Rows],
        write_staged: Callable[[ImportWriter, TableSpec, Rows], None],
        before_merges: Callable[[ImportWriter], None],
    ) -> None:
        self.writer = writer
        upsert = writer.upsert
        assert isinstance(upsert, PostgresUpsert)  # a batch writer runs on PostgreSQL only
        self.conn = upsert.conn
        self.merge = PostgresBatchMerge(self.conn)
        self.run_id = run_id
        self.defaults = defaults
        self._checked = checked
        self._write_staged = write_staged
        self._before_merges = before_merges
        self.todo: list[TableSpec] = []
        # checked, in table order, and whether the table repeats a key
        self.done: list[tuple[TableSpec, Rows, bool]] = []

    def write(self, specs: list[TableSpec]) -> None:
        self.todo = list(specs)
        sent: list[PendingMerge] = []
        try:
            with self.conn.pipeline():
                self.conn.execute(f"SAVEPOINT {NEW_ROWS_SAVEPOINT}")
                while self.todo:
                    spec, rows, repeated = self._check_next()
                    if repeated:
                        raise _RepeatedKey
                    sent.append(self._send(spec, rows, all_new=True))
        except (psycopg.errors.UniqueViolation, _RepeatedKey):
            # A stored key's error comes at the sync, or while a later table is sent.
            for pending in sent:
                if pending.cursor is not None:
                    pending.cursor.close()
            self.conn.execute(f"ROLLBACK TO SAVEPOINT {NEW_ROWS_SAVEPOINT}")
            while self.todo:
                self._check_next()
            self._before_merges(self.writer)
            self._write_merged()
            return
        self._note(sent)

    def _check_next(self) -> tuple[TableSpec, Rows, bool]:
        spec = self.todo.pop(0)
        rows = self._checked(self.writer, spec)
        self.done.append((spec, rows, has_repeated_keys(spec, rows)))
        return self.done[-1]

    def _send(self, spec: TableSpec, rows: Rows, all_new: bool) -> PendingMerge:
        return self.merge.send(
            spec,
            rows,
            run_id=self.run_id if spec.run_scoped else None,
            import_id=self.writer.import_id,
            defaults=self.defaults,
            all_new=all_new,
        )

    def _note(self, sent: list[PendingMerge]) -> None:
        for pending in sent:
            scope = self.run_id if pending.spec.run_scoped else None
            self.writer.note_result(pending.spec, scope, self.merge.finish(pending))

    def _write_merged(self) -> None:
        """Each table merged with what is stored, in table order, one statement at a time
        (the rare path); the tables before the executions are answered (merged whole)
        before the executions go."""
        sent: list[PendingMerge] = []
        for spec, rows, repeated in self.done:
            if repeated or spec is EXECUTIONS:
                self._note(sent)
                sent = []
            if repeated:
                self._write_staged(self.writer, spec, rows)
                continue
            sent.append(self._send(spec, rows, all_new=False))
        self._note(sent)
