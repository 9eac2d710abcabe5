"""How each export table maps onto the platform's tables, and how its columns are checked."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..contract.checks import CheckKind, field_kind
from ..contract.records import (
    BarRecord,
    ExecutionRecord,
    ExportRecord,
    InstrumentRecord,
    OrderRecord,
)
from ..contract.values import MaxChars
from . import column_sql as cs

# Re-exported for the SQL of the stream's checks.
DEFAULT_STRATEGY = cs.DEFAULT_STRATEGY
DEFAULT_ACCOUNT = cs.DEFAULT_ACCOUNT


# The kinds whose blank value is a run's (Metadata) default: the default's name.
RUN_DEFAULTS = {
    CheckKind.TEXT_OR_RUN_STRATEGY: "strategy_id",
    CheckKind.TEXT_OR_RUN_ACCOUNT: "account_id",
}


@dataclass(frozen=True)
class TableSpec:
    name: str  # platform table, and the key in report counts
    export_name: str  # the export's table name (matched case-insensitively)
    record: type[ExportRecord]
    run_scoped: bool  # has run_id in its key
    # Record columns whose check is not their record type's (contract.checks): what the
    # import fills in itself, such as a run's defaults.
    kind_overrides: tuple[tuple[str, CheckKind], ...] = ()
    # The table's data time: a run's first/last data time (orders, executions); the time
    # range that new bars cover (bars)
    time_column: str | None = None
    # Its records are part of the run's trades: the fills, and the orders whose tags name
    # the trades' signals. A change makes its (run, symbol) pairs rebuild.
    names_trades: bool = False
    # A stored boolean column that marks a record the user set (through the API): an
    # import never overwrites it, and a differing record is listed as a conflict.
    user_owned_column: str | None = None
    # Columns whose empty value the merge fills: the value of the record of
    # ``fallback_from`` (in the same run) whose key the row names, then the run's
    # (Metadata) default (store/upsert_base.staged_values).
    fallback_columns: tuple[str, ...] = ()
    fallback_from: TableSpec | None = None
    # A status column under the order lifecycle (contract.enums.STATUS_RANKS): the merge
    # never moves it back, and a change between terminal statuses is a conflict.
    lifecycle_column: str | None = None
    # Any change of a stored record is a conflict (an execution is a fact once stored).
    change_is_conflict: bool = False
    # Each row gets sequence = its position + the run's next sequence (file or batch order).
    sequenced: bool = False
    # A column stamped with the time of the import's write.
    stamped_column: str | None = None
    # Stored rows are market data shared between runs, keyed by symbol and time: the time
    # range of the staged rows per (symbol, timeframe) decides whether they can collide
    # with stored ones (a file's rows of symbols with nothing stored are copied straight
    # in), and the range that changed, not a run's data time, is what the import notes.
    shared_by_range: bool = False
    # Copied after the other tables: no table's rows depend on it, and the readers read
    # it while the database builds the indexes of the run's tables.
    copied_last: bool = False
    # Each row must pass the bar rule across its columns (bar_range_check; the C and
    # Python checks' BAR_RULE_VALUES and bar_range_ok).
    bar_rule: bool = False
    # The column of a symbol's point value (missing: trades.builder.DEFAULT_POINT_VALUE):
    # a change re-values every trade of the symbol, so the merge reports the symbols
    # whose value it changed, and the stream always merges the table (never a plain
    # INSERT, which reports no value).
    point_value_column: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Platform column names, in record.COLUMNS order."""
        return tuple(c.removesuffix("_utc") for c in self.record.COLUMNS)

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.removesuffix("_utc") for c in self.record.KEY)

    @property
    def timestamp_columns(self) -> frozenset[str]:
        return frozenset(c.removesuffix("_utc") for c in self.record.COLUMNS if c.endswith("_utc"))

    @property
    def kinds(self) -> tuple[CheckKind, ...]:
        """Each record column's check kind, in record.COLUMNS order."""
        overrides = dict(self.kind_overrides)
        return tuple(overrides.get(c) or _kind(self.record, c) for c in self.record.COLUMNS)

    @property
    def max_chars(self) -> tuple[int | None, ...]:
        """Each record column's length limit (``MaxChars`` on its field), None for none."""
        return tuple(_max_chars(self.record, c) for c in self.record.COLUMNS)

    @cached_property  # read for each record the model checks
    def run_defaults(self) -> tuple[tuple[str, str], ...]:
        """(record column, name of the run's default) of each column whose blank value is
        the run's (Metadata) default, by its kind: the model is given the default."""
        return tuple(
            (c, RUN_DEFAULTS[kind])
            for c, kind in zip(self.record.COLUMNS, self.kinds, strict=True)
            if kind in RUN_DEFAULTS
        )

    def column_check(self, index: int, raw: str) -> cs.Check:
        """The check of record column ``index`` over the SQL expression ``raw``."""
        return cs.CHECKS[self.kinds[index]](raw, self.max_chars[index])

    def key_text(self, values: dict[str, object]) -> str | None:
        parts = [values.get(c) for c in self.record.KEY]
        if all(p is None or (isinstance(p, str) and not p.strip()) for p in parts):
            return None
        return "|".join("" if p is None else str(p) for p in parts)


def _kind(record: type[ExportRecord], column: str) -> CheckKind:
    kind = field_kind(record.model_fields[column].metadata)
    if kind is None:
        raise RuntimeError(f"{record.__name__}.{column} declares no check kind")
    return kind


def _max_chars(record: type[ExportRecord], column: str) -> int | None:
    metadata = record.model_fields[column].metadata
    return next((m.limit for m in metadata if isinstance(m, MaxChars)), None)


INSTRUMENTS = TableSpec(
    "instruments",
    "instruments",
    InstrumentRecord,
    run_scoped=False,
    user_owned_column="set_by_user",
    stamped_column="updated_at",
    # The point value converts a symbol's price moves into money in every run's trades.
    point_value_column="point_value",
)
BARS = TableSpec(
    "bars",
    "bars",
    BarRecord,
    run_scoped=False,
    time_column="start_time",
    # Market data: one symbol's bars serve every run that trades it.
    shared_by_range=True,
    # The largest table of an export, and nothing reads it during the import.
    copied_last=True,
    # A bar's high and low bound its open and close; it ends after it starts.
    bar_rule=True,
)
ORDERS = TableSpec(
    "orders",
    "orders",
    OrderRecord,
    run_scoped=True,
    kind_overrides=(
        ("strategy_id", CheckKind.TEXT_OR_RUN_STRATEGY),
        ("account_id", CheckKind.TEXT_OR_RUN_ACCOUNT),
    ),
    time_column="submit_time",
    names_trades=True,
    lifecycle_column="status",
)
EXECUTIONS = TableSpec(
    "executions",
    "executions",
    ExecutionRecord,
    run_scoped=True,
    time_column="exec_time",
    names_trades=True,
    # An execution without strategy or account is its order's.
    fallback_columns=("strategy_id", "account_id"),
    fallback_from=ORDERS,
    change_is_conflict=True,
    sequenced=True,
)

# Import order: the run's orders before its executions; instruments first so a point
# value is known before anything else.
TABLE_SPECS: tuple[TableSpec, ...] = (INSTRUMENTS, BARS, ORDERS, EXECUTIONS)
SPECS_BY_NAME = {spec.name: spec for spec in TABLE_SPECS}


def conflict_keeps_stored(table: str) -> bool:
    """Whether a conflict of ``table`` left the stored record as it was (the user's), rather
    than replacing it with the import's."""
    spec = SPECS_BY_NAME.get(table)
    return spec is not None and spec.user_owned_column is not None


def bar_range_check(values: dict[str, str]) -> str:
    """The bar rule across columns, on the stored values."""
    o, h, low, c = values["open"], values["high"], values["low"], values["close"]
    end, start = values["end_time"], values["start_time"]
    return (
        f"({low} <= min({o}, {c}) AND {h} >= max({o}, {c}) AND ({end} IS NULL OR {end} >= {start}))"
    )
