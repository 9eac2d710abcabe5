"""What a rebuild reads: runs, point values, executions, bars and stored trades, as columns.

One query per run for its executions (not per trade or per execution), one summary and
one range query per symbol for its bars; rows go straight into numpy arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg import sql as pg_sql
from sqlalchemy import Connection, Engine, bindparam, text

from .columns import NO_TIME, BarColumns, ExecutionColumns
from .pg_binary_copy import (
    FLOAT8,
    INT4,
    INT8,
    TIMESTAMPTZ,
    decode_array,
    decode_single_row,
    split_text,
)
from .sql_time import bind_time, micros_expression
from .timeframes import finest_timeframe, timeframe_seconds

log = logging.getLogger(__name__)

_SIDES = {"BUY": 1, "SELL": -1}


@dataclass(frozen=True)
class RunContext:
    run_id: str
    strategy_id: str
    account_id: str | None
    reported_net_pnl: float | None
    reported_trade_count: int | None


def _dialect(conn: Connection) -> str:
    return conn.dialect.name


def existing_pairs(conn: Connection, run_id: str | None = None) -> list[tuple[str, str]]:
    """Every (run, symbol) with executions or stored trades (stale trades get removed)."""
    where = "WHERE run_id = :run_id" if run_id is not None else ""
    rows = conn.execute(
        text(
            f"SELECT run_id, symbol FROM executions {where} "
            f"UNION SELECT run_id, symbol FROM trades {where}"
        ),
        {"run_id": run_id} if run_id is not None else {},
    )
    return sorted((r, s) for r, s in rows)


def all_run_ids(conn: Connection) -> list[str]:
    return sorted(conn.execute(text("SELECT run_id FROM runs")).scalars())


def pairs_of_symbol(conn: Connection, symbol: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        text(
            "SELECT run_id, symbol FROM executions WHERE symbol = :symbol "
            "UNION SELECT run_id, symbol FROM trades WHERE symbol = :symbol"
        ),
        {"symbol": symbol},
    )
    return sorted((r, s) for r, s in rows)


def run_contexts(conn: Connection, run_ids: Iterable[str]) -> dict[str, RunContext]:
    ids = sorted(set(run_ids))
    if not ids:
        return {}
    rows = conn.execute(
        text(
            "SELECT run_id, strategy_id, account_id, reported_net_pnl, reported_trade_count "
            "FROM runs WHERE run_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": ids},
    )
    return {row[0]: RunContext(*row) for row in rows}


def point_values(conn: Connection, symbols: Iterable[str]) -> dict[str, float]:
    """instruments.point_value per symbol; symbols without a row are left out (1.0)."""
    names = sorted(set(symbols))
    if not names:
        return {}
    rows = conn.execute(
        text(
            "SELECT symbol, point_value FROM instruments "
            "WHERE symbol IN :names AND point_value IS NOT NULL"
        ).bindparams(bindparam("names", expanding=True)),
        {"names": names},
    )
    return {symbol: float(value) for symbol, value in rows}


def _symbol_filter(symbols: Iterable[str] | None) -> tuple[str, dict[str, Any]]:
    if symbols is None:
        return "", {}
    return " AND e.symbol IN :symbols", {"symbols": sorted(set(symbols))}


_ACCOUNT_SQL = """COALESCE(e.account_id,
                        (SELECT o.account_id FROM orders o
                          WHERE o.run_id = e.run_id AND o.order_id = e.order_id),
                        {run_account})"""
_STRATEGY_SQL = """COALESCE(e.strategy_id,
                        (SELECT o.strategy_id FROM orders o
                          WHERE o.run_id = e.run_id AND o.order_id = e.order_id),
                        {run_strategy})"""
# execution_id last: a total order, so two queries over one snapshot list rows alike.
_EXECUTION_ORDER = "ORDER BY e.symbol, e.exec_time, e.sequence, e.execution_id"


def load_executions(
    engine: Engine, run: RunContext, symbols: Iterable[str] | None = None
) -> ExecutionColumns:
    """The run's executions of ``symbols`` (all when None), in time order.

    The account falls back to the order's, then the run's; the strategy likewise.
    """
    if symbols is not None and not set(symbols):
        return ExecutionColumns.empty()
    if engine.dialect.name == "postgresql":
        return _load_executions_postgresql(engine, run, symbols)
    with engine.connect() as conn:
        return _load_executions_rows(conn, run, symbols)


def _text_times(values: Iterable[str | None]) -> np.ndarray:
    """SQLite's stored time texts as int64 microseconds (None -> NO_TIME), parsed by numpy."""
    return np.array(list(values), dtype="datetime64[us]").astype(np.int64)


def _load_executions_rows(
    conn: Connection, run: RunContext, symbols: Iterable[str] | None
) -> ExecutionColumns:
    """SQLite: plain rows from the driver's cursor; times parsed in bulk by numpy."""
    names = None if symbols is None else sorted(set(symbols))
    where = "e.run_id = ?"
    params: list[Any] = [run.account_id, run.strategy_id, run.run_id]
    if names is not None:
        where += " AND e.symbol IN (" + ", ".join("?" * len(names)) + ")"
        params += names
    account = _ACCOUNT_SQL.format(run_account="?")
    strategy = _STRATEGY_SQL.format(run_strategy="?")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        rows = cursor.execute(
            f"SELECT e.execution_id, {account}, e.symbol, e.side, e.price, e.quantity,"
            f" COALESCE(e.fee, 0), e.exec_time, e.sequence, {strategy}"
            f" FROM executions e WHERE {where} {_EXECUTION_ORDER}",
            params,
        ).fetchall()
    finally:
        cursor.close()
    if not rows:
        return ExecutionColumns.empty()
    ids, accounts, syms, sides, prices, qtys, fees, times, seqs, strategies = zip(
        *rows, strict=True
    )
    side_codes = np.array([_SIDES.get(s, 0) for s in sides], dtype=np.int8)
    return ExecutionColumns(
        execution_id=np.array(ids, dtype=object),
        account_id=np.array(accounts, dtype=object),
        symbol=np.array(syms, dtype=object),
        side=side_codes,
        price=np.array(prices, dtype=np.float64),
        quantity=np.array(qtys, dtype=np.float64),
        fee=np.array(fees, dtype=np.float64),
        exec_time=_text_times(times),
        sequence=np.array(seqs, dtype=np.int64),
        strategy_id=np.array(strategies, dtype=object),
    )


def _copy_out(dbapi: Any, statement: str, binary: bool) -> bytes:
    options = " (FORMAT BINARY)" if binary else ""
    with dbapi.cursor() as cursor:
        with cursor.copy(f"COPY ({statement}) TO STDOUT{options}") as copy:
            return b"".join(bytes(chunk) for chunk in copy)


def _load_executions_postgresql(
    engine: Engine, run: RunContext, symbols: Iterable[str] | None
) -> ExecutionColumns:
    """One COPY of one row: every column aggregated into an array (numbers, binary) or into
    one text with the lengths beside it. Per-row COPY messages would cost a Python call
    each; this costs a handful for the whole run."""
    names = None if symbols is None else sorted(set(symbols))
    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection

        def literal(value: Any) -> str:
            return pg_sql.Literal(value).as_string(dbapi)

        where = f"e.run_id = {literal(run.run_id)}"
        if names is not None:
            where += " AND e.symbol IN (" + ", ".join(literal(n) for n in names) + ")"
        account = _ACCOUNT_SQL.format(run_account=literal(run.account_id))
        strategy = _STRATEGY_SQL.format(run_strategy=literal(run.strategy_id))
        data = _copy_out(
            dbapi,
            f"""
            SELECT array_agg(side), array_agg(price), array_agg(quantity), array_agg(fee),
                   array_agg(exec_time), array_agg(seq),
                   string_agg(execution_id, ''), array_agg(char_length(execution_id)),
                   string_agg(account, ''), array_agg(COALESCE(char_length(account), -1)),
                   string_agg(symbol, ''), array_agg(char_length(symbol)),
                   string_agg(strategy, ''), array_agg(COALESCE(char_length(strategy), -1))
              FROM (SELECT (CASE e.side WHEN 'BUY' THEN 1 WHEN 'SELL' THEN -1 ELSE 0 END)::int8
                             AS side,
                           e.price::float8 AS price, e.quantity::float8 AS quantity,
                           COALESCE(e.fee, 0)::float8 AS fee, e.exec_time,
                           e.sequence::int8 AS seq, e.execution_id, {account} AS account,
                           e.symbol, {strategy} AS strategy
                      FROM executions e WHERE {where} {_EXECUTION_ORDER}) AS ordered
            """,
            binary=True,
        )
    fields = decode_single_row(data)
    side, price, quantity, fee, exec_time, sequence = (
        decode_array(fields[j], kind)
        for j, kind in enumerate((INT8, FLOAT8, FLOAT8, FLOAT8, TIMESTAMPTZ, INT8))
    )
    if len(side) == 0:
        return ExecutionColumns.empty()
    texts = [split_text(fields[j], decode_array(fields[j + 1], INT4)) for j in (6, 8, 10, 12)]
    return ExecutionColumns(
        execution_id=texts[0],
        account_id=texts[1],
        symbol=texts[2],
        side=side.astype(np.int8),
        price=price,
        quantity=quantity,
        fee=fee,
        exec_time=exec_time,
        sequence=sequence,
        strategy_id=texts[3],
    )


def finest_timeframe_of(conn: Connection, symbol: str) -> str | None:
    """The symbol's timeframe with the shortest bars, decided from a per-timeframe summary."""
    dialect = _dialect(conn)
    start = micros_expression("start_time", dialect)
    end = micros_expression("end_time", dialect)
    rows = conn.execute(
        text(
            f"SELECT timeframe, COUNT(*), MIN({start}), MAX({start}) "
            "FROM bars WHERE symbol = :symbol GROUP BY timeframe"
        ),
        {"symbol": symbol},
    ).fetchall()
    if len(rows) <= 1:
        return rows[0][0] if rows else None
    lengths: dict[str, float | None] = {}
    for timeframe, count, first, last in rows:
        named = timeframe_seconds(timeframe)
        if named is not None:
            lengths[timeframe] = named * 1_000_000
            continue
        average = conn.execute(
            text(
                f"SELECT AVG({end} - {start}) FROM bars WHERE symbol = :symbol "
                "AND timeframe = :timeframe AND end_time IS NOT NULL"
            ),
            {"symbol": symbol, "timeframe": timeframe},
        ).scalar()
        if average is not None:
            lengths[timeframe] = float(average)
        elif count > 1:
            lengths[timeframe] = (last - first) / (count - 1)
        else:
            lengths[timeframe] = None
    return finest_timeframe(lengths)


def load_bars(
    conn: Connection, symbol: str, first_entry: int, last_exit: int
) -> tuple[str | None, BarColumns]:
    """Bars of the symbol's finest timeframe that can overlap [first_entry, last_exit]."""
    timeframe = finest_timeframe_of(conn, symbol)
    if timeframe is None:
        return None, BarColumns(*(np.empty(0) for _ in range(5)))
    dialect = _dialect(conn)
    # From the last bar that starts at or before the first entry (it may contain it); up to
    # the bar starting at the last exit, whose start ends the bar before it.
    where = """symbol = {symbol} AND timeframe = {timeframe}
               AND start_time >= COALESCE(
                     (SELECT MAX(start_time) FROM bars
                       WHERE symbol = {symbol} AND timeframe = {timeframe}
                         AND start_time <= {first_entry}),
                     {first_entry})
               AND start_time <= {last_exit}"""
    if dialect == "postgresql":
        dbapi = conn.connection.driver_connection

        def literal(value: Any) -> str:
            return pg_sql.Literal(value).as_string(dbapi)

        condition = where.format(
            symbol=literal(symbol),
            timeframe=literal(timeframe),
            first_entry=literal(bind_time(first_entry, dialect)),
            last_exit=literal(bind_time(last_exit, dialect)),
        )
        data = _copy_out(
            dbapi,
            "SELECT array_agg(start_time), array_agg((end_time IS NOT NULL)::int4::int8),"
            " array_agg(COALESCE(end_time, start_time)), array_agg(high::float8),"
            " array_agg(low::float8) FROM (SELECT * FROM bars"
            f" WHERE {condition} ORDER BY start_time) AS ordered",
            binary=True,
        )
        fields = decode_single_row(data)
        starts, has_end, ends, highs, lows = (
            decode_array(fields[j], kind)
            for j, kind in enumerate((TIMESTAMPTZ, INT8, TIMESTAMPTZ, FLOAT8, FLOAT8))
        )
        ends = np.where(has_end == 1, ends, NO_TIME)
    else:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            rows = cursor.execute(
                "SELECT start_time, end_time, high, low FROM bars WHERE "
                + where.format(symbol="?", timeframe="?", first_entry="?", last_exit="?")
                + " ORDER BY start_time",
                [
                    symbol,
                    timeframe,
                    symbol,
                    timeframe,
                    bind_time(first_entry, dialect),
                    bind_time(first_entry, dialect),
                    bind_time(last_exit, dialect),
                ],
            ).fetchall()
        finally:
            cursor.close()
        columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
        starts = _text_times(columns[0])
        ends = _text_times(columns[1])
        highs = np.array(columns[2], dtype=np.float64)
        lows = np.array(columns[3], dtype=np.float64)
    bars = BarColumns(
        timeframe=np.full(len(starts), timeframe, dtype=object),
        start_time=starts,
        end_time=ends,
        high=highs,
        low=lows,
    )
    log.debug("loaded %d %s bars of %s", len(bars), timeframe, symbol)
    return timeframe, bars


@dataclass
class StoredTradeMetrics:
    """Stored trades of a run, only the columns run statistics need.

    Exit time and sequence of open trades read as 0: statistics use closed trades only.
    """

    closed: np.ndarray
    entry_time: np.ndarray
    exit_time: np.ndarray
    exit_sequence: np.ndarray
    pnl_net: np.ndarray
    commission: np.ndarray
    mae: np.ndarray
    mfe: np.ndarray
    etd: np.ndarray


METRIC_FIELDS = (
    "closed",
    "entry_time",
    "exit_time",
    "exit_sequence",
    "pnl_net",
    "commission",
    "mae",
    "mfe",
    "etd",
)


def load_trade_metrics(
    conn: Connection, run_id: str, exclude_symbols: Iterable[str] = ()
) -> StoredTradeMetrics:
    dialect = _dialect(conn)
    excluded = sorted(set(exclude_symbols))
    where = " AND symbol NOT IN :excluded" if excluded else ""
    statement = text(
        f"""
        SELECT status, {micros_expression("entry_time", dialect)},
               COALESCE({micros_expression("exit_time", dialect)}, 0),
               COALESCE(exit_sequence, 0),
               pnl_net, commission, mae, mfe, etd
          FROM trades WHERE run_id = :run_id{where}
        """
    )
    params: dict[str, Any] = {"run_id": run_id}
    if excluded:
        statement = statement.bindparams(bindparam("excluded", expanding=True))
        params["excluded"] = excluded
    rows = conn.execute(statement, params).fetchall()
    if not rows:
        columns: list[Any] = [[] for _ in METRIC_FIELDS]
    else:
        columns = list(zip(*rows, strict=True))
    return StoredTradeMetrics(
        closed=np.array([s == "CLOSED" for s in columns[0]], dtype=bool),
        entry_time=np.array(columns[1], dtype=np.int64),
        exit_time=np.array(columns[2], dtype=np.int64),
        exit_sequence=np.array(columns[3], dtype=np.int64),
        **{
            name: np.array(values, dtype=np.float64)
            for name, values in zip(METRIC_FIELDS[4:], columns[4:], strict=True)
        },
    )


def concat_metrics(parts: list[Any]) -> StoredTradeMetrics:
    """One StoredTradeMetrics from several (BuiltTrades or StoredTradeMetrics)."""
    return StoredTradeMetrics(
        **{
            name: np.concatenate([np.asarray(getattr(p, name)) for p in parts])
            for name in METRIC_FIELDS
        }
    )
