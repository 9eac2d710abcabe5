"""Bulk upsert on SQLite: stage in a temporary table, classify, merge, all in SQL.

A file import attaches the export and stages its valid rows with one
``INSERT ... SELECT`` per chunk, so rows never travel through Python. The merge first
writes the positions of new and changed rows (and the old values of changed ones) to a
small temporary table with one join against the target; an unchanged re-import stops
there, with nothing written. Then one ``INSERT ... ON CONFLICT DO UPDATE`` per table.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..ingest.tables import TableSpec
from .upsert_base import (
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
    staged_values,
)

log = logging.getLogger(__name__)


def _key_text(spec: TableSpec, prefix: str = "") -> str:
    return " || '|' || ".join(f"{prefix}{q(k)}" for k in spec.key)


def _param(name: str) -> str:
    return f":{name}"


def _changed_table(spec: TableSpec) -> str:
    return f"changed_{spec.name}"


class SqliteUpsert:
    """Stages and merges the tables of one import on one sqlite3 connection (its transaction)."""

    # Page caches (KiB) while an import runs: random-order index inserts of a 1M-row
    # import stay in memory instead of re-reading pages; restored by release().
    MAIN_CACHE_KIB = 192 * 1024
    TEMP_CACHE_KIB = 64 * 1024

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.conn = connection
        self.temp_tables: list[str] = []
        self.saved_cache = {
            schema: connection.execute(f"PRAGMA {schema}.cache_size").fetchone()[0]
            for schema in ("main", "temp")
        }
        connection.execute(f"PRAGMA main.cache_size = -{self.MAIN_CACHE_KIB}")
        connection.execute(f"PRAGMA temp.cache_size = -{self.TEMP_CACHE_KIB}")

    def prefer_key_lookups(self) -> None:
        """SQLite joins a small stage to the target by key already."""

    def release(self) -> None:
        """Drop the temporary tables and give the page cache back."""
        self.drop_temp_tables()
        for schema, size in self.saved_cache.items():
            self.conn.execute(f"PRAGMA {schema}.cache_size = {int(size)}")

    def _temp(self, name: str, columns: str) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self.conn.execute(f"CREATE TEMP TABLE {name} ({columns})")
        self.temp_tables.append(name)

    def drop_stage(self, spec: TableSpec) -> None:
        """A merged table's stage is not needed any more: free its space now."""
        for name in (stage_table(spec), _changed_table(spec)):
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
            if name in self.temp_tables:
                self.temp_tables.remove(name)

    def drop_temp_tables(self) -> None:
        for name in self.temp_tables:
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self.temp_tables.clear()

    def create_stage(self, spec: TableSpec) -> None:
        # pos is the rowid: staging in file order appends, and lookups by pos are direct.
        self._temp(
            stage_table(spec), "pos INTEGER PRIMARY KEY, " + ", ".join(q(c) for c in spec.columns)
        )

    def stage_rows(self, spec: TableSpec, rows: Iterable[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" for _ in range(len(spec.columns) + 1))
        self.conn.executemany(f"INSERT INTO temp.{stage_table(spec)} VALUES ({marks})", rows)

    def stage_select(self, spec: TableSpec, select_sql: str, params: dict[str, Any]) -> int:
        """Stage the rows of a SELECT over an attached export (pos first, then the columns)."""
        cursor = self.conn.execute(f"INSERT INTO temp.{stage_table(spec)} {select_sql}", params)
        return cursor.rowcount

    def unstage(self, spec: TableSpec, positions: list[int]) -> None:
        self.conn.executemany(
            f"DELETE FROM temp.{stage_table(spec)} WHERE pos = ?", [(p,) for p in positions]
        )

    def remove_duplicates(self, spec: TableSpec) -> list[Duplicate]:
        stage = f"temp.{stage_table(spec)}"
        keys = ", ".join(q(k) for k in spec.key)
        if (
            self.conn.execute(
                f"SELECT 1 FROM {stage} GROUP BY {keys} HAVING count(*) > 1 LIMIT 1"
            ).fetchone()
            is None
        ):
            return []
        join = " AND ".join(f"d.{q(k)} = s.{q(k)}" for k in spec.key)
        columns = ", ".join(f"s.{q(c)}" for c in spec.columns)
        rows = self.conn.execute(
            f"SELECT s.pos, d.keep, {_key_text(spec, 's.')}, {columns} FROM {stage} s"
            f" JOIN (SELECT {keys}, max(pos) AS keep FROM {stage} GROUP BY {keys}"
            f" HAVING count(*) > 1) d ON {join} WHERE s.pos <> d.keep"
        ).fetchall()
        self.conn.executemany(f"DELETE FROM {stage} WHERE pos = ?", [(r[0],) for r in rows])
        return [
            Duplicate(r[0], r[1], r[2], dict(zip(spec.columns, r[3:], strict=True))) for r in rows
        ]

    def next_sequence(self, run_id: str) -> int:
        row = self.conn.execute(
            "SELECT coalesce(max(sequence), 0) + 1 FROM executions WHERE run_id = ?", (run_id,)
        ).fetchone()
        return int(row[0])

    def _nothing_stored(self, spec: TableSpec, params: dict[str, Any]) -> bool:
        sql = nothing_stored_sql(spec, f"temp.{stage_table(spec)}", f"main.{spec.name}", _param)
        return sql is not None and self.conn.execute(sql, params).fetchone() is None

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

        Runs under a savepoint: a new run's plain INSERT fails on a repeated key, and the
        classification checks only the new and changed rows for repeats (usually none).
        """
        self.conn.execute("SAVEPOINT merge_stage")
        try:
            result = self._merge(spec, run_id, import_id, sequence_offset, defaults or {})
        except (sqlite3.IntegrityError, DuplicateKeysError) as exc:
            if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" not in str(exc):
                raise
            self.conn.execute("ROLLBACK TO SAVEPOINT merge_stage")
            self.conn.execute("RELEASE SAVEPOINT merge_stage")
            raise DuplicateKeysError(spec.name) from exc
        self.conn.execute("RELEASE SAVEPOINT merge_stage")
        return result

    def _merge(
        self,
        spec: TableSpec,
        run_id: str | None,
        import_id: int,
        sequence_offset: int,
        defaults: dict[str, str | None],
    ) -> MergeResult:
        result = MergeResult()
        stage = f"temp.{stage_table(spec)}"
        changed = _changed_table(spec)
        params = {
            "run_id": run_id,
            "import_id": import_id,
            "sequence_offset": sequence_offset,
            "default_strategy_id": defaults.get("strategy_id"),
            "default_account_id": defaults.get("account_id"),
            "now": datetime.now(UTC)
            .replace(tzinfo=None)
            .isoformat(sep=" ", timespec="microseconds"),
        }
        time_column = spec.time_column
        aggregates = (
            f"count(*), min({q(time_column)}), max({q(time_column)})"
            if time_column
            else "count(*), NULL, NULL"
        )
        result.staged, result.first_time, result.last_time = self.conn.execute(
            f"SELECT {aggregates} FROM {stage}"
        ).fetchone()
        if not result.staged:
            return result
        if self._nothing_stored(spec, params):
            # Nothing to compare against: insert all, no join, no conflict check.
            self.conn.execute(new_run_sql(spec, _param, stage), params)
            result.inserted = result.staged
            result.symbols.update(
                r[0] for r in self.conn.execute(f"SELECT DISTINCT symbol FROM {stage}")
            )
            return result

        compared = compared_columns(spec)
        values = effective_values(spec, _param)
        first_key = q(spec.key[0])
        same = " AND ".join(f"t.{q(c)} IS {values[c]}" for c in compared)
        olds = ", ".join(q("old_" + c) for c in compared)
        self._temp(changed, f"pos INTEGER PRIMARY KEY, existed, status, {olds}")
        new_status = values["status"] if spec.name == "orders" else "NULL"
        self.conn.execute(
            f"INSERT INTO temp.{changed} SELECT s.pos, t.{first_key} IS NOT NULL, {new_status},"
            f" {', '.join(f't.{q(c)}' for c in compared)}"
            f" FROM {stage} s LEFT JOIN main.{spec.name} t ON {key_join(spec, ':run_id')}"
            f" WHERE t.{first_key} IS NULL OR NOT ({same})",
            params,
        )
        keys = ", ".join(f"s.{q(k)}" for k in spec.key)
        repeated = self.conn.execute(
            f"SELECT 1 FROM temp.{changed} c JOIN {stage} s ON s.pos = c.pos"
            f" GROUP BY {keys} HAVING count(*) > 1 LIMIT 1"
        ).fetchone()
        if repeated is not None:
            raise DuplicateKeysError(spec.name)
        for existed, count in self.conn.execute(
            f"SELECT existed, count(*) FROM temp.{changed} GROUP BY existed"
        ):
            if existed:
                result.updated = count
            else:
                result.inserted = count
        if not (result.inserted or result.updated):
            return result

        # new values of the changed rows: the stage's, with the merged order status
        new = staged_values(spec, _param)
        if spec.name == "orders":
            new["status"] = "c.status"
        source = f"FROM temp.{changed} c JOIN {stage} s ON s.pos = c.pos"
        condition = conflict_condition(spec, "c.existed", 'c."old_status"', "c.status")
        if condition is not None:
            old_doc = ", ".join(f"'{c}', c.{q('old_' + c)}" for c in compared)
            new_doc = ", ".join(f"'{c}', {new[c]}" for c in compared)
            cursor = self.conn.execute(
                "INSERT INTO import_conflicts"
                " (import_id, table_name, run_id, record_key, old_values, new_values)"
                f" SELECT :import_id, '{spec.name}', :run_id, {_key_text(spec, 's.')},"
                f" json_object({old_doc}), json_object({new_doc}) {source} WHERE {condition}",
                params,
            )
            result.conflicts = cursor.rowcount
        result.symbols.update(r[0] for r in self.conn.execute(f"SELECT DISTINCT s.symbol {source}"))
        if "symbol" in compared:
            result.symbols.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT DISTINCT old_symbol FROM temp.{changed} WHERE existed"
                )
            )
        if spec.name == "instruments":
            result.point_value_symbols.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT s.symbol {source}"
                    " WHERE s.point_value IS NOT coalesce(c.old_point_value, 1.0)"
                )
            )

        target_columns, source_columns = insert_columns(
            spec, run=":run_id", sequence_offset=":sequence_offset", now=":now", values=new
        )
        conflict_key = ("run_id, " if spec.run_scoped else "") + ", ".join(q(k) for k in spec.key)
        updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in compared)
        if spec.name == "instruments":
            updates += ", updated_at = excluded.updated_at"
        # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join constraint.
        self.conn.execute(
            f"INSERT INTO main.{spec.name} ({target_columns}) SELECT {source_columns} {source}"
            f" WHERE true ON CONFLICT ({conflict_key}) DO UPDATE SET {updates}",
            params,
        )
        log.debug("merged %s: %s", spec.name, result)
        return result
