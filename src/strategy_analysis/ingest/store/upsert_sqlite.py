"""Bulk upsert on SQLite: stage in a temporary table, classify, merge, all in SQL.

A file import attaches the export, so rows never travel through Python. A new run's
rows (and bars, until one collides with a stored bar) go straight into their table with
one ``INSERT ... SELECT`` per chunk; otherwise only the rows that are new, differ from the
stored ones or fail a check are staged, found by one join against the target, and the
identical ones are only counted. The merge first writes the positions of new and changed
rows (and the old values of changed ones) to a small temporary table with one join
against the target; an unchanged re-import stops there, with nothing written. Then one
``INSERT ... ON CONFLICT DO UPDATE`` per table.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ...db import sqlite_functions
from ...trades.builder import DEFAULT_POINT_VALUE
from ..export_file import AttachedSelect
from ..tables import TableSpec
from .upsert_base import (
    Duplicate,
    DuplicateKeysError,
    MergeResult,
    compared_columns,
    conflict_condition,
    effective_values,
    fallback_sql,
    insert_columns,
    key_join,
    new_run_sql,
    nothing_stored_sql,
    q,
    stage_table,
    staged_values,
    user_owned_sql,
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
        # Tables inserted straight from the export: their result, for merge() to hand on.
        self.inserted: dict[str, MergeResult] = {}
        # Rows found identical to the stored ones and left out of the stage, per table, and
        # the SQL that stages them after all (a repeated key needs every row to decide).
        self.identical: dict[str, int] = {}
        self.identical_sql: dict[str, tuple[str, dict[str, Any]]] = {}
        # table -> (raw rows of the whole file, key column -> raw key in stored form, params)
        self.repeat_probes: dict[str, tuple[str, dict[str, str], dict[str, Any]]] = {}
        self.saved_cache = {
            schema: connection.execute(f"PRAGMA {schema}.cache_size").fetchone()[0]
            for schema in ("main", "temp")
        }
        connection.execute(f"PRAGMA main.cache_size = -{self.MAIN_CACHE_KIB}")
        connection.execute(f"PRAGMA temp.cache_size = -{self.TEMP_CACHE_KIB}")
        # whether statements may use the SQL functions in C (the timestamp check)
        self.functions = sqlite_functions.available(connection)

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
        for name in (stage_table(spec), _changed_table(spec), f"unsettled_{spec.name}"):
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
            if name in self.temp_tables:
                self.temp_tables.remove(name)
        self.identical.pop(spec.name, None)
        self.identical_sql.pop(spec.name, None)

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

    def unstage(self, spec: TableSpec, positions: list[int]) -> None:
        self.conn.executemany(
            f"DELETE FROM temp.{stage_table(spec)} WHERE pos = ?", [(p,) for p in positions]
        )

    def remove_duplicates(self, spec: TableSpec) -> list[Duplicate]:
        self._stage_identical(spec)
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

    # -- a file attached as "src" -------------------------------------------------------

    def params(
        self,
        run_id: str | None,
        import_id: int | None = None,
        sequence_offset: int = 0,
        defaults: dict[str, str | None] | None = None,
    ) -> dict[str, Any]:
        """The parameters the merge and insert statements take (named as in upsert_base)."""
        defaults = defaults or {}
        return {
            "run_id": run_id,
            "import_id": import_id,
            "sequence_offset": sequence_offset,
            "default_strategy_id": defaults.get("strategy_id"),
            "default_account_id": defaults.get("account_id"),
            "now": datetime.now(UTC)
            .replace(tzinfo=None)
            .isoformat(sep=" ", timespec="microseconds"),
        }

    def may_insert_directly(self, spec: TableSpec, run_id: str | None) -> bool:
        """Whether to try inserting the file's rows straight into the table: a run with
        nothing stored, or bars (a bar that is stored already stops the attempt)."""
        if spec.run_scoped:
            return run_id is not None and (
                self.conn.execute(
                    f"SELECT 1 FROM main.{spec.name} WHERE run_id = ? LIMIT 1", (run_id,)
                ).fetchone()
                is None
            )
        return spec.shared_by_range

    def begin_direct(self, spec: TableSpec) -> int:
        """Start inserting ``spec``'s rows straight into its table; the rowid they follow."""
        self.conn.execute("SAVEPOINT direct_insert")
        row = self.conn.execute(f"SELECT max(rowid) FROM main.{spec.name}").fetchone()
        return int(row[0] or 0)

    def insert_all(self, spec: TableSpec, rows: str, params: dict[str, Any]) -> int | None:
        """Insert every row of ``rows`` (a chunk), the common case where all pass their
        checks: the values are computed once, and end_direct tests them where stored.
        None, the statement undone, when a NOT NULL column gets no value, or ``rows``
        (``strict_rows``) fails at a value: the chunk is for insert_checked then.

        ``DuplicateKeysError`` when a key is stored already (or repeats): undo with
        ``abandon_direct``.
        """
        try:
            return self._insert(spec, self._insert_sql(spec, rows), params)
        except sqlite3.IntegrityError as exc:
            if "NOT NULL" not in str(exc):
                raise
            return None
        except sqlite3.OperationalError as exc:
            if not str(exc).startswith("sa_invalid:"):
                raise
            return None

    def insert_checked(self, spec: TableSpec, rows: str, ok: str, params: dict[str, Any]) -> int:
        """Insert the rows of ``rows`` (computed once) that pass ``ok``; how many.

        ``DuplicateKeysError`` as for insert_all.
        """
        return self._insert(spec, self._insert_sql(spec, rows, ok), params)

    def _insert_sql(self, spec: TableSpec, rows: str, ok: str | None = None) -> str:
        target, source = insert_columns(
            spec,
            run=":run_id",
            sequence_offset=":sequence_offset",
            now=":now",
            values=staged_values(spec, _param),
        )
        where = f" WHERE {ok}" if ok else ""
        return f"INSERT INTO main.{spec.name} ({target}) SELECT {source} FROM ({rows}) s{where}"

    def end_direct(
        self,
        spec: TableSpec,
        since_rowid: int,
        params: dict[str, Any],
        select: AttachedSelect,
    ) -> MergeResult | None:
        """Insert the staged rows (those the model accepted) too, and keep the result of
        the table for merge(): every row is new. None, with every row undone (the direct
        insert still open), when a stored row fails its checks: a value insert_all stored
        that no constraint refused (an optional one, the bar rule). Rows inserted from
        ``strict_rows`` (where it exists) hold no such optional value: only the rule is left."""
        not_null = frozenset(
            row[1] for row in self.conn.execute(f"PRAGMA main.table_info({spec.name})") if row[3]
        )
        ok = select.ok_rule if select.strict_rows else select.ok_where(not_null)
        failing = f"total(NOT coalesce({ok}, 0))" if ok != "1" else "0"
        stage = f"temp.{stage_table(spec)}"
        self._insert(spec, new_run_sql(spec, _param, stage), params)
        self.conn.execute(f"DELETE FROM {stage}")
        result = MergeResult()
        # The inserted rows follow every rowid the table had (SQLite's rowid choice).
        time_column = f"s.{q(spec.time_column)}" if spec.time_column else "NULL"
        result.staged, result.first_time, result.last_time, failed, symbols = self.conn.execute(
            f"SELECT count(*), min({time_column}), max({time_column}), {failing},"
            f" json_group_array(DISTINCT s.symbol) FROM main.{spec.name} s WHERE rowid > ?",
            (since_rowid,),
        ).fetchone()
        if failed:
            self.conn.execute("ROLLBACK TO SAVEPOINT direct_insert")
            return None
        result.inserted = result.staged
        result.symbols.update(json.loads(symbols))
        self.conn.execute("RELEASE SAVEPOINT direct_insert")
        self.inserted[spec.name] = result
        return result

    def abandon_direct(self, spec: TableSpec) -> None:
        """Undo the rows inserted since begin_direct, and empty the stage."""
        self.conn.execute("ROLLBACK TO SAVEPOINT direct_insert")
        self.conn.execute("RELEASE SAVEPOINT direct_insert")
        self.conn.execute(f"DELETE FROM temp.{stage_table(spec)}")

    def _insert(self, spec: TableSpec, sql: str, params: dict[str, Any]) -> int:
        try:
            return self.conn.execute(sql, params).rowcount
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):
                raise
            raise DuplicateKeysError(spec.name) from exc

    def _identical_sql(self, spec: TableSpec, rows: str, ok: str, identical: bool) -> str:
        """Stage the rows of ``rows`` (as ``s``) that are identical to the stored ones under
        the merge rules and pass ``ok``, or (``identical`` false) every other row."""
        values = effective_values(spec, _param)
        same = " AND ".join(f"t.{q(c)} IS {values[c]}" for c in compared_columns(spec))
        first_key = f"t.{q(spec.key[0])}"
        if identical:
            condition = f"{first_key} IS NOT NULL AND {same} AND {ok}"
        else:
            condition = f"{first_key} IS NULL OR NOT ({same}) OR NOT {ok}"
        columns = ", ".join(f"s.{q(c)}" for c in spec.columns)
        return (
            f"INSERT INTO temp.{stage_table(spec)} SELECT s.pos, {columns} FROM ({rows}) s"
            f" LEFT JOIN main.{spec.name} t ON {key_join(spec, ':run_id')} WHERE {condition}"
        )

    def find_unsettled(
        self, spec: TableSpec, select: AttachedSelect, params: dict[str, Any]
    ) -> int:
        """List (in a temporary table, see positions_table) the rows of the export that
        the raw comparison with the stored row does not settle as identical; how many.
        Those take stage_changed."""
        positions = self.positions_table(spec)
        self.conn.execute(f"DELETE FROM {positions}")
        join = " AND ".join(f"t.{q(k)} = {select.probe[k]}" for k in spec.key)
        if spec.run_scoped:
            join += " AND t.run_id = :run_id"
        if spec.sequenced:
            # A file's executions are stored in file order with their position as the
            # sequence: looked up by position, in order, rather than by a random key. One
            # stored there under another key, or none, leaves the row to the full check;
            # so do several (a sequence is not unique: the row is listed once).
            join = "t.run_id = :run_id AND t.sequence = r.pos + :sequence_offset"
        same = dict(select.same)  # the key's included
        # An empty fallback column (an execution's strategy or account) is stored as the
        # order's, or the run's default (upsert_base.staged_values): the common case where
        # the export leaves it out.
        for column in spec.fallback_columns:
            fallback = f"coalesce({fallback_sql(spec, column, ':run_id', 'r')}, :default_{column})"
            same[column] = (
                f"{same[column]} OR (({select.raw_values[column]}) IS NULL"
                f" AND t.{column} IS {fallback})"
            )
        condition = " AND ".join(f"({same[c]})" for c in spec.columns)
        return self.conn.execute(
            f"INSERT OR IGNORE INTO {positions} SELECT r.pos FROM ({select.raw_rows}) r"
            f" LEFT JOIN main.{spec.name} t ON {join}"
            f" WHERE t.{q(spec.key[0])} IS NULL OR NOT ({condition})",
            params,
        ).rowcount

    def positions_table(self, spec: TableSpec) -> str:
        name = f"unsettled_{spec.name}"
        if name not in self.temp_tables:
            self._temp(name, "pos INTEGER PRIMARY KEY")
        return f"temp.{name}"

    def stage_changed(
        self, spec: TableSpec, rows: str, ok: str, params: dict[str, Any], total: int
    ) -> int:
        """Stage the rows of ``rows`` that are new, differ from the stored ones or fail
        ``ok``; the other ones of the ``total`` are only counted. How many were staged."""
        staged = self.conn.execute(self._identical_sql(spec, rows, ok, False), params).rowcount
        self.identical[spec.name] = self.identical.get(spec.name, 0) + total - staged
        return staged

    def keep_identical_sql(
        self, spec: TableSpec, rows: str, ok: str, params: dict[str, Any]
    ) -> None:
        """How to stage the rows stage_changed left out (``params`` spanning the file)."""
        self.identical_sql[spec.name] = (self._identical_sql(spec, rows, ok, True), params)

    def keep_repeat_probe(
        self, spec: TableSpec, raw_rows: str, probe: dict[str, str], params: dict[str, Any]
    ) -> None:
        """How to find, among the rows left out as identical, a key also given by a changed
        row (``params`` spanning the file)."""
        self.repeat_probes[spec.name] = (raw_rows, probe, params)

    def _changed_key_repeats(self, spec: TableSpec, changed: str, stage: str) -> bool:
        """Whether a changed row's key is given again elsewhere in the file: by another
        staged row, or by a row left out of the stage as identical to the stored one (the
        last copy of a key wins, so the merge must see every copy)."""
        keys = [q(k) for k in spec.key]
        existed = f"SELECT {', '.join(f's.{k}' for k in keys)} FROM temp.{changed} c"
        existed += f" JOIN {stage} s ON s.pos = c.pos WHERE c.existed"
        if self.conn.execute(f"{existed} LIMIT 1").fetchone() is None:
            return False  # a new key: a repeat of it is among the new rows, checked already
        staged_twice = f"SELECT 1 FROM {stage} GROUP BY {', '.join(keys)} HAVING count(*) > 1"
        if self.conn.execute(f"{staged_twice} LIMIT 1").fetchone() is not None:
            return True
        if not self.identical.get(spec.name) or spec.name not in self.repeat_probes:
            return False
        raw_rows, probe, params = self.repeat_probes[spec.name]
        table = f"repeat_keys_{spec.name}"
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        self.conn.execute(
            f"CREATE TEMP TABLE {table} ({', '.join(keys)}, PRIMARY KEY ({', '.join(keys)}))"
            " WITHOUT ROWID"
        )
        self.temp_tables.append(table)
        self.conn.execute(f"INSERT OR IGNORE INTO temp.{table} {existed}")
        join = " AND ".join(f"k.{q(k)} = {probe[k]}" for k in spec.key)
        # CROSS JOIN: the file is scanned once, each row probing the few changed keys.
        found = self.conn.execute(
            f"SELECT 1 FROM ({raw_rows}) r CROSS JOIN temp.{table} k ON {join}"
            f" GROUP BY {', '.join(f'k.{k}' for k in keys)} HAVING count(*) > 1 LIMIT 1",
            params,
        ).fetchone()
        return found is not None

    def _stage_identical(self, spec: TableSpec) -> None:
        """A repeated key is decided over every row of the file, as if all were staged."""
        if not self.identical.pop(spec.name, 0):
            return
        sql, params = self.identical_sql.pop(spec.name)
        self.conn.execute(sql, params)

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
        A table inserted straight from the file has its result already.
        """
        inserted = self.inserted.pop(spec.name, None)
        if inserted is not None:
            return inserted
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
        params = self.params(run_id, import_id, sequence_offset, defaults)
        time_column = spec.time_column
        aggregates = (
            f"count(*), min({q(time_column)}), max({q(time_column)})"
            if time_column
            else "count(*), NULL, NULL"
        )
        staged, result.first_time, result.last_time = self.conn.execute(
            f"SELECT {aggregates} FROM {stage}"
        ).fetchone()
        # Rows left out of the stage as identical are unchanged ones; the run's data times
        # cover them already, as they are stored.
        result.staged = staged + self.identical.get(spec.name, 0)
        if not staged:
            return result
        if self._nothing_stored(spec, params):
            # Nothing to compare against: insert all, no join, no conflict check.
            self.conn.execute(new_run_sql(spec, _param, stage), params)
            result.inserted = staged
            result.symbols.update(
                r[0] for r in self.conn.execute(f"SELECT DISTINCT symbol FROM {stage}")
            )
            return result

        compared = compared_columns(spec)
        values = effective_values(spec, _param)
        first_key = q(spec.key[0])
        same = " AND ".join(f"t.{q(c)} IS {values[c]}" for c in compared)
        olds = ", ".join(q("old_" + c) for c in compared)
        # A stored row the user set is kept as it is: a differing record is a conflict.
        user_owned = user_owned_sql(spec)
        kept = user_owned or "0"
        written = " AND NOT c.kept" if user_owned else ""
        self._temp(changed, f"pos INTEGER PRIMARY KEY, existed, status, kept, {olds}")
        lifecycle = spec.lifecycle_column
        new_status = values[lifecycle] if lifecycle is not None else "NULL"
        self.conn.execute(
            f"INSERT INTO temp.{changed} SELECT s.pos, t.{first_key} IS NOT NULL, {new_status},"
            f" {kept}, {', '.join(f't.{q(c)}' for c in compared)}"
            f" FROM {stage} s LEFT JOIN main.{spec.name} t ON {key_join(spec, ':run_id')}"
            f" WHERE t.{first_key} IS NULL OR NOT ({same})",
            params,
        )
        keys = ", ".join(f"s.{q(k)}" for k in spec.key)
        repeated = self.conn.execute(
            f"SELECT 1 FROM temp.{changed} c JOIN {stage} s ON s.pos = c.pos"
            f" GROUP BY {keys} HAVING count(*) > 1 LIMIT 1"
        ).fetchone()
        if repeated is not None or self._changed_key_repeats(spec, changed, stage):
            raise DuplicateKeysError(spec.name)
        for existed, is_kept, count in self.conn.execute(
            f"SELECT existed, kept, count(*) FROM temp.{changed} GROUP BY existed, kept"
        ):
            if is_kept:
                continue  # neither written nor counted as changed: the conflict says it
            if existed:
                result.updated = count
            else:
                result.inserted = count
        if not (result.inserted or result.updated or user_owned):
            return result

        # new values of the changed rows: the stage's, with the merged order status
        new = staged_values(spec, _param)
        if spec.lifecycle_column is not None:
            new[spec.lifecycle_column] = "c.status"
        source = f"FROM temp.{changed} c JOIN {stage} s ON s.pos = c.pos"
        condition = conflict_condition(spec, "c.existed", 'c."old_status"', "c.status", "c.kept")
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
        if not (result.inserted or result.updated):
            return result
        result.symbols.update(
            r[0]
            for r in self.conn.execute(f"SELECT DISTINCT s.symbol {source} WHERE true{written}")
        )
        if "symbol" in compared:
            result.symbols.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT DISTINCT old_symbol FROM temp.{changed} WHERE existed"
                )
            )
        value = spec.point_value_column
        if value is not None:
            result.point_value_symbols.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT s.symbol {source} WHERE s.{value} IS NOT"
                    f" coalesce(c.old_{value}, {DEFAULT_POINT_VALUE}){written}"
                )
            )

        target_columns, source_columns = insert_columns(
            spec, run=":run_id", sequence_offset=":sequence_offset", now=":now", values=new
        )
        conflict_key = ("run_id, " if spec.run_scoped else "") + ", ".join(q(k) for k in spec.key)
        updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in compared)
        if spec.stamped_column is not None:
            updates += f", {spec.stamped_column} = excluded.{spec.stamped_column}"
        # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join constraint.
        self.conn.execute(
            f"INSERT INTO main.{spec.name} ({target_columns}) SELECT {source_columns} {source}"
            f" WHERE true{written} ON CONFLICT ({conflict_key}) DO UPDATE SET {updates}",
            params,
        )
        log.debug("merged %s: %s", spec.name, result)
        return result
