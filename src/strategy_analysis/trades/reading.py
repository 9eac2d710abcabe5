"""What a rebuild reads: runs, point values, executions, bars and stored trades, as columns.

One query per run for its executions (not per trade or per execution), one summary and
one range query per symbol for its bars; rows go straight into numpy arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from threading import Lock
from typing import Any

import numpy as np
from psycopg import sql as pg_sql
from sqlalchemy import Connection, Engine, bindparam, text

from ..db.engine import driver_connection
from ..db.planner_estimates import refresh_stale_estimates
from ..db.rows import tuples
from .columns import NO_TIME, BarColumns, ExecutionColumns
from .order_names import OrderNames
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
    if run_id is not None:
        return [(run_id, symbol) for symbol in _run_symbols(conn, run_id)]
    rows = tuples(
        conn.execute(
            text("SELECT run_id, symbol FROM executions UNION SELECT run_id, symbol FROM trades")
        )
    )
    return sorted((r, s) for r, s in rows)


# The distinct symbols of {table}'s rows that match {where}, through an index that starts
# with them (after the columns {where} fixes): one index probe per symbol (a loose index
# scan), where DISTINCT reads every row (a run's 10M executions: 14.7 s).
_NEXT_SYMBOL_SQL = """
WITH RECURSIVE found(symbol) AS (
    SELECT (SELECT symbol FROM {table} WHERE {where} ORDER BY symbol LIMIT 1)
    UNION ALL
    SELECT (SELECT symbol FROM {table} WHERE {where} AND symbol > found.symbol
             ORDER BY symbol LIMIT 1)
      FROM found WHERE found.symbol IS NOT NULL
)
SELECT symbol FROM found WHERE symbol IS NOT NULL
"""


def _run_symbols(conn: Connection, run_id: str) -> list[str]:
    """The symbols the run has executions or stored trades of, sorted."""
    traded: list[str] = list(
        conn.execute(
            text(_NEXT_SYMBOL_SQL.format(table="executions", where="run_id = :run_id")),
            {"run_id": run_id},
        ).scalars()
    )
    # Stored trades' symbols, from the trades' (symbol, entry_time) index; the few not
    # traded any more are asked of the run one by one.
    stored: list[str] = list(
        conn.execute(text(_NEXT_SYMBOL_SQL.format(table="trades", where="1 = 1"))).scalars()
    )
    stale = [
        symbol
        for symbol in set(stored) - set(traded)
        if conn.execute(
            text("SELECT 1 FROM trades WHERE run_id = :run_id AND symbol = :symbol LIMIT 1"),
            {"run_id": run_id, "symbol": symbol},
        ).first()
    ]
    return sorted([*traded, *stale])


def all_run_ids(conn: Connection) -> list[str]:
    return sorted(conn.execute(text("SELECT run_id FROM runs")).scalars())


def pairs_of_symbol(conn: Connection, symbol: str) -> list[tuple[str, str]]:
    rows = tuples(
        conn.execute(
            text(
                "SELECT run_id, symbol FROM executions WHERE symbol = :symbol "
                "UNION SELECT run_id, symbol FROM trades WHERE symbol = :symbol"
            ),
            {"symbol": symbol},
        )
    )
    return sorted((r, s) for r, s in rows)


def run_contexts(conn: Connection, run_ids: Iterable[str]) -> dict[str, RunContext]:
    ids = sorted(set(run_ids))
    if not ids:
        return {}
    rows = tuples(
        conn.execute(
            text(
                "SELECT run_id, strategy_id, account_id, reported_net_pnl, reported_trade_count "
                "FROM runs WHERE run_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        )
    )
    return {row[0]: RunContext(*row) for row in rows}


def point_values(conn: Connection, symbols: Iterable[str]) -> dict[str, float]:
    """instruments.point_value per symbol; symbols without a row are left out (1.0)."""
    names = sorted(set(symbols))
    if not names:
        return {}
    rows = tuples(
        conn.execute(
            text(
                "SELECT symbol, point_value FROM instruments "
                "WHERE symbol IN :names AND point_value IS NOT NULL"
            ).bindparams(bindparam("names", expanding=True)),
            {"names": names},
        )
    )
    return {symbol: float(value) for symbol, value in rows}


def _symbol_filter(symbols: Iterable[str] | None) -> tuple[str, dict[str, Any]]:
    if symbols is None:
        return "", {}
    return " AND e.symbol IN :symbols", {"symbols": sorted(set(symbols))}


# Each execution's order, joined once (PostgreSQL hashes the run's orders; a lookup per
# execution cost seconds per million). The order is joined by the run as a value, not as
# e.run_id: on PostgreSQL the planner then reads that run's partition of orders alone.
# The tables the executions read joins by run: their planner estimates of the run are
# checked first (db/planner_estimates.py).
JOINED_RUN_TABLES = ("executions", "orders")
_ORDER_JOIN = "LEFT JOIN orders o ON o.run_id = {run} AND o.order_id = e.order_id"
_ACCOUNT_SQL = "COALESCE(e.account_id, o.account_id, {run_account})"
_STRATEGY_SQL = "COALESCE(e.strategy_id, o.strategy_id, {run_strategy})"
# The order's client_tag, else its id; NULL when the run has no such order.
_SIGNAL_SQL = "COALESCE(o.client_tag, o.order_id)"
# The stored order's key, the int64 minimum (order_names.NO_ORDER) when the run has
# no such order. PostgreSQL: hashtextextended of its id; SQLite: its rowid.
ORDER_KEY_SQL = "hashtextextended({column}, 0)"
_NO_ORDER_SQL = "(-9223372036854775807 - 1)"
# execution_id last: a total order, so two queries over one snapshot list rows alike.
_EXECUTION_ORDER = "ORDER BY e.symbol, e.exec_time, e.sequence, e.execution_id"


# The place of an execution in _EXECUTION_ORDER within one symbol: (exec_time as the
# dialect stores it, sequence, execution_id).
WindowKey = tuple[Any, int, str]


def load_executions(
    engine: Engine,
    run: RunContext,
    symbols: Iterable[str] | None = None,
    after: int | None = None,
) -> ExecutionColumns:
    """read_executions through a connection of its own."""
    if symbols is not None and not set(symbols):
        return ExecutionColumns.empty()
    with engine.connect() as conn:
        return read_executions(conn, run, symbols, after)


def read_executions(
    conn: Connection,
    run: RunContext,
    symbols: Iterable[str] | None = None,
    after: int | None = None,
) -> ExecutionColumns:
    """The run's executions of ``symbols`` (all when None), in time order; with ``after``
    (microseconds) only those executed later than that. Read through ``conn`` (it sees
    its own transaction's writes: a dry-run import reads what it wrote).

    The account falls back to the order's, then the run's; the strategy likewise. Each
    execution's ``signal`` names its order (analytics.md, "Signal names"); ``order_id``
    and ``liquidity_flag`` are the execution's own (execution quality reads them).
    """
    if symbols is not None and not set(symbols):
        return ExecutionColumns.empty()
    if conn.dialect.name == "postgresql":
        refresh_stale_estimates(conn, JOINED_RUN_TABLES, "run_id", run.run_id)
        return _load_executions_postgresql(conn, run, symbols, after)
    return _load_executions_rows(conn, run, symbols, after)


# What a window read is given its orders' names by, when they are held (else None: the
# window joins the orders).
OrderNamesHeld = Callable[[], OrderNames | None]


def execution_windows(
    engine: Engine,
    run: RunContext,
    symbol: str,
    rows: int,
    order_names: OrderNamesHeld | None = None,
) -> Iterator[tuple[ExecutionColumns, bool]]:
    """The run's executions of ``symbol`` in time order (as read_executions reads them),
    ``rows`` at a time (keyset on _EXECUTION_ORDER, so each window is one index range),
    each with whether it is the last; the last one may be empty. On PostgreSQL the next
    window is read by a thread while the caller works on this one, and a window read once
    ``order_names`` gives the run's orders' names is read without joining the orders."""
    windows = _windows(engine, run, symbol, rows, order_names)
    if engine.dialect.name != "postgresql":
        yield from windows
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="window-read") as pool:
        following = pool.submit(next, windows)
        while True:
            window, last = following.result()
            if not last:
                following = pool.submit(next, windows)
            yield window, last
            if last:
                return


def _windows(
    engine: Engine, run: RunContext, symbol: str, rows: int, order_names: OrderNamesHeld | None
) -> Iterator[tuple[ExecutionColumns, bool]]:
    key: WindowKey | None = None
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            refresh_stale_estimates(conn, JOINED_RUN_TABLES, "run_id", run.run_id)
    while True:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                names = None if order_names is None else order_names()
                window = _load_executions_postgresql(conn, run, [symbol], None, key, rows, names)
                if len(window):
                    key = (
                        bind_time(int(window.exec_time[-1]), "postgresql"),
                        int(window.sequence[-1]),
                        str(window.execution_id[-1]),
                    )
            else:
                found = _execution_rows(conn, run, [symbol], key_after=key, limit=rows)
                if found:
                    key = (found[-1][7], found[-1][8], found[-1][0])
                window = _rows_to_columns(found)
                del found
        last = len(window) < rows
        yield window, last
        if last:
            return


def _text_times(values: Iterable[str | None]) -> np.ndarray:
    """SQLite's stored time texts as int64 microseconds (None -> NO_TIME), parsed by numpy."""
    return np.array(list(values), dtype="datetime64[us]").astype(np.int64)


def _load_executions_rows(
    conn: Connection, run: RunContext, symbols: Iterable[str] | None, after: int | None = None
) -> ExecutionColumns:
    """SQLite: plain rows from the driver's cursor; times parsed in bulk by numpy."""
    return _rows_to_columns(_execution_rows(conn, run, symbols, after))


def _execution_rows(
    conn: Connection,
    run: RunContext,
    symbols: Iterable[str] | None,
    after: int | None = None,
    key_after: WindowKey | None = None,
    limit: int | None = None,
) -> list[Any]:
    """SQLite: the rows of the executions query (see _rows_to_columns), from the row after
    ``key_after`` on and at most ``limit`` of them when given."""
    names = None if symbols is None else sorted(set(symbols))
    where = "e.run_id = ?"
    # the placeholders in order: the account's and strategy's defaults, the joined
    # order's run, the run's rows
    params: list[Any] = [run.account_id, run.strategy_id, run.run_id, run.run_id]
    if names is not None:
        where += " AND e.symbol IN (" + ", ".join("?" * len(names)) + ")"
        params += names
    if after is not None:
        where += " AND e.exec_time > ?"
        params.append(bind_time(after, "sqlite"))
    if key_after is not None:
        where += " AND (e.exec_time, e.sequence, e.execution_id) > (?, ?, ?)"
        params += list(key_after)
    last = ""
    if limit is not None:
        last = " LIMIT ?"
        params.append(limit)
    account = _ACCOUNT_SQL.format(run_account="?")
    strategy = _STRATEGY_SQL.format(run_strategy="?")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # live
    try:
        rows = cursor.execute(
            f"SELECT e.execution_id, {account}, e.symbol, e.side, e.price, e.quantity,"
            f" COALESCE(e.fee, 0), e.exec_time, e.sequence, {strategy}, {_SIGNAL_SQL},"
            f" e.order_id, e.liquidity_flag, COALESCE(o.rowid, {_NO_ORDER_SQL})"
            f" FROM executions e {_ORDER_JOIN.format(run='?')}"
            f" WHERE {where} {_EXECUTION_ORDER}{last}",
            params,
        ).fetchall()
    finally:
        cursor.close()
    return rows


def _rows_to_columns(rows: list[Any]) -> ExecutionColumns:
    if not rows:
        return ExecutionColumns.empty()
    (ids, accounts, syms, sides, prices, qtys, fees, times, seqs, strategies, signals, orders,
     flags, order_keys) = zip(*rows, strict=True)  # fmt: skip
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
        signal=np.array(signals, dtype=object),
        order_id=np.array(orders, dtype=object),
        liquidity_flag=np.array(flags, dtype=object),
        order_key=np.array(order_keys, dtype=np.int64),
    )


def copy_out(dbapi: Any, statement: str, binary: bool) -> bytes:
    options = " (FORMAT BINARY)" if binary else ""
    # Chunks appended to one buffer as they come: a list of them joined at the end would
    # hold the data twice.
    data = bytearray()
    with dbapi.cursor() as cursor:
        with cursor.copy(f"COPY ({statement}) TO STDOUT{options}") as copy:
            for chunk in copy:
                data += chunk
    return data


# Text columns travel joined by a control character and are split by ``str.split`` (one C
# call for a million values); nullable ones carry a marker before present values.
_SEPARATOR = "\x1f"
_PRESENT = "\x1e"


def _texts_aggregate_sql(dbapi: Any, texts: Sequence[tuple[str, bool]], separated: bool) -> str:
    """The select list that aggregates ``texts`` (column, nullable): each one separated
    text, or (``separated`` false, for texts that hold the separator) one joined text and
    an array of the values' lengths (-1 for NULL)."""
    if separated:
        sep = pg_sql.Literal(_SEPARATOR).as_string(dbapi)
        present = pg_sql.Literal(_PRESENT).as_string(dbapi)
        return ", ".join(
            f"string_agg(COALESCE({present} || {name}, ''), {sep})"
            if nullable
            else f"string_agg({name}, {sep})"
            for name, nullable in texts
        )
    return ", ".join(
        f"string_agg({name}, ''), array_agg(COALESCE(char_length({name}), -1))" for name, _ in texts
    )


def _load_executions_postgresql(
    conn: Connection,
    run: RunContext,
    symbols: Iterable[str] | None,
    after: int | None = None,
    key_after: WindowKey | None = None,
    limit: int | None = None,
    order_names: OrderNames | None = None,
) -> ExecutionColumns:
    """One COPY of one row: every column aggregated into an array (numbers, binary) or into
    one separated text. Per-row COPY messages would cost a Python call each; this costs a
    handful for the whole run. Texts that hold the separator are read again, cut by length."""
    dbapi = driver_connection(conn)
    # The whole run: one hash of its orders, not a probe per execution. A later part
    # (a stream's new fills): a probe for each of the few, with no parallel workers to
    # start (they cost more than the read). Set for these reads only: ``conn`` may go on
    # with its transaction.
    # A window (``limit``) probes the orders of its rows, as a later part does.
    setting, value = ("enable_nestloop", "off") if after is None and limit is None else (
        "max_parallel_workers_per_gather", "0")  # fmt: skip
    previous = dbapi.execute("SELECT current_setting(%s)", (setting,)).fetchone()[0]
    dbapi.execute("SELECT set_config(%s, %s, true)", (setting, value))
    read = (dbapi, run, symbols, after)
    columns = _copy_executions(*read, True, key_after, limit, order_names)
    if columns is None:
        log.debug("run %s: an execution text holds %r; read cut by lengths", run.run_id, _SEPARATOR)
        columns = _copy_executions(*read, False, key_after, limit, order_names)
        assert columns is not None
    dbapi.execute("SELECT set_config(%s, %s, true)", (setting, previous))
    return columns


def copy_columns(
    dbapi: Any,
    select: str,
    numbers: Sequence[tuple[str, str]],
    texts: Sequence[tuple[str, bool]],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The rows of ``select`` as columns, through one binary COPY of one row: ``numbers``
    (column, pg_binary_copy kind; no NULL) each as one array, ``texts`` (column, nullable)
    each as one separated text, as _load_executions_postgresql reads executions. A column
    is named as ``select`` names it; rows keep ``select``'s order."""
    numbers_sql = ", ".join(f"array_agg({name})" for name, _ in numbers)

    def read(separated: bool) -> list[memoryview | None]:
        text_sql = _texts_aggregate_sql(dbapi, texts, separated)
        aggregates = ", ".join(part for part in ("count(*)", numbers_sql, text_sql) if part)
        statement = f"SELECT {aggregates} FROM ({select}) AS selected"
        return decode_single_row(copy_out(dbapi, statement, binary=True))

    fields = read(separated=True)
    n = int.from_bytes(fields[0] or b"", "big")
    arrays = [decode_array(fields[1 + j], kind) for j, (_, kind) in enumerate(numbers)]
    first_text = 1 + len(numbers)
    if n == 0:
        return arrays, [np.empty(0, dtype=object) for _ in texts]
    values = [
        _split_separated(fields[first_text + j], n, nullable)
        for j, (_, nullable) in enumerate(texts)
    ]
    if any(column is None for column in values):
        log.debug("a text holds %r; read cut by lengths", _SEPARATOR)
        # Every column again from the one read: the rows of both reads may differ.
        fields = read(separated=False)
        arrays = [decode_array(fields[1 + j], kind) for j, (_, kind) in enumerate(numbers)]
        values = [
            split_text(
                fields[first_text + 2 * j], decode_array(fields[first_text + 2 * j + 1], INT4)
            )
            for j in range(len(texts))
        ]
    return arrays, values  # type: ignore[return-value]


def _split_separated(field: memoryview | None, n: int, nullable: bool) -> np.ndarray | None:
    """``n`` values joined by _SEPARATOR (None when a value held the separator itself)."""
    parts = ("" if field is None else str(field, "utf-8")).split(_SEPARATOR)
    if len(parts) != n:
        return None
    if nullable:
        # Few distinct accounts and strategies: one dict lookup per value, one str per kind.
        lookup = {p: (p[1:] if p else None) for p in set(parts)}
        values = np.empty(n, dtype=object)
        values[:] = list(map(lookup.__getitem__, parts))
        return values
    values = np.empty(n, dtype=object)
    values[:] = parts
    return values


# The text columns of an execution read (column, nullable); a nullable one comes back with
# its few distinct values shared (see _split_separated).
_EXECUTION_TEXTS = (
    ("execution_id", False),
    ("account", True),
    ("symbol", False),
    ("strategy", True),
    ("signal", True),
    ("order_id", False),
    ("liquidity_flag", True),
)


def _copy_executions(
    dbapi: Any,
    run: RunContext,
    symbols: Iterable[str] | None,
    after: int | None,
    separated: bool,
    key_after: WindowKey | None = None,
    limit: int | None = None,
    order_names: OrderNames | None = None,
) -> ExecutionColumns | None:
    """The executions, each with what it takes from its order: by the join on the orders,
    or (``order_names`` given) read alone and given their orders' names in memory."""
    names = None if symbols is None else sorted(set(symbols))

    def literal(value: Any) -> str:
        return pg_sql.Literal(value).as_string(dbapi)

    where = f"e.run_id = {literal(run.run_id)}"
    if names is not None:
        where += " AND e.symbol IN (" + ", ".join(literal(n) for n in names) + ")"
    if after is not None:
        where += f" AND e.exec_time > {literal(bind_time(after, 'postgresql'))}"
    if key_after is not None:
        where += (
            " AND (e.exec_time, e.sequence, e.execution_id) > ("
            + ", ".join(literal(value) for value in key_after)
            + ")"
        )
    last = "" if limit is None else f" LIMIT {int(limit)}"
    if order_names is None:
        account = _ACCOUNT_SQL.format(run_account=literal(run.account_id))
        strategy = _STRATEGY_SQL.format(run_strategy=literal(run.strategy_id))
        signal = _SIGNAL_SQL
        key = f"COALESCE({ORDER_KEY_SQL.format(column='o.order_id')}, {_NO_ORDER_SQL})"
        join = _ORDER_JOIN.format(run=literal(run.run_id))
    else:
        account, strategy, signal = "e.account_id", "e.strategy_id", "NULL::text"
        key = ORDER_KEY_SQL.format(column="e.order_id")
        join = ""
    text_sql = _texts_aggregate_sql(dbapi, _EXECUTION_TEXTS, separated)
    data = copy_out(
        dbapi,
        f"""
        SELECT array_agg(side), array_agg(price), array_agg(quantity), array_agg(fee),
               array_agg(exec_time), array_agg(seq), array_agg(order_key), {text_sql}
          FROM (SELECT (CASE e.side WHEN 'BUY' THEN 1 WHEN 'SELL' THEN -1 ELSE 0 END)::int8
                         AS side,
                       e.price::float8 AS price, e.quantity::float8 AS quantity,
                       COALESCE(e.fee, 0)::float8 AS fee, e.exec_time,
                       e.sequence::int8 AS seq, e.execution_id, {account} AS account,
                       e.symbol, {strategy} AS strategy, {signal} AS signal,
                       e.order_id, e.liquidity_flag, {key} AS order_key
                  FROM executions e {join}
                 WHERE {where} {_EXECUTION_ORDER}{last}) AS ordered
        """,
        binary=True,
    )
    fields = decode_single_row(data)
    side, price, quantity, fee, exec_time, sequence, order_key = (
        decode_array(fields[j], kind)
        for j, kind in enumerate((INT8, FLOAT8, FLOAT8, FLOAT8, TIMESTAMPTZ, INT8, INT8))
    )
    n = len(side)
    if n == 0:
        return ExecutionColumns.empty()
    values: list[np.ndarray] = []
    for j, (_, nullable) in enumerate(_EXECUTION_TEXTS):
        if separated:
            column = _split_separated(fields[7 + j], n, nullable)
            if column is None:
                return None
        else:
            column = split_text(fields[7 + 2 * j], decode_array(fields[8 + 2 * j], INT4))
        values.append(column)
    executions = ExecutionColumns(
        execution_id=values[0],
        account_id=values[1],
        symbol=values[2],
        side=side.astype(np.int8),
        price=price,
        quantity=quantity,
        fee=fee,
        exec_time=exec_time,
        sequence=sequence,
        strategy_id=values[3],
        signal=values[4],
        order_id=values[5],
        liquidity_flag=values[6],
        order_key=order_key,
    )
    if order_names is None:
        return executions
    return order_names.attach(executions, run.account_id, run.strategy_id)


def finest_timeframe_of(conn: Connection, symbol: str) -> str | None:
    """The symbol's timeframe with the shortest bars, decided from a per-timeframe summary."""
    dialect = _dialect(conn)
    # The usual single timeframe is found by walking the primary key, without counting.
    timeframes: Sequence[str] = (
        conn.execute(
            text(
                """
            WITH RECURSIVE walk(timeframe) AS (
                SELECT MIN(timeframe) FROM bars WHERE symbol = :symbol
                UNION ALL
                SELECT (SELECT MIN(b.timeframe) FROM bars b
                         WHERE b.symbol = :symbol AND b.timeframe > walk.timeframe)
                  FROM walk WHERE walk.timeframe IS NOT NULL
            )
            SELECT timeframe FROM walk WHERE timeframe IS NOT NULL LIMIT 2
            """
            ),
            {"symbol": symbol},
        )
        .scalars()
        .all()
    )
    if len(timeframes) <= 1:
        return timeframes[0] if timeframes else None
    start = micros_expression("start_time", dialect)
    end = micros_expression("end_time", dialect)
    rows = list(
        tuples(
            conn.execute(
                text(
                    f"SELECT timeframe, COUNT(*), MIN({start}), MAX({start}) "
                    "FROM bars WHERE symbol = :symbol GROUP BY timeframe"
                ),
                {"symbol": symbol},
            )
        )
    )
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


_BARS_WHERE = """symbol = {symbol} AND timeframe = {timeframe}
               AND start_time >= COALESCE(
                     (SELECT MAX(start_time) FROM bars
                       WHERE symbol = {symbol} AND timeframe = {timeframe}
                         AND start_time <= {first_entry}),
                     {first_entry})
               AND start_time <= {last_exit}"""


def _no_bars() -> BarColumns:
    return BarColumns(*(np.empty(0) for _ in range(5)))


def _bar_columns(timeframe: str, starts: np.ndarray, ends: np.ndarray, highs: Any, lows: Any):
    return BarColumns(
        timeframe=np.full(len(starts), timeframe, dtype=object),
        start_time=starts,
        end_time=ends,
        high=highs,
        low=lows,
    )


def _copy_bars_postgresql(
    conn: Connection, symbol: str, timeframe: str, first_entry: str, last_exit: str
) -> BarColumns:
    """Bars from ``first_entry`` to ``last_exit`` (SQL expressions) as one binary COPY row.

    A missing end travels as -infinity (the int64 minimum, NO_TIME) to keep elements fixed-width.
    """
    dbapi = conn.connection.driver_connection

    def literal(value: Any) -> str:
        return pg_sql.Literal(value).as_string(dbapi)

    condition = _BARS_WHERE.format(
        symbol=literal(symbol),
        timeframe=literal(timeframe),
        first_entry=first_entry,
        last_exit=last_exit,
    )
    data = copy_out(
        dbapi,
        "SELECT array_agg(start_time), array_agg(COALESCE(end_time, '-infinity')),"
        " array_agg(high::float8), array_agg(low::float8) FROM (SELECT * FROM bars"
        f" WHERE {condition} ORDER BY start_time) AS ordered",
        binary=True,
    )
    fields = decode_single_row(data)
    starts = decode_array(fields[0], TIMESTAMPTZ)
    ends = np.where(
        decode_array(fields[1], INT8) == NO_TIME, NO_TIME, decode_array(fields[1], TIMESTAMPTZ)
    )
    return _bar_columns(
        timeframe, starts, ends, decode_array(fields[2], FLOAT8), decode_array(fields[3], FLOAT8)
    )


def load_bars(
    conn: Connection, symbol: str, first_entry: int, last_exit: int
) -> tuple[str | None, BarColumns]:
    """Bars of the symbol's finest timeframe that can overlap [first_entry, last_exit]."""
    timeframe = finest_timeframe_of(conn, symbol)
    if timeframe is None:
        return None, _no_bars()
    dialect = _dialect(conn)
    # From the last bar that starts at or before the first entry (it may contain it); up to
    # the bar starting at the last exit, whose start ends the bar before it.
    if dialect == "postgresql":
        dbapi = conn.connection.driver_connection
        bars = _copy_bars_postgresql(
            conn,
            symbol,
            timeframe,
            pg_sql.Literal(bind_time(first_entry, dialect)).as_string(dbapi),
            pg_sql.Literal(bind_time(last_exit, dialect)).as_string(dbapi),
        )
    else:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # live
        try:
            rows = cursor.execute(
                "SELECT start_time, end_time, high, low FROM bars WHERE "
                + _BARS_WHERE.format(symbol="?", timeframe="?", first_entry="?", last_exit="?")
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
        bars = _bar_columns(
            timeframe,
            _text_times(columns[0]),
            _text_times(columns[1]),
            np.array(columns[2], dtype=np.float64),
            np.array(columns[3], dtype=np.float64),
        )
    log.debug("loaded %d %s bars of %s", len(bars), timeframe, symbol)
    return timeframe, bars


def _bars_over_execution_span(
    engine: Engine, run_id: str, symbols: list[str]
) -> dict[str, tuple[str, BarColumns]]:
    """Per symbol with bars, its finest timeframe and load_bars over the span of the run's
    executions of it (PostgreSQL; the bars may be none).

    Trades enter and exit at execution times, so this holds every bar load_bars would
    return for the trades; the span comes from the executions index inside the query.
    """
    found: dict[str, tuple[str, BarColumns]] = {}
    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection
        for symbol in symbols:
            timeframe = finest_timeframe_of(conn, symbol)
            if timeframe is None:
                continue
            span = (
                f"(SELECT {{}}(exec_time) FROM executions WHERE run_id = "
                f"{pg_sql.Literal(run_id).as_string(dbapi)} AND symbol = "
                f"{pg_sql.Literal(symbol).as_string(dbapi)})"
            )
            bars = _copy_bars_postgresql(
                conn, symbol, timeframe, span.format("MIN"), span.format("MAX")
            )
            found[symbol] = (timeframe, bars)
    return found


def _bars_over_span(
    engine: Engine, symbols: list[str], first: int, last: int
) -> dict[str, tuple[str, BarColumns]]:
    """Per symbol with bars, its finest timeframe and load_bars over [first, last]."""
    found: dict[str, tuple[str, BarColumns]] = {}
    with engine.connect() as conn:
        for symbol in symbols:
            timeframe, bars = load_bars(conn, symbol, first, last)
            if timeframe is not None:
                found[symbol] = (timeframe, bars)
    return found


def _trim_bars(bars: BarColumns, first_entry: int, last_exit: int) -> BarColumns:
    """The slice of start-ordered ``bars`` that load_bars returns for the same bounds."""
    starts = bars.start_time
    at_or_before = int(np.searchsorted(starts, first_entry, side="right"))
    low = at_or_before - 1 if at_or_before else 0
    high = int(np.searchsorted(starts, last_exit, side="right"))
    if low == 0 and high == len(starts):
        return bars
    return bars.take(np.arange(low, max(low, high)))


class BarReads:
    """The bars a window of a run's executions and its closed trades need, read once.

    With ``span`` (execution times, microseconds: the first and the last), the bars over
    it are read once: on PostgreSQL by a thread from the construction on (construct before
    building the trades), on SQLite (one writer, one file) at the first use. ``between``
    and ``for_trades`` then cut what load_bars would return for their bounds from that
    read. Without ``span``, the bars over the span of the run's executions of ``symbols``
    are read ahead on PostgreSQL; on SQLite ``for_trades`` reads the trades' bars by
    load_bars.
    """

    def __init__(
        self,
        engine: Engine,
        run_id: str,
        symbols: Iterable[str],
        span: tuple[int, int] | None = None,
    ) -> None:
        self._engine = engine
        self._future: Future[dict[str, tuple[str, BarColumns]]] | None = None
        self._read: dict[str, tuple[str, BarColumns]] | None = None
        self._names = sorted(set(symbols))
        self._span = span if self._names else None
        self._lock = Lock()
        if engine.dialect.name == "postgresql" and self._names:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bar-read")
            if span is None:
                self._future = pool.submit(_bars_over_execution_span, engine, run_id, self._names)
            else:
                self._future = pool.submit(_bars_over_span, engine, self._names, *span)
            pool.shutdown(wait=False)

    def _finished(self) -> dict[str, tuple[str, BarColumns]] | None:
        # The rebuild's trades and the assessment beside them ask from two threads.
        with self._lock:
            if self._future is not None:
                self._read = self._future.result()
                self._future = None
            elif self._read is None and self._span is not None:
                self._read = _bars_over_span(self._engine, self._names, *self._span)
            return self._read

    def between(self, symbol: str, first: int, last: int) -> tuple[str | None, BarColumns]:
        """load_bars(symbol, first, last): cut from the bars read when the span holds
        [first, last], else read."""
        read = self._finished()
        span = self._span
        if (
            read is None
            or span is None
            or symbol not in self._names
            or not (span[0] <= first and last <= span[1])
        ):
            with self._engine.connect() as conn:
                return load_bars(conn, symbol, first, last)
        if symbol not in read:
            return None, _no_bars()
        timeframe, bars = read[symbol]
        return timeframe, _trim_bars(bars, first, last)

    def for_trades(self, built: Any) -> dict[str, BarColumns]:
        """Bars per symbol with closed trades, from the first entry to the last exit."""
        read = self._finished()
        found: dict[str, BarColumns] = {}
        closed = built.closed
        if not closed.any():
            return found
        symbols = sorted(set(built.symbol[closed].tolist()))
        if read is None:
            with self._engine.connect() as conn:
                for symbol in symbols:
                    mask = closed & (built.symbol == symbol)
                    _, bars = load_bars(
                        conn,
                        symbol,
                        int(built.entry_time[mask].min()),
                        int(built.exit_time[mask].max()),
                    )
                    if len(bars):
                        found[symbol] = bars
            return found
        for symbol in symbols:
            if symbol not in read:
                continue
            mask = closed & (built.symbol == symbol)
            bars = _trim_bars(
                read[symbol][1],
                int(built.entry_time[mask].min()),
                int(built.exit_time[mask].max()),
            )
            if len(bars):
                found[symbol] = bars
        return found


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


def metric_columns_sql(dialect: str) -> str:
    """The SELECT list of a row query for StoredTradeMetrics (see metrics_from_columns)."""
    return (
        f"status, {micros_expression('entry_time', dialect)},"
        f" COALESCE({micros_expression('exit_time', dialect)}, 0), COALESCE(exit_sequence, 0),"
        " pnl_net, commission, mae, mfe, etd"
    )


def metrics_from_columns(columns: Sequence[Sequence[Any]]) -> StoredTradeMetrics:
    """StoredTradeMetrics from the columns of rows selected by metric_columns_sql."""
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


def metric_arrays_sql() -> str:
    """PostgreSQL: the metrics as one array per column (see metrics_from_arrays), the same
    values as the row query: times as microseconds, NULL numbers as NaN."""
    floats = ", ".join(f"array_agg(COALESCE({name}, 'NaN')::float8)" for name in METRIC_FIELDS[4:])
    return (
        "array_agg((status = 'CLOSED')::int4),"
        f" array_agg({micros_expression('entry_time', 'postgresql')}),"
        f" array_agg(COALESCE({micros_expression('exit_time', 'postgresql')}, 0)),"
        f" array_agg(COALESCE(exit_sequence, 0)::int8), {floats}"
    )


def metrics_from_arrays(fields: Sequence[memoryview | None]) -> StoredTradeMetrics:
    """StoredTradeMetrics from the binary fields of the arrays of metric_arrays_sql."""
    kinds = (INT4, INT8, INT8, INT8) + (FLOAT8,) * (len(METRIC_FIELDS) - 4)
    closed, entry, exit_, sequence, *numbers = (
        decode_array(field, kind) for field, kind in zip(fields, kinds, strict=True)
    )
    return StoredTradeMetrics(
        closed=closed.astype(bool),
        entry_time=entry.astype(np.int64),
        exit_time=exit_.astype(np.int64),
        exit_sequence=sequence.astype(np.int64),
        **{
            name: values.astype(np.float64)
            for name, values in zip(METRIC_FIELDS[4:], numbers, strict=True)
        },
    )


def load_trade_metrics(
    conn: Connection, run_id: str, exclude_symbols: Iterable[str] = ()
) -> StoredTradeMetrics:
    dialect = _dialect(conn)
    excluded = sorted(set(exclude_symbols))
    if dialect == "postgresql":
        return _load_trade_metrics_postgresql(conn, run_id, excluded)
    where = " AND symbol NOT IN :excluded" if excluded else ""
    statement = text(
        f"SELECT {metric_columns_sql(dialect)} FROM trades WHERE run_id = :run_id{where}"
    )
    params: dict[str, Any] = {"run_id": run_id}
    if excluded:
        statement = statement.bindparams(bindparam("excluded", expanding=True))
        params["excluded"] = excluded
    rows = conn.execute(statement, params).fetchall()
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in METRIC_FIELDS]
    return metrics_from_columns(columns)


def _load_trade_metrics_postgresql(
    conn: Connection, run_id: str, excluded: list[str]
) -> StoredTradeMetrics:
    """One binary COPY of one row, a column per array: no Python object per trade."""
    dbapi = conn.connection.driver_connection

    def literal(value: Any) -> str:
        return pg_sql.Literal(value).as_string(dbapi)

    where = f"run_id = {literal(run_id)}"
    if excluded:
        where += " AND symbol NOT IN (" + ", ".join(literal(s) for s in excluded) + ")"
    data = copy_out(dbapi, f"SELECT {metric_arrays_sql()} FROM trades WHERE {where}", binary=True)
    return metrics_from_arrays(decode_single_row(data))


def concat_metrics(parts: list[Any]) -> StoredTradeMetrics:
    """One StoredTradeMetrics from several (BuiltTrades or StoredTradeMetrics)."""
    return StoredTradeMetrics(
        **{
            name: np.concatenate([np.asarray(getattr(p, name)) for p in parts])
            for name in METRIC_FIELDS
        }
    )
