"""Trade reads: the filtered, sorted page and one trade with its fills, lots and bars."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from sqlalchemy import Select, func, select, text, tuple_
from sqlalchemy.engine import Connection

from ..contract.timestamps import shifted
from ..db.models import Bar, Execution, RunStatistics, Trade, TradeLot
from ..errors import UnprocessableError
from ..trades.chart_data import nice_histogram
from ..trades.columns import API_TRADE_FIELDS
from ..trades.timeframes import timeframe_seconds
from . import annotations as user_annotations
from .price_precision import instrument_settings, price_decimals

TRADE_COLUMNS = API_TRADE_FIELDS
SORTABLE = frozenset(TRADE_COLUMNS) - {"run_id", "strategy_id", "trade_id"}
MAX_PAGE = 1000
MAX_BARS = 10_000
# Bars shown around a trade: at least this many bar lengths, or half the trade's duration.
MARGIN_BARS = 30
DEFAULT_BAR_SECONDS = 60.0

_trade_cols = [Trade.__table__.c[name] for name in TRADE_COLUMNS]


class SortError(UnprocessableError, ValueError):
    """A sort field the trade list does not have."""


@dataclass(frozen=True)
class TradeFilters:
    run_id: str | None = None
    strategy_id: str | None = None
    symbol: str | None = None
    account_id: str | None = None
    side: Literal["LONG", "SHORT"] | None = None
    status: Literal["OPEN", "CLOSED"] | None = None
    time_from: datetime | None = None
    time_to: datetime | None = None
    outcome: Literal["winners", "losers"] | None = None
    tag: str | None = None

    def apply(self, query: Select) -> Select:
        conditions = []
        for name in ("run_id", "strategy_id", "symbol", "account_id", "side", "status"):
            value = getattr(self, name)
            if value is not None:
                conditions.append(Trade.__table__.c[name] == value)
        # A time range selects trades by entry time: [from, to).
        if self.time_from is not None:
            conditions.append(Trade.entry_time >= self.time_from)
        if self.time_to is not None:
            conditions.append(Trade.entry_time < self.time_to)
        if self.outcome == "winners":
            conditions.append(Trade.pnl_net > 0)
        elif self.outcome == "losers":
            conditions.append(Trade.pnl_net < 0)
        if self.tag is not None:
            conditions.append(
                Trade.trade_id.in_(user_annotations.trades_with_tag(self.tag, self.run_id))
            )
        return query.where(*conditions) if conditions else query


def sort_field(sort: str | None) -> tuple[str, bool]:
    """The field ``sort`` names and whether it is descending (a leading ``-``)."""
    if not sort:
        return "entry_time", False
    descending = sort.startswith("-")
    name = sort[1:] if descending else sort
    if name not in SORTABLE:
        raise SortError(
            f"cannot sort by {name!r}: use one of {', '.join(sorted(SORTABLE))}, "
            "with a leading '-' for descending"
        )
    return name, descending


def parse_sort(sort: str | None) -> list[Any]:
    """``field`` or ``-field`` (descending); trade_id breaks ties so pages are stable."""
    if not sort:
        return [Trade.entry_time.asc(), Trade.trade_id.asc()]
    name, descending = sort_field(sort)
    column = Trade.__table__.c[name]
    # NULLS LAST on both dialects (their defaults differ), so open trades sort alike.
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    tie = Trade.trade_id.desc() if descending else Trade.trade_id.asc()
    return [order, tie]


def list_trades(
    conn: Connection, filters: TradeFilters, *, sort: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    order_by = parse_sort(sort)
    page = filters.apply(select(*_trade_cols)).order_by(*order_by).limit(limit).offset(offset)
    rows = with_instrument_state(conn, [dict(row) for row in conn.execute(page).mappings()])
    if offset == 0 and len(rows) < limit:
        return rows, len(rows)  # the whole result fits on this page: no count needed
    total = _stored_total(conn, filters)
    if total is None:
        total = conn.execute(filters.apply(select(func.count()).select_from(Trade))).scalar_one()
    return rows, total


def iter_trades(
    conn: Connection, filters: TradeFilters, *, sort: str | None, chunk: int = 5_000
) -> Iterator[list[dict[str, Any]]]:
    """Every trade the filters select, in the list's order, ``chunk`` rows at a time, each
    with its instrument state (as list_trades gives them), from one query."""
    query = filters.apply(select(*_trade_cols)).order_by(*parse_sort(sort))
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
    for part in result.mappings().partitions(chunk):
        yield with_instrument_state(conn, [dict(row) for row in part])


# Filters the stored statistics cannot count by.
_UNCOUNTED_FILTERS = (
    "strategy_id",
    "symbol",
    "account_id",
    "side",
    "time_from",
    "time_to",
    "outcome",
    "tag",
)


def _stored_total(conn: Connection, filters: TradeFilters) -> int | None:
    """The trade count of one run (optionally of one status) from its stored statistics,
    or None when they cannot tell. Exact: a rebuild stores the statistics in the
    transaction that writes the trades, and counting a run of 200k trades costs more
    than the page itself."""
    if filters.run_id is None or any(getattr(filters, n) is not None for n in _UNCOUNTED_FILTERS):
        return None
    document = RunStatistics.statistics
    closed = document[("statistics", "total_trades")].as_integer()
    open_ = document[("statistics", "open_trades")].as_integer()
    row = conn.execute(select(closed, open_).where(RunStatistics.run_id == filters.run_id)).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    if filters.status == "CLOSED":
        return int(row[0])
    if filters.status == "OPEN":
        return int(row[1])
    return int(row[0]) + int(row[1])


def with_instrument_state(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each trade with its symbol's ``price_decimals`` and ``point_value_missing`` (no
    instrument: the rebuild used point value 1)."""
    symbols = {row["symbol"] for row in rows}
    point_values, tick_sizes = instrument_settings(conn, symbols)
    decimals = price_decimals(conn, symbols, tick_sizes)
    for row in rows:
        row["price_decimals"] = decimals[row["symbol"]]
        row["point_value_missing"] = row["symbol"] not in point_values
    return rows


def get_trade_row(conn: Connection, trade_id: str) -> dict[str, Any] | None:
    query = select(
        *_trade_cols,
        Trade.point_value,
        Trade.first_execution_id,
        Trade.exit_sequence,
    ).where(Trade.trade_id == trade_id)
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    trade = with_instrument_state(conn, [dict(row)])[0]
    trade["tick_size"] = instrument_settings(conn, [trade["symbol"]])[1].get(trade["symbol"])
    return trade


_EXECUTION_OUT = (
    "execution_id",
    "order_id",
    "account_id",
    "symbol",
    "side",
    "exec_time",
    "price",
    "quantity",
    "fee",
    "fee_currency",
    "liquidity_flag",
    "sequence",
)


def trade_executions(
    conn: Connection, trade: dict[str, Any], lots: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The fills of a trade: its account's fills of the symbol from the first entry fill
    to the last exit fill (a fill that crosses zero belongs to both trades), plus every
    fill its lot matches name. Two indexed queries; an OR of both would scan the run."""
    ex = Execution.__table__.c
    columns = [ex[name] for name in _EXECUTION_OUT]
    first = conn.execute(
        select(ex.exec_time, ex.sequence).where(
            ex.run_id == trade["run_id"], ex.execution_id == trade["first_execution_id"]
        )
    ).first()
    account = trade["account_id"]
    in_range = [
        ex.run_id == trade["run_id"],
        ex.symbol == trade["symbol"],
        ex.account_id.is_(None) if account is None else ex.account_id == account,
    ]
    if first is not None:
        in_range.append(tuple_(ex.exec_time, ex.sequence) >= (first.exec_time, first.sequence))
    if trade["exit_time"] is not None and trade["exit_sequence"] is not None:
        in_range.append(
            tuple_(ex.exec_time, ex.sequence) <= (trade["exit_time"], trade["exit_sequence"])
        )
    query = select(*columns).where(*in_range).order_by(ex.exec_time, ex.sequence).limit(MAX_BARS)
    found = {row["execution_id"]: dict(row) for row in conn.execute(query).mappings()}
    named = {lot[key] for lot in lots for key in ("entry_execution_id", "exit_execution_id")}
    missing = sorted(named - found.keys())
    if missing:
        extra = select(*columns).where(ex.run_id == trade["run_id"], ex.execution_id.in_(missing))
        found.update({row["execution_id"]: dict(row) for row in conn.execute(extra).mappings()})
    fills = sorted(found.values(), key=lambda e: (e["exec_time"], e["sequence"]))
    return with_trade_parts(trade, fills)


# Quantities are compared and subtracted at this resolution (trades/quantities.py).
_QUANTITY_DECIMALS = 9


def with_trade_parts(trade: dict[str, Any], fills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each fill with ``trade_quantity`` and ``trade_fee``: the part of it in this trade.

    Only a fill that crosses zero is split (analytics.md): the trade's first entry fill
    (its remainder opens this trade) and the last exit fill of a closed trade (its part
    flattens it). Entries add up to the trade's quantity; a closed trade exits as much.
    """
    entry_side = "BUY" if trade["side"] == "LONG" else "SELL"
    entries = [f for f in fills if f["side"].upper() == entry_side]
    exits = [f for f in fills if f["side"].upper() != entry_side]
    parts = {f["execution_id"]: float(f["quantity"]) for f in fills}
    if entries and entries[0]["execution_id"] == trade.get("first_execution_id"):
        others = sum(parts[f["execution_id"]] for f in entries[1:])
        parts[entries[0]["execution_id"]] = round(trade["quantity"] - others, _QUANTITY_DECIMALS)
    if exits and trade["status"] == "CLOSED":
        others = sum(parts[f["execution_id"]] for f in exits[:-1])
        parts[exits[-1]["execution_id"]] = round(trade["quantity"] - others, _QUANTITY_DECIMALS)
    for fill in fills:
        quantity = float(fill["quantity"])
        part = min(max(parts[fill["execution_id"]], 0.0), quantity)
        fee = float(fill["fee"] or 0.0)
        fill["trade_quantity"] = part
        fill["trade_fee"] = fee if part == quantity else fee * part / quantity
    return fills


def trade_lots(conn: Connection, trade_id: str) -> list[dict[str, Any]]:
    lots = TradeLot.__table__.c
    query = (
        select(
            lots.entry_execution_id,
            lots.exit_execution_id,
            lots.entry_time,
            lots.exit_time,
            lots.entry_price,
            lots.exit_price,
            lots.quantity,
            lots.points,
            lots.pnl_gross,
        )
        .where(lots.trade_id == trade_id)
        .order_by(lots.lot_index)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def symbol_timeframes(conn: Connection, symbol: str) -> list[str]:
    """Distinct timeframes of a symbol by a loose index scan over the bars' primary key
    (a plain DISTINCT would read every bar of the symbol)."""
    query = text(
        """
        WITH RECURSIVE tf(name) AS (
            SELECT MIN(timeframe) FROM bars WHERE symbol = :symbol
            UNION ALL
            SELECT (SELECT MIN(timeframe) FROM bars WHERE symbol = :symbol AND timeframe > tf.name)
            FROM tf WHERE tf.name IS NOT NULL
        )
        SELECT name FROM tf WHERE name IS NOT NULL
        """
    )
    return [row[0] for row in conn.execute(query, {"symbol": symbol})]


def _observed_bar_seconds(conn: Connection, symbol: str, timeframe: str) -> float | None:
    """A bar's length from the data: its end time, else the gap to the next bar."""
    bars = Bar.__table__.c
    rows = conn.execute(
        select(bars.start_time, bars.end_time)
        .where(bars.symbol == symbol, bars.timeframe == timeframe)
        .order_by(bars.start_time)
        .limit(2)
    ).all()
    if not rows:
        return None
    if rows[0].end_time is not None and rows[0].end_time > rows[0].start_time:
        return (rows[0].end_time - rows[0].start_time).total_seconds()
    if len(rows) == 2:
        return (rows[1].start_time - rows[0].start_time).total_seconds()
    return None


def finest_timeframe(conn: Connection, symbol: str) -> tuple[str | None, float]:
    best: tuple[str | None, float] = (None, DEFAULT_BAR_SECONDS)
    best_seconds = math.inf
    for timeframe in symbol_timeframes(conn, symbol):
        seconds = timeframe_seconds(timeframe) or _observed_bar_seconds(conn, symbol, timeframe)
        if seconds is not None and seconds < best_seconds:
            best, best_seconds = (timeframe, seconds), seconds
        elif best[0] is None:
            best = (timeframe, DEFAULT_BAR_SECONDS)
    return best


def trade_bars(
    conn: Connection, trade: dict[str, Any], timeframe: str, bar_seconds: float
) -> tuple[list[dict[str, Any]], bool]:
    entry: datetime = trade["entry_time"]
    exit_: datetime = trade["exit_time"] or entry
    duration = (exit_ - entry).total_seconds()
    margin = timedelta(seconds=max(duration / 2, MARGIN_BARS * bar_seconds))
    bars = Bar.__table__.c
    query = (
        select(
            bars.start_time, bars.end_time, bars.open, bars.high, bars.low, bars.close, bars.volume
        )
        .where(
            bars.symbol == trade["symbol"],
            bars.timeframe == timeframe,
            bars.start_time >= shifted(entry, -margin),
        )
        .order_by(bars.start_time)
        .limit(MAX_BARS + 1)
    )
    if trade["exit_time"] is not None:
        query = query.where(bars.start_time < shifted(exit_, margin))
    rows = [dict(row) for row in conn.execute(query).mappings()]
    truncated = len(rows) > MAX_BARS
    return rows[:MAX_BARS], truncated


def neighbour_trade_ids(conn: Connection, trade: dict[str, Any]) -> tuple[str | None, str | None]:
    """Previous and next trade of the same run in (entry_time, trade_id) order."""
    key = tuple_(Trade.entry_time, Trade.trade_id)
    here = (trade["entry_time"], trade["trade_id"])
    prev_id = conn.execute(
        select(Trade.trade_id)
        .where(Trade.run_id == trade["run_id"], key < here)
        .order_by(Trade.entry_time.desc(), Trade.trade_id.desc())
        .limit(1)
    ).scalar()
    next_id = conn.execute(
        select(Trade.trade_id)
        .where(Trade.run_id == trade["run_id"], key > here)
        .order_by(Trade.entry_time.asc(), Trade.trade_id.asc())
        .limit(1)
    ).scalar()
    return prev_id, next_id


def pnl_distribution(conn: Connection, run_id: str, bins: int) -> tuple[list[dict[str, Any]], int]:
    values = np.fromiter(
        (
            row[0]
            for row in conn.execute(
                select(Trade.pnl_net).where(
                    Trade.run_id == run_id, Trade.status == "CLOSED", Trade.pnl_net.is_not(None)
                )
            )
        ),
        dtype=np.float64,
    )
    if values.size == 0:
        return [], 0
    edges, counts = nice_histogram(values, bins)
    buckets = [
        {"lower": float(edges[i]), "upper": float(edges[i + 1]), "count": int(counts[i])}
        for i in range(len(counts))
    ]
    return buckets, int(values.size)
