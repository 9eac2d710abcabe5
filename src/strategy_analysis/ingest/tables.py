"""How each export table maps onto the platform's tables, and how its columns are checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..contract.records import (
    BarRecord,
    ExecutionRecord,
    ExportRecord,
    InstrumentRecord,
    OrderRecord,
)
from ..contract.values import MaxChars
from . import column_sql as cs

# Column checks that need the Metadata defaults, as SQL expressions (bound parameters).
DEFAULT_STRATEGY = ":default_strategy_id"
DEFAULT_ACCOUNT = ":default_account_id"

# A column's check over an SQL expression; a text's also takes its length limit.
CheckFactory = Callable[..., cs.Check]


@dataclass(frozen=True)
class TableSpec:
    name: str  # platform table, and the key in report counts
    export_name: str  # the export's table name (matched case-insensitively)
    record: type[ExportRecord]
    checks: tuple[CheckFactory, ...]  # one per record column, in record.COLUMNS order
    run_scoped: bool  # has run_id in its key
    # The table's data time: a run's first/last data time (orders, executions); the time
    # range that new bars cover (bars)
    time_column: str | None = None
    # Its records are part of the run's trades: the fills, and the orders whose tags name
    # the trades' signals. A change makes its (run, symbol) pairs rebuild.
    names_trades: bool = False
    # A stored boolean column that marks a record the user set (through the API): an
    # import never overwrites it, and a differing record is listed as a conflict.
    user_owned_column: str | None = None
    # Columns whose empty value the merge fills: the record's order's value, then the
    # run's (Metadata) default (store/upsert_base.staged_values).
    fallback_columns: tuple[str, ...] = ()
    # A status column under the order lifecycle (contract.enums.STATUS_RANKS): the merge
    # never moves it back, and a change between terminal statuses is a conflict.
    lifecycle_column: str | None = None
    # Any change of a stored record is a conflict (an execution is a fact once stored).
    change_is_conflict: bool = False
    # Each row gets sequence = its position + the run's next sequence (file or batch order).
    sequenced: bool = False
    # A column stamped with the time of the import's write.
    stamped_column: str | None = None
    # Stored rows are shared between runs; the time range of the staged rows per
    # (symbol, timeframe) decides whether they can collide with stored ones.
    shared_by_range: bool = False

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
    def max_chars(self) -> tuple[int | None, ...]:
        """Each record column's length limit (``MaxChars`` on its field), None for none."""
        return tuple(_max_chars(self.record, c) for c in self.record.COLUMNS)

    def column_check(self, index: int, raw: str) -> cs.Check:
        """The check of record column ``index`` over the SQL expression ``raw``."""
        limit = self.max_chars[index]
        factory = self.checks[index]
        return factory(raw) if limit is None else factory(raw, limit)

    def key_text(self, values: dict[str, object]) -> str | None:
        parts = [values.get(c) for c in self.record.KEY]
        if all(p is None or (isinstance(p, str) and not p.strip()) for p in parts):
            return None
        return "|".join("" if p is None else str(p) for p in parts)


def _max_chars(record: type[ExportRecord], column: str) -> int | None:
    metadata = record.model_fields[column].metadata
    return next((m.limit for m in metadata if isinstance(m, MaxChars)), None)


def _opt_num(c: str) -> cs.Check:
    return cs.number(c, required=False)


def _opt_positive(c: str) -> cs.Check:
    return cs.number(c, minimum="> 0", required=False)


def _positive(c: str) -> cs.Check:
    return cs.number(c, minimum="> 0")


def _quantity(c: str) -> cs.Check:
    return cs.number(c, minimum="quantity")


def _non_negative(c: str) -> cs.Check:
    return cs.number(c, minimum=">= 0")


def _opt_timestamp(c: str) -> cs.Check:
    return cs.timestamp(c, required=False)


def _gtc(c: str, max_chars: int | None = None) -> cs.Check:
    return cs.text_or_literal(c, "GTC", max_chars)


def _strategy_default(c: str, max_chars: int | None = None) -> cs.Check:
    return cs.text_with_default(c, DEFAULT_STRATEGY, max_chars)


def _account_default(c: str, max_chars: int | None = None) -> cs.Check:
    return cs.text_with_default(c, DEFAULT_ACCOUNT, max_chars)


INSTRUMENTS = TableSpec(
    "instruments",
    "instruments",
    InstrumentRecord,
    (cs.required_text, _positive, _opt_positive, cs.optional_text),
    run_scoped=False,
    user_owned_column="set_by_user",
    stamped_column="updated_at",
)
BARS = TableSpec(
    "bars",
    "bars",
    BarRecord,
    (
        cs.required_text,
        cs.required_text,
        cs.timestamp,
        _opt_timestamp,
        cs.number,
        cs.number,
        cs.number,
        cs.number,
        _non_negative,
        _opt_num,
    ),
    run_scoped=False,
    time_column="start_time",
    shared_by_range=True,
)
ORDERS = TableSpec(
    "orders",
    "orders",
    OrderRecord,
    (
        cs.required_text,  # order_id
        cs.optional_text,  # parent_order_id
        _strategy_default,  # strategy_id
        cs.optional_text,  # strategy_version
        _account_default,  # account_id
        cs.required_text,  # symbol
        cs.side,
        cs.order_type,
        _gtc,  # time_in_force
        cs.timestamp,  # submit_time_utc
        _opt_positive,  # price
        _opt_positive,  # stop_price
        _quantity,  # quantity
        cs.status,
        cs.optional_text,  # reject_reason
        cs.optional_text,  # cancel_reason
        cs.optional_text,  # client_tag
        cs.json_object_text,  # meta_json
    ),
    run_scoped=True,
    time_column="submit_time",
    names_trades=True,
    lifecycle_column="status",
)
EXECUTIONS = TableSpec(
    "executions",
    "executions",
    ExecutionRecord,
    (
        cs.required_text,  # execution_id
        cs.required_text,  # order_id
        cs.optional_text,  # strategy_id
        cs.optional_text,  # account_id
        cs.required_text,  # symbol
        cs.side,
        cs.timestamp,  # exec_time_utc
        _positive,  # price
        _quantity,  # quantity
        cs.fee,
        cs.optional_text,  # fee_currency
        cs.optional_text,  # liquidity_flag
    ),
    run_scoped=True,
    time_column="exec_time",
    names_trades=True,
    fallback_columns=("strategy_id", "account_id"),
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


# The checks the C reader (``_copy_lines``) makes itself, by its letter for each; any other
# check is computed in SQL and handed to it checked (S: required, s: optional).
C_CHECK_KINDS: dict[CheckFactory, str] = {
    cs.required_text: "T",
    cs.optional_text: "t",
    cs.number: "N",
    _opt_num: "n",
    _positive: "P",
    _quantity: "Q",
    _opt_positive: "p",
    _non_negative: "Z",
    cs.fee: "F",
    cs.timestamp: "D",
    _opt_timestamp: "d",
}
