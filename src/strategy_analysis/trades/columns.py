"""Columnar containers (numpy arrays) passed between loading, building and writing.

Times are int64 microseconds since the Unix epoch, UTC. A missing time is ``NO_TIME``;
a missing number is NaN. ``to_records`` turns columns into JSON-safe dicts (None, not NaN).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np

NO_TIME = np.iinfo(np.int64).min
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

BUY = 1
SELL = -1
LONG = 1
SHORT = -1


def micros_to_datetime(value: int) -> datetime | None:
    if value == NO_TIME:
        return None
    return EPOCH + timedelta(microseconds=int(value))


def datetime_to_micros(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _object_array(values: Any, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, None, dtype=object)
    return np.asarray(values, dtype=object)


@dataclass
class ExecutionColumns:
    """The fills of one run (any accounts and symbols), one array element per execution."""

    execution_id: np.ndarray  # object
    account_id: np.ndarray  # object; None is an account of its own
    symbol: np.ndarray  # object
    side: np.ndarray  # int8: +1 buy, -1 sell
    price: np.ndarray  # float64
    quantity: np.ndarray  # float64, > 0
    fee: np.ndarray  # float64, >= 0
    exec_time: np.ndarray  # int64 microseconds UTC
    sequence: np.ndarray  # int64: order of equal timestamps
    strategy_id: np.ndarray | None = None  # object
    # client_tag, else order_id, of the execution's order; None when the order is unknown
    signal: np.ndarray | None = None  # object
    # What execution quality reads besides: the order each execution names, its liquidity
    # flag (None when blank in the database); None when not read.
    order_id: np.ndarray | None = None  # object
    liquidity_flag: np.ndarray | None = None  # object
    # The stored order's key (order_names.NO_ORDER when the run has no such order):
    # PostgreSQL hashtextextended of its id, SQLite its rowid; matched to the orders
    # without their ids.
    order_key: np.ndarray | None = None  # int64

    def __post_init__(self) -> None:
        n = len(self.execution_id)
        self.execution_id = np.asarray(self.execution_id, dtype=object)
        self.account_id = _object_array(self.account_id, n)
        self.symbol = np.asarray(self.symbol, dtype=object)
        self.side = np.asarray(self.side, dtype=np.int8)
        self.price = np.asarray(self.price, dtype=np.float64)
        self.quantity = np.asarray(self.quantity, dtype=np.float64)
        self.fee = np.nan_to_num(np.asarray(self.fee, dtype=np.float64), nan=0.0)
        self.exec_time = np.asarray(self.exec_time, dtype=np.int64)
        self.sequence = np.asarray(self.sequence, dtype=np.int64)
        if self.strategy_id is not None:
            self.strategy_id = np.asarray(self.strategy_id, dtype=object)
        for name in ("signal", "order_id", "liquidity_flag"):
            if getattr(self, name) is not None:
                setattr(self, name, np.asarray(getattr(self, name), dtype=object))
        if self.order_key is not None:
            self.order_key = np.asarray(self.order_key, dtype=np.int64)
        for f in fields(self):
            column = getattr(self, f.name)
            if column is not None and len(column) != n:
                raise ValueError(
                    f"execution column {f.name!r} has {len(column)} values, expected {n}"
                )

    def __len__(self) -> int:
        return len(self.execution_id)

    def take(self, index: np.ndarray) -> ExecutionColumns:
        return ExecutionColumns(
            **{  # type: ignore[arg-type]  # each field's own array, or None
                f.name: (None if getattr(self, f.name) is None else getattr(self, f.name)[index])
                for f in fields(self)
            }
        )

    @classmethod
    def empty(cls) -> ExecutionColumns:
        return cls(
            execution_id=np.empty(0, dtype=object),
            account_id=np.empty(0, dtype=object),
            symbol=np.empty(0, dtype=object),
            side=np.empty(0, dtype=np.int8),
            price=np.empty(0),
            quantity=np.empty(0),
            fee=np.empty(0),
            exec_time=np.empty(0, dtype=np.int64),
            sequence=np.empty(0, dtype=np.int64),
        )


@dataclass
class BarColumns:
    """Bars of one symbol (any timeframes)."""

    timeframe: np.ndarray  # object
    start_time: np.ndarray  # int64 microseconds
    end_time: np.ndarray  # int64 microseconds, NO_TIME when the bar has none
    high: np.ndarray  # float64
    low: np.ndarray  # float64

    def __post_init__(self) -> None:
        n = len(self.start_time)
        self.timeframe = np.asarray(self.timeframe, dtype=object)
        self.start_time = np.asarray(self.start_time, dtype=np.int64)
        if self.end_time is None:
            self.end_time = np.full(n, NO_TIME, dtype=np.int64)
        self.end_time = np.asarray(self.end_time, dtype=np.int64)
        self.high = np.asarray(self.high, dtype=np.float64)
        self.low = np.asarray(self.low, dtype=np.float64)
        for f in fields(self):
            if len(getattr(self, f.name)) != n:
                raise ValueError(f"bar column {f.name!r} has the wrong length, expected {n}")

    def __len__(self) -> int:
        return len(self.start_time)

    def take(self, index: np.ndarray) -> BarColumns:
        return BarColumns(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


# The trade fields of the API, in api.md's order.
API_TRADE_FIELDS = (
    "trade_id",
    "run_id",
    "strategy_id",
    "account_id",
    "symbol",
    "side",
    "status",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "quantity",
    "pnl_gross",
    "commission",
    "pnl_net",
    "mae",
    "mfe",
    "mae_points",
    "mfe_points",
    "etd",
    "duration_seconds",
    "entry_efficiency",
    "exit_efficiency",
    "total_efficiency",
    "entry_signal",
    "exit_signal",
)
# Stored trade columns: the API's fields, then the ones the platform keeps for itself.
TRADE_FIELDS = API_TRADE_FIELDS + (
    "point_value",
    "first_execution_id",
    "exit_sequence",
    "entry_count",
    "exit_count",
    "lots_digest",
)

LOT_FIELDS = (
    "trade_id",
    "run_id",
    "symbol",
    "entry_execution_id",
    "exit_execution_id",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "quantity",
    "points",
    "pnl_gross",
)

_TIME_FIELDS = {"entry_time", "exit_time"}
_INT_FIELDS = {"exit_sequence", "entry_count", "exit_count"}


def _json_value(name: str, value: Any) -> Any:
    if name in _TIME_FIELDS:
        return micros_to_datetime(int(value))
    if isinstance(value, np.floating | float):
        return None if np.isnan(value) else float(value)
    if name in _INT_FIELDS:
        return None if value == NO_TIME else int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclass
class LotMatches:
    """FIFO lot matches: one entry fill (part) closed by one exit fill (part)."""

    trade_index: np.ndarray  # int64: row in BuiltTrades
    trade_id: np.ndarray  # object
    symbol: np.ndarray  # object
    entry_execution_id: np.ndarray  # object
    exit_execution_id: np.ndarray  # object
    entry_time: np.ndarray  # int64
    exit_time: np.ndarray  # int64
    entry_price: np.ndarray  # float64
    exit_price: np.ndarray  # float64
    quantity: np.ndarray  # float64
    points: np.ndarray  # float64: price move in the trade's favour
    pnl_gross: np.ndarray  # float64
    run_id: str = ""

    def __len__(self) -> int:
        return len(self.trade_index)

    @cached_property
    def lot_index(self) -> np.ndarray:
        """Each lot's place within its trade (0, 1, ...), a trade's lots in their order:
        stored with the lot, and hashed into the trade's lots digest (lot_digest.py)."""
        trade_index = np.asarray(self.trade_index)
        order = np.argsort(trade_index, kind="stable")
        grouped = trade_index[order]
        first = np.ones(len(grouped), dtype=bool)
        first[1:] = grouped[1:] != grouped[:-1]
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(grouped)), 0))
        positions = np.empty(len(grouped), dtype=np.int64)
        positions[order] = np.arange(len(grouped)) - group_start
        return positions

    def column(self, name: str) -> np.ndarray:
        if name == "run_id":
            return np.full(len(self), self.run_id, dtype=object)
        return getattr(self, name)

    def to_records(self) -> list[dict[str, Any]]:
        columns = [(name, self.column(name)) for name in LOT_FIELDS]
        return [
            {name: _json_value(name, col[i]) for name, col in columns} for i in range(len(self))
        ]


@dataclass
class PositionPath:
    """The position of closed trades between consecutive fill instants (analytics.md,
    "Excursions"): one segment [start, end) per instant of a trade but its last, in trade
    order. A trade whose fills share one instant has one segment [t, t + 1 µs) holding
    its whole entered quantity.

    The running PnL of a segment's position at price P (realised PnL included) is
    direction x point value x (P x quantity - cost): the mark-to-market of its fills.
    """

    trade_index: np.ndarray  # int64: row in BuiltTrades, non-decreasing
    start: np.ndarray  # int64 microseconds
    end: np.ndarray  # int64 microseconds
    quantity: np.ndarray  # float64: open quantity during the segment
    cost: np.ndarray  # float64: entry quantity x price minus exit quantity x price so far

    def __len__(self) -> int:
        return len(self.trade_index)

    def for_trades(self, rows: np.ndarray) -> PositionPath:
        """The segments of trades ``rows`` (ascending), numbered by their place in ``rows``."""
        size = max(int(self.trade_index.max(initial=-1)), int(rows.max(initial=-1))) + 1
        place = np.full(size, -1, dtype=np.int64)
        place[rows] = np.arange(len(rows))
        own = place[self.trade_index]
        chosen = own >= 0
        return PositionPath(
            trade_index=own[chosen],
            start=self.start[chosen],
            end=self.end[chosen],
            quantity=self.quantity[chosen],
            cost=self.cost[chosen],
        )

    @classmethod
    def empty(cls) -> PositionPath:
        i64 = np.empty(0, dtype=np.int64)
        return cls(i64, i64, i64, np.empty(0), np.empty(0))


# Per-trade values computed from bars (excursions.py); NaN until computed.
EXCURSION_FIELDS = (
    "mae",
    "mfe",
    "mae_points",
    "mfe_points",
    "etd",
    "entry_efficiency",
    "exit_efficiency",
    "total_efficiency",
)


@dataclass
class BuiltTrades:
    """Round-trip trades of one run (analytics.md), one array element per trade.

    Trades are grouped by account and symbol, each group in entry order. ``direction`` is
    +1 LONG / -1 SHORT; ``closed`` is the status. Excursion columns are NaN until
    ``Excursions.assign_to`` fills them.
    """

    trade_id: np.ndarray  # object
    strategy_id: np.ndarray  # object
    account_id: np.ndarray  # object
    symbol: np.ndarray  # object
    direction: np.ndarray  # int8
    closed: np.ndarray  # bool
    entry_time: np.ndarray  # int64
    exit_time: np.ndarray  # int64, NO_TIME when open
    entry_price: np.ndarray  # float64
    exit_price: np.ndarray  # float64, NaN when no exit fill yet
    quantity: np.ndarray  # float64
    pnl_gross: np.ndarray  # float64, NaN when open
    commission: np.ndarray  # float64
    pnl_net: np.ndarray  # float64, NaN when open
    point_value: np.ndarray  # float64
    first_execution_id: np.ndarray  # object
    exit_sequence: np.ndarray  # int64, NO_TIME when open
    entry_count: np.ndarray  # int64
    exit_count: np.ndarray  # int64
    realized_pnl: np.ndarray  # float64: lot pnl so far (partial exits of an open trade)
    lots: LotMatches
    lots_digest: np.ndarray  # int64: lot_digest.py, equal lots give an equal digest
    run_id: str = ""
    # client_tag (else order_id) of the first entry fill's / last exit fill's order
    entry_signal: np.ndarray | None = None  # object, None when unknown
    exit_signal: np.ndarray | None = None  # object, None when unknown or OPEN
    path: PositionPath = field(default_factory=PositionPath.empty)
    mae: np.ndarray = field(default_factory=lambda: np.empty(0))
    mfe: np.ndarray = field(default_factory=lambda: np.empty(0))
    mae_points: np.ndarray = field(default_factory=lambda: np.empty(0))
    mfe_points: np.ndarray = field(default_factory=lambda: np.empty(0))
    etd: np.ndarray = field(default_factory=lambda: np.empty(0))
    entry_efficiency: np.ndarray = field(default_factory=lambda: np.empty(0))
    exit_efficiency: np.ndarray = field(default_factory=lambda: np.empty(0))
    total_efficiency: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        n = len(self.trade_id)
        for name in EXCURSION_FIELDS:
            if len(getattr(self, name)) != n:
                setattr(self, name, np.full(n, np.nan))
        for name in ("entry_signal", "exit_signal"):
            if getattr(self, name) is None:
                setattr(self, name, np.full(n, None, dtype=object))

    def __len__(self) -> int:
        return len(self.trade_id)

    @property
    def side(self) -> np.ndarray:
        return np.where(self.direction > 0, "LONG", "SHORT").astype(object)

    @property
    def status(self) -> np.ndarray:
        return np.where(self.closed, "CLOSED", "OPEN").astype(object)

    @property
    def duration_seconds(self) -> np.ndarray:
        return np.where(self.closed, (self.exit_time - self.entry_time) / 1_000_000.0, np.nan)

    def column(self, name: str) -> np.ndarray:
        if name == "run_id":
            return np.full(len(self), self.run_id, dtype=object)
        return getattr(self, name)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per trade with the API's field names (None for missing values)."""
        columns = [(name, self.column(name)) for name in TRADE_FIELDS]
        return [
            {name: _json_value(name, col[i]) for name, col in columns} for i in range(len(self))
        ]
