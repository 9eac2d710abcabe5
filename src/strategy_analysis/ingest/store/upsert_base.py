"""What the per-dialect bulk upserts share: staged columns, results, the merge rules.

An import stages each table's valid rows in a temporary table (``pos`` = rowid in the
file or index in the batch), then merges the stage into the platform's table in SQL:
new rows are inserted, identical rows are left alone (nothing written), changed rows are
updated under the contract's rules (export-format.md section 5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...contract.enums import ORDER_STATUSES, STATUS_RANKS, TERMINAL_STATUSES
from ..tables import TableSpec

NUMERIC_COLUMNS = frozenset(
    {
        "open",
        "high",
        "low",
        "close",
        "volume",
        "open_interest",
        "price",
        "stop_price",
        "quantity",
        "fee",
        "point_value",
        "tick_size",
    }
)
_TOP_RANK = max(STATUS_RANKS.values())
# Lifecycle rank of an order status (contract.enums.STATUS_RANKS), as SQL over a column.
STATUS_RANK_SQL = (
    "(CASE {c} "
    + " ".join(f"WHEN '{s}' THEN {r}" for s, r in STATUS_RANKS.items() if r < _TOP_RANK)
    + f" ELSE {_TOP_RANK} END)"
)
# The terminal statuses as an SQL list, in the contract's order.
TERMINAL_SQL = "(" + ", ".join(f"'{s}'" for s in ORDER_STATUSES if s in TERMINAL_STATUSES) + ")"


def q(name: str) -> str:
    return '"' + name + '"'


def stage_table(spec: TableSpec) -> str:
    return f"stage_{spec.name}"


def compared_columns(spec: TableSpec) -> tuple[str, ...]:
    """Columns whose change makes a stored record differ (the key and sequence never do)."""
    return tuple(c for c in spec.columns if c not in spec.key)


def key_join(spec: TableSpec, run_param: str, left: str = "t", right: str = "s") -> str:
    parts = [f"{left}.{q(k)} = {right}.{q(k)}" for k in spec.key]
    if spec.run_scoped:
        parts.append(f"{left}.run_id = {run_param}")
    return " AND ".join(parts)


def fallback_sql(
    spec: TableSpec, column: str, run: str, row: str = "s", source: str | None = None
) -> str:
    """SQL of the value of ``column`` in the run's record of ``spec.fallback_from`` that
    row ``row`` names by its key (an execution's order), read from ``source`` (default:
    the table itself)."""
    assert spec.fallback_from is not None, f"{spec.name} has no fallback table"
    join = " AND ".join(f"o.{k} = {row}.{k}" for k in spec.fallback_from.key)
    return (
        f"(SELECT o.{column} FROM {source or spec.fallback_from.name} o"
        f" WHERE o.run_id = {run} AND {join})"
    )


def staged_values(
    spec: TableSpec, param: Callable[[str], str], source: str | None = None
) -> dict[str, str]:
    """SQL of each column's value as staged (``s``), with the spec's fallbacks.

    An empty fallback column (an execution's strategy/account) takes the value of the
    record it names in ``spec.fallback_from`` (its order's), then the run's (Metadata)
    default; that record is looked up only for an empty value, in ``source`` if given
    (the run's own partition while it is not attached yet). ``param`` renders a bound
    parameter name in the dialect's style.
    """
    values = {c: f"s.{q(c)}" for c in spec.columns}
    for column in spec.fallback_columns:
        values[column] = (
            f"coalesce(s.{column}, {fallback_sql(spec, column, param('run_id'), 's', source)},"
            f" {param('default_' + column)})"
        )
    return values


def effective_values(spec: TableSpec, param: Callable[[str], str]) -> dict[str, str]:
    """SQL of each column's value after the merge rules, over stage ``s`` and stored ``t``."""
    values = staged_values(spec, param)
    column = spec.lifecycle_column
    if column is not None:
        # The status never moves back in the lifecycle.
        stored = STATUS_RANK_SQL.format(c=f"t.{column}")
        staged = STATUS_RANK_SQL.format(c=f"s.{column}")
        values[column] = (
            f"CASE WHEN t.{spec.key[0]} IS NOT NULL AND {staged} < {stored} THEN t.{column}"
            f" ELSE s.{column} END"
        )
    return values


def user_owned_sql(spec: TableSpec, stored: str = "t") -> str | None:
    """SQL telling that the stored row ``stored`` is the user's (spec.user_owned_column),
    or None for a table without such rows."""
    if spec.user_owned_column is None:
        return None
    return f"({stored}.{q(spec.user_owned_column)} IS TRUE)"


def conflict_condition(
    spec: TableSpec,
    existed: str = "existed",
    old_status: str = "old_status",
    status: str = "status",
    kept: str = "kept",
) -> str | None:
    """When a changed record is a conflict, over the given column references, or None.

    ``kept``: the stored row is the user's (see user_owned_sql); the import leaves it."""
    if spec.user_owned_column is not None:
        return kept
    if spec.change_is_conflict:
        return existed
    if spec.lifecycle_column is not None:
        terminal = TERMINAL_SQL
        return (
            f"{existed} AND {old_status} IN {terminal} AND {status} IN {terminal}"
            f" AND {old_status} <> {status}"
        )
    return None


def insert_columns(
    spec: TableSpec,
    *,
    run: str,
    sequence_offset: str,
    now: str,
    values: dict[str, str] | None = None,
) -> tuple[str, str]:
    """(target column list, source expression list) of an INSERT from the stage ``s``."""
    values = values or {c: f"s.{q(c)}" for c in spec.columns}
    target = ", ".join(q(c) for c in spec.columns)
    source = ", ".join(values[c] for c in spec.columns)
    if spec.run_scoped:
        target, source = f"run_id, {target}", f"{run}, {source}"
    if spec.sequenced:
        target, source = f"{target}, sequence", f"{source}, s.pos + {sequence_offset}"
    if spec.stamped_column is not None:
        target, source = f"{target}, {spec.stamped_column}", f"{source}, {now}"
    return target, source


def nothing_stored_sql(
    spec: TableSpec, stage: str, table: str, param: Callable[[str], str]
) -> str | None:
    """SQL that finds a stored row the stage could collide with (no row: insert all).

    A run's rows belong to it alone; bars are shared, so a bar collides only within the
    time range staged for its symbol and timeframe (one range probe each).
    """
    if spec.run_scoped:
        return f"SELECT 1 FROM {table} WHERE run_id = {param('run_id')} LIMIT 1"
    if spec.shared_by_range:
        return (
            "SELECT 1 FROM (SELECT symbol, timeframe, min(start_time) AS lo, max(start_time) AS hi"
            f" FROM {stage} GROUP BY symbol, timeframe) r WHERE EXISTS (SELECT 1 FROM {table} t"
            " WHERE t.symbol = r.symbol AND t.timeframe = r.timeframe"
            " AND t.start_time BETWEEN r.lo AND r.hi) LIMIT 1"
        )
    return None


def new_run_sql(
    spec: TableSpec,
    param: Callable[[str], str],
    stage: str,
    target: str | None = None,
    fallback_source: str | None = None,
) -> str:
    """Nothing stored to compare with (a new run, new bars): insert everything staged
    (into ``target``, a table of the same columns, if given; fallbacks read from
    ``fallback_source`` if given, see staged_values)."""
    columns, source = insert_columns(
        spec,
        run=param("run_id"),
        sequence_offset=param("sequence_offset"),
        now="NULL",
        values=staged_values(spec, param, fallback_source),
    )
    return f"INSERT INTO {target or spec.name} ({columns}) SELECT {source} FROM {stage} s"


class DuplicateKeysError(Exception):
    """The stage holds one key twice; the merge was undone to its savepoint."""


@dataclass
class MergeResult:
    staged: int = 0
    inserted: int = 0
    updated: int = 0
    conflicts: int = 0
    # symbols of inserted or changed records (and the old symbol of a changed one)
    symbols: set[str] = field(default_factory=set)
    # instruments: symbols whose point value is new or changed
    point_value_symbols: set[str] = field(default_factory=set)
    first_time: Any = None
    last_time: Any = None

    @property
    def unchanged(self) -> int:
        return self.staged - self.inserted - self.updated


@dataclass(frozen=True)
class Duplicate:
    position: int
    kept_position: int
    key: str
    record: dict[str, Any]
