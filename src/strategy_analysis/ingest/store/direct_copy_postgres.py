"""A file import's rows copied straight into their table on PostgreSQL, when nothing
stored can collide with them: a new run's orders and executions, and bars of symbols
that have no stored bars. No stage and no merge: every row is new.

The copy runs under a savepoint. A key the file repeats undoes it (``DirectCopyUndone``)
and the importer stages and merges the table after all. An execution without strategy or
account comes laid out for the stage (``copy_text``'s rows put aside) and is inserted from
there at the end, with the merge's fallbacks (its order's value, then the run's default).

A large table goes into a partition of its own (``partitions_postgres``), created under
the savepoint and filled with ``COPY FREEZE``; its indexes are built when the table is
read, and it is attached when the import ends.
"""

from __future__ import annotations

from psycopg import errors

from ...db.partitions_postgres import PARTITION_ERRORS, OwnPartition
from ...db.types import stored_instant
from ..copy_layout import CopyChunk, CopyLayout
from ..tables import TableSpec
from .upsert_base import MergeResult, new_run_sql, q, stage_table
from .upsert_postgres import PostgresUpsert, copy_chunk, pg_param


class DirectCopyUndone(Exception):
    """The direct copy was rolled back to its savepoint: stage and merge the table."""


def direct_layout(
    upsert: PostgresUpsert,
    spec: TableSpec,
    run_id: str | None,
    bar_symbols: frozenset[str] | None,
) -> CopyLayout | None:
    """The layout to copy ``spec`` straight into its table, or None when rows may collide."""
    with upsert.conn.cursor() as cursor:
        if spec.run_scoped:
            if run_id is None or not upsert.nothing_stored(cursor, spec, {"run_id": run_id}):
                return None
            return CopyLayout.RUN_TABLE_SEQUENCED if spec.sequenced else CopyLayout.RUN_TABLE
        if not spec.shared_by_range or not bar_symbols:
            return None
        cursor.execute(
            f"SELECT 1 FROM {spec.name} WHERE symbol = ANY(%s) LIMIT 1", (list(bar_symbols),)
        )
        return CopyLayout.TABLE if cursor.fetchone() is None else None


class DirectCopy:
    def __init__(
        self,
        upsert: PostgresUpsert,
        spec: TableSpec,
        layout: CopyLayout,
        run_id: str | None,
        bar_symbols: frozenset[str] | None = None,
        *,
        own_partition: bool = False,
    ) -> None:
        self.conn = upsert.conn
        self.upsert = upsert
        self.spec = spec
        self.layout = layout
        self.run_id = run_id
        self.bar_symbols = bar_symbols or frozenset()
        self.aside = spec.fallback_columns
        self.staged = 0
        self.result = MergeResult()
        self.columns = ", ".join(q(c) for c in layout.columns(spec.columns))
        self.table = spec.name
        stage_columns = ", ".join(q(c) for c in CopyLayout.STAGE.columns(spec.columns))
        self.stage = f"{stage_table(spec)} ({stage_columns})"
        self.savepoint = f"direct_{spec.name}"
        self.conn.execute(f"SAVEPOINT {self.savepoint}")
        self.partition: OwnPartition | None = None
        if own_partition:
            keys = [run_id] if spec.run_scoped and run_id is not None else self.bar_symbols
            try:
                self.partition = OwnPartition(self.conn, spec.name, keys)
            except PARTITION_ERRORS:
                raise self._undo("another import created the partition meanwhile") from None
            self.table = self.partition.name

    @property
    def target(self) -> str:
        return f"{self.table} ({self.columns})"

    def _undo(self, why: str) -> DirectCopyUndone:
        self.conn.execute(f"ROLLBACK TO SAVEPOINT {self.savepoint}")
        self.conn.execute(f"RELEASE SAVEPOINT {self.savepoint}")
        return DirectCopyUndone(f"{self.spec.name}: {why}")

    def copy(self, chunk: CopyChunk) -> None:
        direct_rows, staged_rows = [], []
        positions = {c: 1 + self.spec.columns.index(c) for c in self.aside}
        for row in chunk.rows:
            if any(row[i] is None for i in positions.values()):
                staged_rows.append(row)
            else:
                direct_rows.append(row)
        if self.spec.shared_by_range:
            symbol = 1 + self.spec.columns.index("symbol")
            if any(row[symbol] not in self.bar_symbols for row in direct_rows):
                # A symbol the collision check did not cover.
                raise self._undo("a bar's symbol was not checked for stored bars")
        # Rows copied into a table this savepoint created can be stored frozen.
        options = "FREEZE" if self.partition is not None else None
        with self.conn.cursor() as cursor:
            try:
                copy_chunk(
                    cursor,
                    self.target,
                    self.layout,
                    chunk.text,
                    direct_rows,
                    self.run_id,
                    options=options,
                )
                copy_chunk(cursor, self.stage, CopyLayout.STAGE, chunk.aside_text, staged_rows)
            except errors.UniqueViolation:
                raise self._undo("a key repeats") from None
        self.staged += chunk.aside_lines + len(staged_rows)
        self._count(chunk)

    def _count(self, chunk: CopyChunk) -> None:
        """The chunk's new rows: their number, data times and symbols."""
        result, spec = self.result, self.spec
        result.inserted += chunk.lines + chunk.aside_lines + len(chunk.rows)
        result.symbols.update(chunk.symbols)
        times = [stored_instant(chunk.first_time), stored_instant(chunk.last_time)]
        if chunk.rows:
            symbol = 1 + spec.columns.index("symbol")
            result.symbols.update(row[symbol] for row in chunk.rows)
            if spec.time_column is not None:
                column = 1 + spec.columns.index(spec.time_column)
                times += [stored_instant(row[column]) for row in chunk.rows]
        known = [t for t in times if t is not None]
        if known:
            result.first_time = min([*known, result.first_time or known[0]])
            result.last_time = max([*known, result.last_time or known[0]])

    def finish(self, defaults: dict[str, str | None]) -> MergeResult:
        """Insert what was put aside, build an own partition's indexes and release the
        savepoint: every row is new."""
        params = {
            "run_id": self.run_id,
            "sequence_offset": 0,
            "default_strategy_id": defaults.get("strategy_id"),
            "default_account_id": defaults.get("account_id"),
        }
        spec = self.spec
        with self.conn.cursor() as cursor:
            try:
                if self.staged:
                    # The fallbacks read the run's orders, from their own partition if they
                    # have one not attached yet (attaching now would lock the DEFAULT one).
                    assert spec.fallback_from is not None  # only fallbacks are put aside
                    source = self.upsert.pending.table_holding(spec.fallback_from.name)
                    sql = new_run_sql(spec, pg_param, stage_table(spec), self.table, source)
                    cursor.execute(sql, params)
                if self.partition is not None:
                    self.partition.build_indexes()
                    self.partition.analyze()
            except PARTITION_ERRORS:
                raise self._undo("a key repeats") from None
            cursor.execute(f"RELEASE SAVEPOINT {self.savepoint}")
        if self.partition is not None:
            self.upsert.pending.add(self.partition)
        self.result.staged = self.result.inserted
        return self.result


def clear_stage(upsert: PostgresUpsert, spec: TableSpec) -> None:
    """Empty a stage that an undone direct copy may have used."""
    upsert.conn.execute(f"TRUNCATE {stage_table(spec)}")
