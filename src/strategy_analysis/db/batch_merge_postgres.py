"""PostgreSQL: one stream batch's table merged in one statement, without a stage table.

A batch holds a few hundred rows per table. Staging them (CREATE TEMP TABLE, COPY, count,
probe, savepoint, merge, DROP) costs seven round trips and catalog writes per table; here
the rows travel as one JSON array per column and a CTE named like the stage table unnests
them, so the file import's merge statement (``merge_sql``: classify against the target,
record conflicts, upsert, count) runs over them unchanged, in one round trip. The next
execution sequence of the run is read inside the same statement.

The caller checks for repeated keys first (``has_repeated_keys``): a batch that repeats
a key takes the staged path, whose savepoint and duplicate listing handle it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..ingest.tables import TableSpec
from .upsert_base import NUMERIC_COLUMNS, MergeResult, q, stage_table
from .upsert_postgres import merge_sql


def _cast(spec: TableSpec, column: str) -> str:
    if column in spec.timestamp_columns:
        return "timestamptz"
    if column in NUMERIC_COLUMNS:
        return "float8"
    return "text"


def has_repeated_keys(spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> bool:
    """Whether two rows (position first, then the stored values) share a key."""
    indexes = [1 + spec.columns.index(k) for k in spec.key]
    if len(indexes) == 1:
        (i,) = indexes
        keys: set[Any] = {row[i] for row in rows}
    else:
        keys = {tuple(row[i] for i in indexes) for row in rows}
    return len(keys) != len(rows)


def _batch_sql(spec: TableSpec) -> str:
    """merge_sql over a CTE that unpacks the batch's columns (named like the stage)."""
    names = ", ".join(q(c) for c in spec.columns)
    elements = ", ".join(
        f"json_array_elements_text(%(c{i})s::json)" for i in range(len(spec.columns) + 1)
    )
    values = ", ".join(f"u.{q(c)}::{_cast(spec, c)}" for c in spec.columns)
    position = "u.pos::bigint"
    if spec.name == "executions":
        # merge_sql numbers new executions pos + sequence_offset (passed as 0): the
        # position here already carries the run's next sequence.
        position += (
            " + (SELECT coalesce(max(e.sequence), 0) + 1 FROM executions e"
            " WHERE e.run_id = %(run_id)s::text)"
        )
    stage = (
        f"{stage_table(spec)} AS (SELECT {position} AS pos, {values}"
        f" FROM ROWS FROM ({elements}) AS u(pos, {names}))"
    )
    statement = merge_sql(spec)
    assert statement.startswith("WITH ")
    return f"WITH {stage}, {statement[len('WITH ') :]}"


@dataclass
class PendingMerge:
    """A merge statement sent (in pipeline mode, maybe not yet answered) and its result."""

    result: MergeResult
    cursor: Any = None


class PostgresBatchMerge:
    """Merges small row lists into their tables on one psycopg connection (its transaction).

    ``send`` only queues the statement when the connection is in pipeline mode, so the
    caller can check the next table's records while the server merges this one; ``collect``
    reads the answer once the pipeline has synced.
    """

    def __init__(self, connection: Any) -> None:
        self.conn = connection
        self._sql: dict[str, str] = {}

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
        return self.collect(
            self.send(spec, rows, run_id=run_id, import_id=import_id, defaults=defaults)
        )

    def send(
        self,
        spec: TableSpec,
        rows: Sequence[tuple[Any, ...]],
        *,
        run_id: str | None,
        import_id: int,
        defaults: dict[str, str | None] | None = None,
    ) -> PendingMerge:
        pending = PendingMerge(MergeResult(staged=len(rows)))
        if not rows:
            return pending
        columns = list(zip(*rows, strict=True))
        params: dict[str, Any] = {
            "run_id": run_id,
            "import_id": import_id,
            "sequence_offset": 0,
            "default_strategy_id": (defaults or {}).get("strategy_id"),
            "default_account_id": (defaults or {}).get("account_id"),
        }
        # Each column travels as one JSON array, unpacked by the server: psycopg would
        # dump an array parameter element by element in Python.
        for i, values in enumerate(columns):
            if i and spec.columns[i - 1] in NUMERIC_COLUMNS:
                # Stored numbers are doubles: JSON carries their shortest round-trip text.
                values = tuple(None if v is None else float(v) for v in values)
            params[f"c{i}"] = json.dumps(values, allow_nan=False, ensure_ascii=False)
        if spec.time_column is not None:
            # Stored timestamps are fixed-width text: the text order is the time order.
            times = [t for t in columns[1 + spec.columns.index(spec.time_column)] if t is not None]
            if times:
                pending.result.first_time, pending.result.last_time = min(times), max(times)
        sql = self._sql.get(spec.name)
        if sql is None:
            sql = self._sql[spec.name] = _batch_sql(spec)
        pending.cursor = self.conn.cursor()
        # Not prepared: a generic plan cannot see the run, and probes its rows blindly.
        pending.cursor.execute(sql, params, prepare=False)
        return pending

    @staticmethod
    def collect(pending: PendingMerge) -> MergeResult:
        result = pending.result
        if pending.cursor is None:
            return result
        with pending.cursor as cursor:
            for kind, inserted, symbol, count in cursor.fetchall():
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
        return result
