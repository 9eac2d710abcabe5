"""Bulk upsert on PostgreSQL: COPY into a temporary table, then one merge statement.

The merge statement drops unchanged rows with a join against the target before
``INSERT ... ON CONFLICT DO UPDATE``, so a re-import of unchanged data writes nothing and
locks nothing; the classification (a stored twin or none) tells an inserted row from an
updated one (``RETURNING xmax`` is not allowed on a partitioned table).
The conflict list (old and new values) is written by the same statement.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from psycopg import errors

from ...db.partitions_postgres import PendingAttaches
from ...trades.builder import DEFAULT_POINT_VALUE
from ..copy_layout import COPY_NULL, CopyChunk, CopyLayout
from ..tables import TableSpec
from .upsert_base import (
    NUMERIC_COLUMNS,
    Duplicate,
    DuplicateKeysError,
    MergeResult,
    compared_columns,
    conflict_condition,
    effective_values,
    insert_columns,
    key_join,
    new_run_sql,
    nothing_stored_sql,
    q,
    stage_table,
    user_owned_sql,
)

log = logging.getLogger(__name__)

# A stage this large is analyzed before its merge: the planner then sizes the join from
# real row counts and widths, not from a temporary table's guesses.
ANALYZED_STAGE_ROWS = 10_000


def copy_chunk(
    cursor: Any,
    target: str,
    layout: CopyLayout,
    text: str,
    rows: list[tuple[Any, ...]],
    run_id: str | None = None,
    *,
    options: str | None = None,
) -> None:
    """COPY lines of text, then model rows (pos, values), into ``target`` (its columns in
    ``layout``); the text's NULL is ``COPY_NULL``, so the rows go through a COPY of their own.
    ``options`` are further COPY options (``FREEZE``)."""
    more = f", {options}" if options else ""
    if text:
        with cursor.copy(f"COPY {target} FROM STDIN (NULL '{COPY_NULL}'{more})") as copy:
            copy.write(text)
            copy.write("\n")
    if rows:
        with cursor.copy(
            f"COPY {target} FROM STDIN ({options})" if options else f"COPY {target} FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(layout.row(row, run_id))


# Typed placeholders: one parameter used in several places must deduce one type.
_PARAM_TYPES = {"sequence_offset": "bigint", "import_id": "bigint"}


def pg_param(name: str) -> str:
    return f"%({name})s::{_PARAM_TYPES.get(name, 'text')}"


def column_type(spec: TableSpec, column: str) -> str:
    """The PostgreSQL type a staged column has."""
    if column in spec.timestamp_columns:
        return "timestamptz"
    if column in NUMERIC_COLUMNS:
        return "double precision"
    return "text"


def _key_text(spec: TableSpec, prefix: str = "") -> str:
    parts = [f"{prefix}{q(k)}::text" for k in spec.key]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def merge_sql(spec: TableSpec) -> str:
    """One statement: classify against the target, record conflicts, upsert, count."""
    stage = stage_table(spec)
    compared = compared_columns(spec)
    values = effective_values(spec, pg_param)
    first_key = q(spec.key[0])
    new_list = ", ".join(values[c] for c in compared)
    old_list = ", ".join(f"t.{q(c)}" for c in compared)
    select = ", ".join(f"{values[c]} AS {q(c)}" for c in spec.columns)
    olds = ", ".join(f"t.{q(c)} AS {q('old_' + c)}" for c in compared)
    target_columns, source_columns = insert_columns(
        spec, run=pg_param("run_id"), sequence_offset=pg_param("sequence_offset"), now="now()"
    )
    conflict_key = ("run_id, " if spec.run_scoped else "") + ", ".join(q(k) for k in spec.key)
    updates = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in compared)
    if spec.stamped_column is not None:
        updates += f", {spec.stamped_column} = EXCLUDED.{spec.stamped_column}"
    # A stored row the user set is kept as it is: a differing record is a conflict.
    user_owned = user_owned_sql(spec)
    kept = f", {user_owned} AS kept" if user_owned else ""
    written = " WHERE NOT kept" if user_owned else ""
    parts = [
        f"src AS MATERIALIZED (SELECT s.pos, {select}, t.{first_key} IS NOT NULL AS existed"
        f"{kept}, {olds} FROM {stage} s LEFT JOIN {spec.name} t"
        f" ON {key_join(spec, pg_param('run_id'))}"
        f" WHERE t.{first_key} IS NULL OR ({old_list}) IS DISTINCT FROM ({new_list}))"
    ]
    tail = []
    condition = conflict_condition(spec)
    if condition is not None:
        old_doc = ", ".join(f"'{c}', {q('old_' + c)}" for c in compared)
        new_doc = ", ".join(f"'{c}', {q(c)}" for c in compared)
        parts.append(
            "conflicts AS (INSERT INTO import_conflicts"
            " (import_id, table_name, run_id, record_key, old_values, new_values)"
            f" SELECT {pg_param('import_id')}, '{spec.name}', {pg_param('run_id')}, {_key_text(spec)},"
            f" jsonb_build_object({old_doc}), jsonb_build_object({new_doc})"
            f" FROM src WHERE {condition} RETURNING 1)"
        )
        tail.append("SELECT 'conflicts', NULL::boolean, NULL::text, count(*) FROM conflicts")
    parts.append(
        f"up AS (INSERT INTO {spec.name} ({target_columns}) SELECT {source_columns} FROM src s"
        f"{written} ON CONFLICT ({conflict_key}) DO UPDATE SET {updates}"
        " RETURNING 1)"
    )
    # Every classified row is written (but a kept one): those with no stored twin are new.
    tail.insert(
        0, f"SELECT 'up', NOT existed, symbol, count(*) FROM src{written} GROUP BY existed, symbol"
    )
    if "symbol" in compared:
        tail.append(
            "SELECT 'old', NULL, old_symbol, count(*) FROM src WHERE existed GROUP BY old_symbol"
        )
    value = spec.point_value_column
    if value is not None:
        tail.append(
            "SELECT 'point_value', NULL, symbol, count(*) FROM src"
            f" WHERE {value} IS DISTINCT FROM coalesce(old_{value}, {DEFAULT_POINT_VALUE})"
            f"{' AND NOT kept' if user_owned else ''} GROUP BY symbol"
        )
    return "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(tail)


def count_merge(result: MergeResult, rows: list[tuple[Any, ...]]) -> None:
    """Add merge_sql's answer (kind, inserted, symbol, count) to ``result``."""
    for kind, inserted, symbol, count in rows:
        if kind == "up":
            if inserted:
                result.inserted += count
            else:
                result.updated += count
            result.symbols.add(symbol)
        elif kind == "conflicts":
            result.conflicts += count
        elif kind == "old":
            result.symbols.add(symbol)
        elif kind == "point_value":
            result.point_value_symbols.add(symbol)


class PostgresUpsert:
    """Stages and merges the tables of one import on one psycopg connection (its transaction)."""

    def __init__(self, connection: Any) -> None:
        self.conn = connection
        # Stored times are UTC text. The classification joins a whole stage against the
        # run's stored rows: a hash that fits in memory avoids spilling batches to
        # temporary files. One round trip for both (a stream batch pays it each time).
        self.conn.execute(
            "SELECT set_config('TimeZone', 'UTC', true), set_config('work_mem', '128MB', true)"
        )
        # Own partitions of this import, attached at its end or before a merge.
        self.pending = PendingAttaches()

    def release(self) -> None:
        """Temporary tables go with the transaction (ON COMMIT DROP)."""

    def prefer_key_lookups(self) -> None:
        """For small stages (stream batches): probe the target by key, row by row through
        its primary key, instead of hashing all the run's stored rows; the stage has no
        statistics, so the planner would pick the hash, whose cost grows with the run."""
        self.conn.execute(
            "SELECT set_config('enable_hashjoin', 'off', true),"
            " set_config('enable_mergejoin', 'off', true),"
            " set_config('enable_material', 'off', true),"
            " set_config('enable_bitmapscan', 'off', true)"
        )

    def drop_stage(self, spec: TableSpec) -> None:
        """A merged table's stage is not needed any more: free its space now."""
        self.conn.execute(f"DROP TABLE IF EXISTS {stage_table(spec)}")

    def create_stage(self, spec: TableSpec) -> None:
        columns = ", ".join(f"{q(c)} {column_type(spec, c)}" for c in spec.columns)
        self.conn.execute(
            f"CREATE TEMP TABLE {stage_table(spec)} (pos bigint, {columns}) ON COMMIT DROP"
        )

    def stage_rows(self, spec: TableSpec, rows: Iterable[tuple[Any, ...]]) -> None:
        columns = ", ".join(q(c) for c in spec.columns)
        with self.conn.cursor() as cursor:
            with cursor.copy(f"COPY {stage_table(spec)} (pos, {columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def stage_copy_text(self, spec: TableSpec, chunk: CopyChunk) -> None:
        """Stage a chunk of a file import (COPY text lines plus the model's rows)."""
        columns = ", ".join(q(c) for c in CopyLayout.STAGE.columns(spec.columns))
        with self.conn.cursor() as cursor:
            text = "\n".join(t for t in (chunk.text, chunk.aside_text) if t)
            copy_chunk(
                cursor, f"{stage_table(spec)} ({columns})", CopyLayout.STAGE, text, chunk.rows
            )

    def remove_duplicates(self, spec: TableSpec) -> list[Duplicate]:
        """Keep the last record of each key staged twice; return the ones dropped."""
        stage = stage_table(spec)
        keys = ", ".join(q(k) for k in spec.key)
        with self.conn.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {stage} GROUP BY {keys} HAVING count(*) > 1 LIMIT 1")
            if cursor.fetchone() is None:
                return []
            join = " AND ".join(f"d.{q(k)} = s.{q(k)}" for k in spec.key)
            columns = ", ".join(f"s.{q(c)}" for c in spec.columns)
            cursor.execute(
                f"DELETE FROM {stage} s USING (SELECT {keys}, max(pos) AS keep FROM {stage}"
                f" GROUP BY {keys} HAVING count(*) > 1) d WHERE {join} AND s.pos <> d.keep"
                f" RETURNING s.pos, d.keep, {_key_text(spec, 's.')}, {columns}"
            )
            return [
                Duplicate(row[0], row[1], row[2], dict(zip(spec.columns, row[3:], strict=True)))
                for row in cursor.fetchall()
            ]

    def next_sequence(self, run_id: str) -> int:
        row = self.conn.execute(
            "SELECT coalesce(max(sequence), 0) + 1 FROM executions WHERE run_id = %(run_id)s",
            {"run_id": run_id},
        ).fetchone()
        return int(row[0])

    @staticmethod
    def nothing_stored(cursor: Any, spec: TableSpec, params: dict[str, Any]) -> bool:
        sql = nothing_stored_sql(spec, stage_table(spec), spec.name, pg_param)
        if sql is None:
            return False
        cursor.execute(sql, params)
        return cursor.fetchone() is None

    def merge(
        self,
        spec: TableSpec,
        *,
        run_id: str | None,
        import_id: int,
        sequence_offset: int = 0,
        defaults: dict[str, str | None] | None = None,
    ) -> MergeResult:
        """Merge the stage; ``DuplicateKeysError`` (nothing merged) if a key is staged twice.

        Duplicates are rare, so instead of grouping every stage by its key first, the merge
        runs under a savepoint and a unique or cardinality violation undoes it.
        """
        # The merge reads through the parent tables (stored rows, an order's fallbacks).
        self.pending.attach_all()
        with self.conn.cursor() as cursor:
            cursor.execute("SAVEPOINT merge_stage")
            try:
                params = {
                    "run_id": run_id,
                    "import_id": import_id,
                    "sequence_offset": sequence_offset,
                    "default_strategy_id": (defaults or {}).get("strategy_id"),
                    "default_account_id": (defaults or {}).get("account_id"),
                }
                result = self._merge(cursor, spec, params)
            except (errors.UniqueViolation, errors.CardinalityViolation, DuplicateKeysError) as exc:
                cursor.execute("ROLLBACK TO SAVEPOINT merge_stage")
                cursor.execute("RELEASE SAVEPOINT merge_stage")
                raise DuplicateKeysError(spec.name) from exc
            cursor.execute("RELEASE SAVEPOINT merge_stage")
        log.debug("merged %s: %s", spec.name, result)
        return result

    def _merge(self, cursor: Any, spec: TableSpec, params: dict[str, Any]) -> MergeResult:
        result = MergeResult()
        stage = stage_table(spec)
        time_column = spec.time_column
        aggregates = (
            f"count(*), min({q(time_column)}), max({q(time_column)})"
            if time_column
            else "count(*), NULL, NULL"
        )
        cursor.execute(f"SELECT {aggregates} FROM {stage}")
        result.staged, result.first_time, result.last_time = cursor.fetchone()
        if not result.staged:
            return result
        if self.nothing_stored(cursor, spec, params):
            # Nothing to compare against: insert all, no join, no conflict check.
            cursor.execute(new_run_sql(spec, pg_param, stage), params)
            result.inserted = result.staged
            cursor.execute(f"SELECT DISTINCT symbol FROM {stage}")
            result.symbols.update(r[0] for r in cursor.fetchall())
            return result
        if result.staged >= ANALYZED_STAGE_ROWS:
            cursor.execute(f"ANALYZE {stage}")
        cursor.execute(merge_sql(spec), params)
        count_merge(result, cursor.fetchall())
        if result.updated and result.unchanged and self._repeats(cursor, spec):
            # A key given twice whose last copy is identical to the stored row (dropped as
            # unchanged) while an earlier, changed copy was written: decide again without
            # the earlier copies (the caller undoes this merge).
            raise DuplicateKeysError(spec.name)
        return result

    @staticmethod
    def _repeats(cursor: Any, spec: TableSpec) -> bool:
        keys = ", ".join(q(k) for k in spec.key)
        cursor.execute(
            f"SELECT 1 FROM {stage_table(spec)} GROUP BY {keys} HAVING count(*) > 1 LIMIT 1"
        )
        return cursor.fetchone() is not None
