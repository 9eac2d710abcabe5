"""Realistic demo exports of any size, as a SQLite export file or as stream batches.

The data follows the export contract (export-format.md) and exercises what real strategies
produce: several symbols and accounts, partial fills, scale in and out, reversals (a fill
that crosses zero), cancels and rejects, an exit and the next entry with the same
timestamp, and 1-minute bars that contain every execution price. Generation is vectorised
(numpy), so a 1M-execution file takes seconds; the same seed gives the same data.

Positions come from a target-position walk per (account, symbol): each order moves the
position from one target to the next, so a move 2 -> 1 is a scale-out, 1 -> 2 a scale-in,
2 -> -1 a reversal and 2 -> 0 a flat exit.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..contract.records import BarRecord, ExecutionRecord, OrderRecord

SCHEMA_VERSIONS = ("1.0", "1.1")
_START = np.datetime64("2025-01-06T00:00:00", "us")
_MINUTE_US = 60_000_000
_STRATEGY_ID = "StackedImbalance"


class DemoSymbol(NamedTuple):
    symbol: str
    point_value: float
    tick_size: float
    start_price: float
    fee_per_contract: float


DEFAULT_SYMBOLS: tuple[DemoSymbol, ...] = (
    DemoSymbol("ES 12-25", 50.0, 0.25, 5000.0, 2.09),
    DemoSymbol("NQ 12-25", 20.0, 0.25, 20000.0, 2.09),
    DemoSymbol("CL 01-26", 1000.0, 0.01, 70.0, 2.29),
)
DEFAULT_ACCOUNTS: tuple[str, ...] = ("Sim101", "Sim102")

_FILE_TABLES = {
    "Bars": (
        "symbol TEXT, timeframe TEXT, start_time_utc TEXT, end_time_utc TEXT, "
        "open REAL, high REAL, low REAL, close REAL, volume REAL, open_interest REAL"
    ),
    "Orders": (
        "order_id TEXT, parent_order_id TEXT, strategy_id TEXT, strategy_version TEXT, "
        "account_id TEXT, symbol TEXT, side TEXT, order_type TEXT, time_in_force TEXT, "
        "submit_time_utc TEXT, price REAL, stop_price REAL, quantity REAL, status TEXT, "
        "reject_reason TEXT, cancel_reason TEXT, client_tag TEXT, meta_json TEXT"
    ),
}
# 1.0 exports were written before liquidity_flag existed.
_EXECUTION_COLUMNS_10 = tuple(c for c in ExecutionRecord.COLUMNS if c != "liquidity_flag")
# The export's columns are the contract's record columns.
_BAR_COLUMNS = BarRecord.COLUMNS
_ORDER_COLUMNS = OrderRecord.COLUMNS


@dataclass
class _Stream:
    """The filled orders and fills of one (account, symbol) before prices are known."""

    account: str
    symbol_index: int
    order_qty: np.ndarray  # signed order quantity
    order_filled: np.ndarray  # filled quantity (less than |order_qty| for the cut order)
    order_time: np.ndarray  # microseconds since _START
    order_parent: np.ndarray  # index of the order that opened the trade, -1 for entries
    fill_order: np.ndarray  # order index of each fill
    fill_qty: np.ndarray
    fill_time: np.ndarray


def _walk_orders(rng: np.random.Generator, fills_wanted: int, span_us: int) -> _Stream:
    """Filled orders and their fills for one stream, exactly ``fills_wanted`` fills, over
    about ``span_us`` microseconds."""
    count = max(16, int(fills_wanted / 1.4) + 16)
    while True:
        # The sign persists; a reversal is a sign flip between two non-zero targets.
        signs = np.cumprod(np.where(rng.random(count) < 0.18, -1, 1))
        # Positions in lots of 1 or 2 contracts, up to 8.
        sizes = rng.choice(np.arange(5), size=count, p=[0.34, 0.28, 0.2, 0.12, 0.06])
        sizes *= np.where(rng.random(count) < 0.5, 1, 2)
        targets = signs * sizes
        targets = targets[np.r_[targets[0] != 0, targets[1:] != targets[:-1]]]
        qty = np.diff(np.r_[0, targets])
        planned = np.minimum(
            rng.choice([1, 2, 3, 4], size=qty.size, p=[0.2, 0.3, 0.3, 0.2]), np.abs(qty)
        )
        cumulative = np.cumsum(planned)
        if cumulative.size and cumulative[-1] >= fills_wanted:
            break
        count *= 2
    last = int(np.searchsorted(cumulative, fills_wanted))
    qty, targets, planned = qty[: last + 1], targets[: last + 1], planned[: last + 1]
    n_orders = qty.size

    # Split each order's quantity over its planned fills, every fill >= 1.
    fill_order = np.repeat(np.arange(n_orders), planned)
    starts = np.cumsum(planned) - planned
    weights = rng.random(fill_order.size)
    weight_sum = np.add.reduceat(weights, starts)
    extra = np.abs(qty) - planned
    share = np.floor(extra[fill_order] * weights / weight_sum[fill_order]).astype(np.int64)
    fill_qty = 1 + share
    fill_qty[starts] += extra - np.add.reduceat(share, starts)
    # The last order keeps only the fills that fit: it may stay partially filled.
    fill_order, fill_qty = fill_order[:fills_wanted], fill_qty[:fills_wanted]
    order_filled = np.bincount(fill_order, weights=fill_qty, minlength=n_orders).astype(np.int64)

    # Fill times inside an order: ties (same timestamp) happen, else 1 ms .. 3 s apart.
    position_in_order = np.arange(fill_order.size) - starts[fill_order]
    steps = np.where(
        rng.random(fill_order.size) < 0.3, 0, rng.integers(1_000, 3_000_000, fill_order.size)
    )
    # An entry right after a flat exit often fills at the exit's very timestamp.
    previous_flat = np.r_[True, targets[:-1] == 0]
    same_time = previous_flat & (rng.random(n_orders) < 0.5)
    same_time[0] = False
    first_step = np.where(
        same_time | (rng.random(n_orders) < 0.5), 0, rng.integers(1_000, 500_000, n_orders)
    )
    steps[position_in_order == 0] = first_step[fill_order[position_in_order == 0]]
    offsets = np.cumsum(steps)
    offsets -= (offsets - steps)[starts[fill_order]]
    span = np.zeros(n_orders, dtype=np.int64)
    np.maximum.at(span, fill_order, offsets)
    gaps = np.maximum(rng.exponential(span_us / n_orders, n_orders).astype(np.int64), 1_000_000)
    gaps[same_time] = 0
    order_time = np.cumsum(gaps + np.r_[0, span[:-1]])
    fill_time = order_time[fill_order] + offsets

    # The parent of a scale or exit order is the order that opened the current trade.
    previous_sign = np.sign(np.r_[0, targets[:-1]])
    opens_trade = (targets != 0) & (previous_sign != np.sign(targets))
    opener = np.maximum.accumulate(np.where(opens_trade, np.arange(n_orders), -1))
    parent = np.where(opens_trade, -1, opener)

    return _Stream(
        account="",
        symbol_index=0,
        order_qty=qty,
        order_filled=order_filled,
        order_time=order_time,
        order_parent=parent,
        fill_order=fill_order,
        fill_qty=fill_qty,
        fill_time=fill_time,
    )


Formatter = Callable[[np.ndarray], list[Any]]


@dataclass
class _Table:
    """Raw typed columns of one table; text is formatted chunk by chunk (memory stays low)."""

    columns: dict[str, tuple[np.ndarray, Formatter]]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))[0]) if self.columns else 0

    def chunk(self, start: int, stop: int) -> dict[str, list[Any]]:
        return {name: fmt(values[start:stop]) for name, (values, fmt) in self.columns.items()}

    def take(self, index: np.ndarray) -> dict[str, list[Any]]:
        return {name: fmt(values[index]) for name, (values, fmt) in self.columns.items()}


@dataclass
class DemoData:
    """One demo run: metadata, instruments and the three record tables in file order."""

    schema_version: str
    metadata: dict[str, str]
    instruments: list[dict[str, Any]]
    bars: _Table
    orders: _Table
    executions: _Table
    # Fill time of each execution and submit time of each order (us since _START).
    execution_times: np.ndarray
    order_times: np.ndarray
    bar_times: np.ndarray

    @property
    def run_id(self) -> str | None:
        return self.metadata.get("run_id")


def cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def _plain(values: np.ndarray) -> list[Any]:
    return values.tolist()


def _optional_float(values: np.ndarray) -> list[Any]:
    return [None if v != v else v for v in values.tolist()]  # NaN -> NULL


def _coded(labels: Sequence[Any]) -> Formatter:
    table = np.array(list(labels), dtype=object)
    return lambda codes: table[codes].tolist()


def _ids(prefix: str) -> Formatter:
    return lambda values: [f"{prefix}{v:016x}" for v in values.tolist()]


def _optional_ids(prefix: str) -> Formatter:
    return lambda values: [None if v == 0 else f"{prefix}{v:016x}" for v in values.tolist()]


def _times(schema_version: str) -> Formatter:
    def format_times(micros: np.ndarray) -> list[str]:
        values = _START + micros.astype("timedelta64[us]")
        if schema_version == "1.1":
            # What the C# exporter writes: .NET round-trip "o" style, 7 digits and 'Z'.
            return [t + "0Z" for t in np.datetime_as_string(values, unit="us").tolist()]
        return [t.replace("T", " ") for t in np.datetime_as_string(values, unit="us").tolist()]

    return format_times


def _unique_ids(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` distinct random-looking non-zero 64-bit ids (odd multiplier: a bijection)."""
    multiplier = np.uint64(int(rng.integers(1, 2**62)) * 2 + 1)
    offset = np.uint64(int(rng.integers(1, 2**62)))
    with np.errstate(over="ignore"):
        values = (np.arange(1, count + 1, dtype=np.uint64) * multiplier) ^ offset
    values[values == 0] = np.uint64(1) << np.uint64(63)
    return values


def generate_demo(
    *,
    executions: int,
    seed: int = 0,
    symbols: Sequence[DemoSymbol] = DEFAULT_SYMBOLS,
    accounts: Sequence[str] = DEFAULT_ACCOUNTS,
    bars: bool = True,
    schema_version: str = "1.1",
) -> DemoData:
    """Generate one run of ``executions`` fills across every (account, symbol)."""
    if schema_version not in SCHEMA_VERSIONS:
        raise ValueError(f"schema_version {schema_version!r} not in {SCHEMA_VERSIONS}")
    if executions < 0:
        raise ValueError("executions must be >= 0")
    if not symbols or not accounts:
        raise ValueError("at least one symbol and one account are needed")
    rng = np.random.default_rng(seed)
    streams = [(a, s) for a in range(len(accounts)) for s in range(len(symbols))]
    per_stream = np.full(len(streams), executions // len(streams))
    per_stream[: executions % len(streams)] += 1
    # About one 1-minute bar per execution overall, like a busy intraday strategy.
    span_us = max(30, -(-executions // len(symbols))) * _MINUTE_US

    walked: list[tuple[int, _Stream]] = []
    for index, wanted in enumerate(per_stream.tolist()):
        if wanted:
            walked.append((index, _walk_orders(rng, wanted, span_us)))

    # Filled orders of all streams, then cancels and rejects (no fills) per stream.
    o_stream, o_qty, o_time, o_parent, o_status = [], [], [], [], []
    f_stream, f_order, f_qty, f_time = [], [], [], []
    offset = 0
    for index, stream in walked:
        n = stream.order_qty.size
        o_stream.append(np.full(n, index))
        o_qty.append(stream.order_qty)
        o_time.append(stream.order_time)
        o_parent.append(np.where(stream.order_parent >= 0, stream.order_parent + offset, -1))
        o_status.append(np.where(stream.order_filled == np.abs(stream.order_qty), 0, 1))
        f_stream.append(np.full(stream.fill_order.size, index))
        f_order.append(stream.fill_order + offset)
        f_qty.append(stream.fill_qty)
        f_time.append(stream.fill_time)
        offset += n
    end_us = max((int(s.fill_time[-1]) for _, s in walked), default=span_us)
    for index, stream in walked:
        extra = max(1, int(stream.order_qty.size * 0.1))
        o_stream.append(np.full(extra, index))
        o_qty.append(rng.integers(1, 4, extra) * rng.choice([-1, 1], extra))
        o_time.append(np.sort(rng.integers(0, end_us + 1, extra)))
        o_parent.append(np.full(extra, -1))
        o_status.append(np.where(rng.random(extra) < 0.7, 2, 3))  # CANCELED / REJECTED
        offset += extra
    order_stream = np.concatenate(o_stream) if o_stream else np.zeros(0, dtype=np.int64)
    order_qty, order_time = cat(o_qty), cat(o_time)
    order_parent, order_status = cat(o_parent), cat(o_status)
    fill_stream, fill_order, fill_qty, fill_time = (
        cat(f_stream),
        cat(f_order),
        cat(f_qty),
        cat(f_time),
    )
    stream_account = np.array([a for a, _ in streams])
    stream_symbol = np.array([s for _, s in streams])
    order_symbol = stream_symbol[order_stream]
    fill_symbol = stream_symbol[fill_stream]

    # 1-minute bars per symbol over the whole span, prices on the tick grid.
    minutes = int(max(end_us, int(order_time.max(initial=0))) // _MINUTE_US) + 1
    tick = np.array([s.tick_size for s in symbols])
    start_ticks = np.round(np.array([s.start_price for s in symbols]) / tick).astype(np.int64)
    close = start_ticks[:, None] + np.cumsum(rng.integers(-4, 5, (len(symbols), minutes)), axis=1)
    open_ = np.concatenate([start_ticks[:, None], close[:, :-1]], axis=1)
    high = np.maximum(open_, close) + rng.integers(0, 4, close.shape)
    low = np.minimum(open_, close) - rng.integers(0, 4, close.shape)
    # Keep prices well above zero whatever the walk did.
    lift = np.maximum(start_ticks // 2 - low.min(axis=1), 0)[:, None]
    close, open_, high, low = close + lift, open_ + lift, high + lift, low + lift

    def to_price(sym: np.ndarray, ticks: np.ndarray) -> np.ndarray:
        return np.round(ticks * tick[sym], 8)

    fill_minute = fill_time // _MINUTE_US
    lo, hi = low[fill_symbol, fill_minute], high[fill_symbol, fill_minute]
    fill_ticks = lo + np.floor(rng.random(fill_time.size) * (hi - lo + 1)).astype(np.int64)
    fill_price = to_price(fill_symbol, fill_ticks)

    # Order types and prices: limit-style prices are the first fill's price.
    order_type = rng.choice(5, order_qty.size, p=[0.5, 0.3, 0.15, 0.04, 0.01])
    order_type[order_status == 2] = 1  # canceled orders are resting limits
    first_fill = np.full(order_qty.size, -1)
    if fill_order.size:
        first_fill[fill_order[::-1]] = np.arange(fill_order.size)[::-1]
    order_minute = order_time // _MINUTE_US
    reference = np.where(
        first_fill >= 0,
        fill_ticks[np.maximum(first_fill, 0)] if fill_ticks.size else 0,
        close[order_symbol, order_minute]
        - np.sign(order_qty) * rng.integers(2, 12, order_qty.size),
    )
    reference_price = to_price(order_symbol, reference)
    order_price = np.where(np.isin(order_type, [1, 3, 4]), reference_price, np.nan)
    order_stop = np.where(np.isin(order_type, [2, 3]), reference_price, np.nan)

    # File order: by time; ties keep the stream's own order (stable sort).
    order_sort = np.lexsort((np.arange(order_qty.size), order_stream, order_time))
    fill_sort = np.lexsort((np.arange(fill_time.size), fill_stream, fill_time))
    order_ids = _unique_ids(rng, order_qty.size)
    execution_ids = _unique_ids(rng, fill_time.size)
    parent_ids = np.where(order_parent >= 0, order_ids[np.maximum(order_parent, 0)], 0).astype(
        np.uint64
    )

    fee_per_contract = np.array([s.fee_per_contract for s in symbols])
    fill_fee = np.round(fee_per_contract[fill_symbol] * fill_qty, 2)
    is_maker = np.isin(order_type[fill_order], [1, 3]) if fill_order.size else np.zeros(0, bool)

    metadata = _metadata(
        rng,
        schema_version,
        accounts,
        symbols,
        end_us,
        *_reported(
            fill_stream,
            fill_symbol,
            fill_qty,
            fill_order,
            order_qty,
            fill_price,
            fill_fee,
            symbols,
            schema_version,
        ),
    )
    times = _times(schema_version)
    strategy = metadata.get("strategy_id", _STRATEGY_ID)
    account_labels = list(accounts)
    symbol_labels = [s.symbol for s in symbols]

    o = order_sort
    orders = _Table(
        {
            "order_id": (order_ids[o], _ids("O")),
            "parent_order_id": (parent_ids[o], _optional_ids("O")),
            "strategy_id": (np.zeros(o.size, dtype=np.int64), _coded([strategy])),
            "strategy_version": (np.zeros(o.size, dtype=np.int64), _coded(["2.3"])),
            "account_id": (stream_account[order_stream[o]], _coded(account_labels)),
            "symbol": (order_symbol[o], _coded(symbol_labels)),
            "side": ((order_qty[o] < 0).astype(np.int64), _coded(["BUY", "SELL"])),
            "order_type": (order_type[o], _coded(["MARKET", "LIMIT", "STOP", "STOP_LIMIT", "MIT"])),
            "time_in_force": ((rng.random(o.size) < 0.2).astype(np.int64), _coded(["GTC", "DAY"])),
            "submit_time_utc": (order_time[o], times),
            "price": (order_price[o], _optional_float),
            "stop_price": (order_stop[o], _optional_float),
            "quantity": (np.abs(order_qty[o]).astype(float), _plain),
            "status": (
                order_status[o],
                _coded(["FILLED", "PARTIALLY_FILLED", "CANCELED", "REJECTED"]),
            ),
            "reject_reason": (
                (order_status[o] == 3).astype(np.int64),
                _coded([None, "Order rejected: insufficient margin"]),
            ),
            "cancel_reason": (
                (order_status[o] == 2).astype(np.int64),
                _coded([None, "Canceled by strategy: signal expired"]),
            ),
            "client_tag": ((order_parent[o] < 0).astype(np.int64), _coded(["Exit", "Entry"])),
            "meta_json": (
                ((order_parent[o] < 0) & (order_status[o] < 2)).astype(np.int64),
                _coded([None, '{"signal": "stacked_imbalance", "ratio": 3}']),
            ),
        }
    )
    f = fill_sort
    fill_columns: dict[str, tuple[np.ndarray, Formatter]] = {
        "execution_id": (execution_ids[f], _ids("E")),
        "order_id": (order_ids[fill_order[f]], _ids("O")),
        "strategy_id": (np.zeros(f.size, dtype=np.int64), _coded([strategy])),
        "account_id": (stream_account[fill_stream[f]], _coded(account_labels)),
        "symbol": (fill_symbol[f], _coded(symbol_labels)),
        "side": ((order_qty[fill_order[f]] < 0).astype(np.int64), _coded(["BUY", "SELL"])),
        "exec_time_utc": (fill_time[f], times),
        "price": (fill_price[f], _plain),
        "quantity": (fill_qty[f].astype(float), _plain),
        "fee": (fill_fee[f], _plain),
        "fee_currency": (np.zeros(f.size, dtype=np.int64), _coded(["USD"])),
    }
    if schema_version == "1.1":
        # Executions may leave strategy_id empty: it falls back to the order / Metadata.
        fill_columns["strategy_id"] = (
            rng.choice(3, f.size, p=[0.9, 0.05, 0.05]),
            _coded([strategy, "", None]),
        )
        fill_columns["liquidity_flag"] = (is_maker[f].astype(np.int64), _coded(["TAKER", "MAKER"]))

    if bars:
        b_symbol = np.repeat(np.arange(len(symbols)), minutes)
        b_minute = np.tile(np.arange(minutes, dtype=np.int64), len(symbols))
        # Bars of all symbols interleaved by time, as a recorder writes them.
        b_sort = np.lexsort((b_symbol, b_minute))
        b_symbol, b_minute = b_symbol[b_sort], b_minute[b_sort]
        bar_times = b_minute * _MINUTE_US
        bar_table = _Table(
            {
                "symbol": (b_symbol, _coded(symbol_labels)),
                "timeframe": (np.zeros(b_symbol.size, dtype=np.int64), _coded(["1m"])),
                "start_time_utc": (bar_times, times),
                "end_time_utc": (bar_times + _MINUTE_US, times),
                "open": (to_price(b_symbol, open_[b_symbol, b_minute]), _plain),
                "high": (to_price(b_symbol, high[b_symbol, b_minute]), _plain),
                "low": (to_price(b_symbol, low[b_symbol, b_minute]), _plain),
                "close": (to_price(b_symbol, close[b_symbol, b_minute]), _plain),
                "volume": (rng.integers(50, 5000, b_symbol.size).astype(float), _plain),
                "open_interest": (np.full(b_symbol.size, np.nan), _optional_float),
            }
        )
    else:
        bar_times = np.zeros(0, dtype=np.int64)
        bar_table = _Table({name: (np.zeros(0), _plain) for name in _BAR_COLUMNS})

    instruments = [
        {
            "symbol": s.symbol,
            "point_value": s.point_value,
            "tick_size": s.tick_size,
            "currency": "USD",
        }
        for s in symbols
    ]
    return DemoData(
        schema_version=schema_version,
        metadata=metadata,
        instruments=instruments if schema_version == "1.1" else [],
        bars=bar_table,
        orders=orders,
        executions=_Table(fill_columns),
        execution_times=fill_time[f],
        order_times=order_time[o],
        bar_times=bar_times,
    )


def _reported(
    fill_stream: np.ndarray,
    fill_symbol: np.ndarray,
    fill_qty: np.ndarray,
    fill_order: np.ndarray,
    order_qty: np.ndarray,
    fill_price: np.ndarray,
    fill_fee: np.ndarray,
    symbols: Sequence[DemoSymbol],
    schema_version: str,
) -> tuple[float, int]:
    """The strategy's own realized net PnL and closed-trade count (analytics.md rules)."""
    point_value = np.array([s.point_value for s in symbols]) if schema_version == "1.1" else None
    net, trades = 0.0, 0
    for stream in np.unique(fill_stream).tolist():
        mask = fill_stream == stream  # fills of a stream are already in time order
        signed = fill_qty[mask] * np.sign(order_qty[fill_order[mask]])
        price, fee = fill_price[mask], fill_fee[mask]
        pv = point_value[fill_symbol[mask][0]] if point_value is not None else 1.0
        after = np.cumsum(signed)
        before = after - signed
        closes = (before != 0) & ((after == 0) | (np.sign(after) != np.sign(before)))
        trades += int(closes.sum())
        if not closes.any():
            continue
        last = int(np.flatnonzero(closes)[-1])
        # Up to the last close the position returns to zero: the cash flow is the PnL.
        closing = -before[last]  # the part of the last closing fill that flattens
        cash = -(signed[:last] * price[:last]).sum() - closing * price[last]
        fees = fee[:last].sum() + fee[last] * abs(closing) / abs(signed[last])
        net += float(cash * pv - fees)
    return round(net, 2), trades


def _metadata(
    rng: np.random.Generator,
    schema_version: str,
    accounts: Sequence[str],
    symbols: Sequence[DemoSymbol],
    end_us: int,
    reported_net_pnl: float,
    reported_trade_count: int,
) -> dict[str, str]:
    if schema_version == "1.0":
        return {}
    created = _times("1.1")(np.array([end_us + _MINUTE_US]))[0]
    return {
        "schema_version": "1.1",
        "run_id": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
        "strategy_id": _STRATEGY_ID,
        "strategy_name": "Stacked Imbalance",
        "strategy_version": "2.3",
        "parameters": json.dumps(
            {"ratio": 3, "stop_ticks": 8, "symbols": [s.symbol for s in symbols]}
        ),
        "mode": "backtest",
        "account_id": accounts[0],
        "exporter": "StackedImbalanceStrategyDue/2.3 SqliteExporter/1.1",
        "created_utc": created,
        "reported_net_pnl": repr(reported_net_pnl),
        "reported_trade_count": str(reported_trade_count),
    }


_WRITE_CHUNK = 50_000


def _write_table(con: sqlite3.Connection, name: str, table: _Table, columns: Sequence[str]) -> None:
    con.execute(f"CREATE TABLE {name} ({', '.join(_column_types(name, columns))})")
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for start in range(0, len(table), _WRITE_CHUNK):
        chunk = table.chunk(start, start + _WRITE_CHUNK)
        con.executemany(sql, zip(*(chunk[c] for c in columns), strict=True))


def _column_types(table: str, columns: Sequence[str]) -> list[str]:
    real = {
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
    }
    return [f"{c} {'REAL' if c in real else 'TEXT'}" for c in columns]


def write_demo_export(
    path: str | Path,
    *,
    executions: int,
    seed: int = 0,
    symbols: Sequence[DemoSymbol] = DEFAULT_SYMBOLS,
    accounts: Sequence[str] = DEFAULT_ACCOUNTS,
    bars: bool = True,
    schema_version: str = "1.1",
) -> None:
    """Write a demo export file (overwrites ``path``).

    Schema 1.1 files carry Metadata (run_id, reported PnL ...) and Instruments; schema 1.0
    files have neither, nor the ``liquidity_flag`` column, like the oldest exporters.
    """
    data = generate_demo(
        executions=executions,
        seed=seed,
        symbols=symbols,
        accounts=accounts,
        bars=bars,
        schema_version=schema_version,
    )
    path = Path(path)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        con.execute("PRAGMA cache_size=-65536")
        con.execute("PRAGMA synchronous=OFF")
        with con:
            if data.metadata:
                con.execute("CREATE TABLE Metadata (key TEXT, value TEXT)")
                con.executemany("INSERT INTO Metadata VALUES (?, ?)", data.metadata.items())
            if data.instruments:
                con.execute(
                    "CREATE TABLE Instruments (symbol TEXT, point_value REAL, tick_size REAL, "
                    "currency TEXT)"
                )
                con.executemany(
                    "INSERT INTO Instruments VALUES (:symbol, :point_value, :tick_size, :currency)",
                    data.instruments,
                )
            if bars:
                _write_table(con, "Bars", data.bars, _BAR_COLUMNS)
            _write_table(con, "Orders", data.orders, _ORDER_COLUMNS)
            _write_table(con, "Executions", data.executions, list(data.executions.columns))
    finally:
        con.close()


def demo_batches(
    *,
    executions: int,
    seed: int = 0,
    symbols: Sequence[DemoSymbol] = DEFAULT_SYMBOLS,
    accounts: Sequence[str] = DEFAULT_ACCOUNTS,
    bars: bool = True,
    batch_size: int = 1000,
    run_id: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The same run as ``write_demo_export`` (schema 1.1) as stream batches, in time order.

    Each batch carries up to ``batch_size`` executions, the orders submitted and the bars
    started up to its last execution; the first batch carries the instruments and the last
    one closes the run (``status`` COMPLETED). Executions keep their file order.
    """
    data = generate_demo(
        executions=executions,
        seed=seed,
        symbols=symbols,
        accounts=accounts,
        bars=bars,
        schema_version="1.1",
    )
    meta = dict(data.metadata)
    if run_id is not None:
        meta["run_id"] = run_id
    run: dict[str, Any] = {
        "run_id": meta["run_id"],
        "strategy_id": meta["strategy_id"],
        "strategy_name": meta["strategy_name"],
        "strategy_version": meta["strategy_version"],
        "parameters": json.loads(meta["parameters"]),
        "mode": meta["mode"],
        "account_id": meta["account_id"],
        "exporter": meta["exporter"].replace("SqliteExporter", "HttpExporter"),
        "status": "RUNNING",
    }
    n = len(data.executions)
    bounds = list(range(0, n, batch_size)) + [n] if n else [0, 0]
    order_start = bar_start = 0
    for number, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        final = stop == n
        until = int(data.execution_times[stop - 1]) if stop > start else 0
        order_stop = (
            len(data.orders)
            if final
            else int(np.searchsorted(data.order_times, until, side="right"))
        )
        bar_stop = (
            len(data.bars) if final else int(np.searchsorted(data.bar_times, until, side="right"))
        )
        batch: dict[str, Any] = {"schema_version": "1.1", "run": dict(run)}
        if final:
            batch["run"]["status"] = "COMPLETED"
            batch["run"]["reported_net_pnl"] = float(meta["reported_net_pnl"])
            batch["run"]["reported_trade_count"] = int(meta["reported_trade_count"])
        if number == 0:
            batch["instruments"] = data.instruments
        batch["bars"] = _records(data.bars.chunk(bar_start, bar_stop))
        batch["orders"] = _records(data.orders.chunk(order_start, order_stop))
        batch["executions"] = _records(data.executions.chunk(start, stop))
        order_start, bar_start = order_stop, bar_stop
        yield batch


def _records(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
