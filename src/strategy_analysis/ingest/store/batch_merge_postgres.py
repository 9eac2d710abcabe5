"""PostgreSQL: one stream batch's table merged in one statement, without a stage table.

A batch holds a few hundred rows per table. Staging them (CREATE TEMP TABLE, COPY, count,
probe, savepoint, merge, DROP) costs seven round trips and catalog writes per table; here
the rows travel as one JSON array per column and a CTE named like the stage table unnests
them, so the file import's merge statement (``merge_sql``: classify against the target,
record conflicts, upsert, count) runs over them unchanged, in one round trip. The next
execution sequence of the run is read inside the same statement. Rows expected to be new
go in by a plain INSERT over the same CTE (``all_new``), which a stored key fails.

The caller checks for repeated keys first (``has_repeated_keys``): a batch that repeats
a key takes the staged path, whose savepoint and duplicate listing handle it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..tables import TableSpec
from .upsert_base import NUMERIC_COLUMNS, MergeResult, new_run_sql, q, stage_table
from .upsert_postgres import column_type, count_merge, merge_sql, pg_param

_FLOAT_OR_NONE = frozenset({float, type(None)})


def has_repeated_keys(spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> bool:
    """Whether two rows (position first, then the stored values) share a key."""
    indexes = [1 + spec.columns.index(k) for k in spec.key]
    if len(indexes) == 1:
        (i,) = indexes
        keys: set[Any] = {row[i] for row in rows}
    else:
        keys = {tuple(row[i] for i in indexes) for row in rows}
    return len(keys) != len(rows)


def _stage_cte(spec: TableSpec) -> str:
    """A CTE named like the stage table that unpacks the batch's column arrays."""
    names = ", ".join(q(c) for c in spec.columns)
    elements = ", ".join(
        f"json_array_elements_text(%(c{i})s::json)" for i in range(len(spec.columns) + 1)
    )
    values = ", ".join(f"u.{q(c)}::{column_type(spec, c)}" for c in spec.columns)
    position = "u.pos::bigint"
    if spec.sequenced:
        # merge_sql numbers new executions pos + sequence_offset (passed as 0): the
        # position here already carries the run's next sequence.
        position += (
            " + (SELECT coalesce(max(e.sequence), 0) + 1 FROM executions e"
            " WHERE e.run_id = %(run_id)s::text)"
        )
    return (
        f"{stage_table(spec)} AS (SELECT {position} AS pos, {values}"
        f" FROM ROWS FROM ({elements}) AS u(pos, {names}))"
    )


def _merge_batch_sql(spec: TableSpec) -> str:
    """merge_sql (classify, record conflicts, upsert, count) over the batch's CTE."""
    statement = merge_sql(spec)
    assert statement.startswith("WITH ")
    return f"WITH {_stage_cte(spec)}, {statement[len('WITH ') :]}"


def _insert_sql(spec: TableSpec) -> str:
    """Insert every row, as if none were stored: a stored key fails the statement."""
    return f"WITH {_stage_cte(spec)} {new_run_sql(spec, pg_param, stage_table(spec))}"


def _insert_new_sql(spec: TableSpec) -> str:
    """Insert the rows whose key is not stored (as a new run's rows are inserted) and count
    them per symbol. A stream's rows are nearly all new: they skip the classifying probe.
    When some were stored, ``merge_sql`` then runs over the whole batch: the rows just
    inserted equal their stored twins, so only the stored ones can count as changed."""
    stage = stage_table(spec)
    conflict_key = ("run_id, " if spec.run_scoped else "") + ", ".join(q(k) for k in spec.key)
    return (
        f"WITH {_stage_cte(spec)}, ins AS ({new_run_sql(spec, pg_param, stage)}"
        f" ON CONFLICT ({conflict_key}) DO NOTHING RETURNING symbol)"
        " SELECT symbol, count(*) FROM ins GROUP BY symbol"
    )


@dataclass
class PendingMerge:
    """A statement sent (in pipeline mode, maybe not yet answered) and its result so far."""

    spec: TableSpec
    rows: Sequence[tuple[Any, ...]]
    params: dict[str, Any]  # all but the columns
    result: MergeResult
    cursor: Any = None
    kind: str = "insert"  # "new" (all rows new, or the statement fails), "insert", "merge"


class PostgresBatchMerge:
    """Merges small row lists into their tables on one psycopg connection (its transaction).

    ``send`` inserts the new rows; in pipeline mode it only queues the statement, so the
    caller can check the next table's records while the server inserts. ``finish``, once
    the pipeline has synced (outside pipeline mode), reads the answer and, when some rows
    were stored already (a retry, a changed record), merges the batch by ``merge_sql``.
    """

    def __init__(self, connection: Any) -> None:
        self.conn = connection
        self._sql: dict[tuple[str, str], str] = {}

    def merge(
        self,
        spec: TableSpec,
        rows: Sequence[tuple[Any, ...]],
        *,
        run_id: str | None,
        import_id: int,
        defaults: dict[str, str | None] | None = None,
    ) -> MergeResult:
        """Merge ``rows`` (position, then the stored values; keys distinct) into the table."""
        return self.finish(
            self.send(spec, rows, run_id=run_id, import_id=import_id, defaults=defaults)
        )

    def _statement(self, kind: str, spec: TableSpec) -> str:
        key = (kind, spec.name)
        if key not in self._sql:
            build = {"new": _insert_sql, "insert": _insert_new_sql, "merge": _merge_batch_sql}
            self._sql[key] = build[kind](spec)
        return self._sql[key]

    @staticmethod
    def _columns(spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> dict[str, str]:
        """Each column as one JSON array (parameters c0, c1, ...), unpacked by the server:
        psycopg would dump an array parameter element by element in Python."""
        columns = {}
        for i, values in enumerate(zip(*rows, strict=True)):
            if i and spec.columns[i - 1] in NUMERIC_COLUMNS:
                # Stored numbers are doubles: JSON carries their shortest round-trip text.
                # The checks give floats already; the loops here run in C (filter(None)
                # drops 0.0 too, which is finite).
                if not set(map(type, values)) <= _FLOAT_OR_NONE:
                    values = tuple(None if v is None else float(v) for v in values)
                if not all(map(math.isfinite, filter(None, values))):
                    # the checks let no such number through; orjson would write null
                    raise ValueError(f"{spec.name}.{spec.columns[i - 1]}: a number is not finite")
            columns[f"c{i}"] = orjson.dumps(values).decode()
        return columns

    def send(
        self,
        spec: TableSpec,
        rows: Sequence[tuple[Any, ...]],
        *,
        run_id: str | None,
        import_id: int,
        defaults: dict[str, str | None] | None = None,
        all_new: bool = False,
    ) -> PendingMerge:
        """Queue the table's statement. ``all_new``: a plain INSERT, about twice as fast as
        one that skips stored keys, which fails with ``UniqueViolation`` when a key is
        stored (the caller rolls back to a savepoint and sends the rows again without it)."""
        pending = PendingMerge(spec, rows, {}, MergeResult(staged=len(rows)))
        if not rows:
            return pending
        if spec.time_column is not None:
            index = 1 + spec.columns.index(spec.time_column)
            # Stored timestamps are fixed-width text: the text order is the time order.
            times = [row[index] for row in rows if row[index] is not None]
            if times:
                pending.result.first_time, pending.result.last_time = min(times), max(times)
        pending.params = {
            "run_id": run_id,
            "import_id": import_id,
            "sequence_offset": 0,
            "default_strategy_id": (defaults or {}).get("strategy_id"),
            "default_account_id": (defaults or {}).get("account_id"),
        }
        # Instruments: few, and the point value rule lives in merge_sql.
        if spec.point_value_column is not None:
            pending.kind = "merge"
        elif all_new:
            pending.kind = "new"
        pending.cursor = self.conn.cursor()
        # Not prepared: a generic plan cannot see the run, and probes its rows blindly.
        params = {**pending.params, **self._columns(spec, rows)}
        pending.cursor.execute(self._statement(pending.kind, spec), params, prepare=False)
        return pending

    def finish(self, pending: PendingMerge) -> MergeResult:
        result = pending.result
        if pending.cursor is None:
            return result
        if pending.kind == "new":
            pending.cursor.close()
            symbol = 1 + pending.spec.columns.index("symbol")
            result.inserted = len(pending.rows)
            result.symbols = {row[symbol] for row in pending.rows}
            return result
        with pending.cursor as cursor:
            answer = cursor.fetchall()
        if pending.kind == "merge":
            count_merge(result, answer)
            return result
        for symbol, count in answer:
            result.inserted += count
            result.symbols.add(symbol)
        if result.inserted < len(pending.rows):
            params = {**pending.params, **self._columns(pending.spec, pending.rows)}
            with self.conn.cursor() as cursor:
                cursor.execute(self._statement("merge", pending.spec), params, prepare=False)
                count_merge(result, cursor.fetchall())
        return result
