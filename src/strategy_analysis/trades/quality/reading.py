"""What execution quality and the data-quality checks read of a run besides what the
rebuild reads (its fills, their bars): its orders as columns (one query: on PostgreSQL
one binary COPY, as the rebuild reads executions), its status, traded symbols, open
trades and the instruments it trades. Its fills, when read here, come from the
rebuild's reader (trades/reading.py read_executions)."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any, NamedTuple

import numpy as np
from psycopg import sql as pg_sql
from sqlalchemy import Connection, bindparam, text

from ...db.rows import tuples
from ..order_names import OrderName
from ..pg_binary_copy import FLOAT8, INT8, TIMESTAMPTZ, copy_fixed_width
from ..reading import ORDER_KEY_SQL, RunContext, copy_columns, read_executions, run_contexts
from .columns import FillColumns, OrderColumns, categorize, fills_of

# Orders read from SQLite's cursor at a time: the driver's row objects of one batch, not
# of the run, are alive at once.
_ORDER_BATCH = 50_000


def _sqlite_orders(conn: Connection, run_id: str, ids: bool) -> OrderColumns:
    """SQLite: the run's orders by rowid (their key), read in batches into numeric columns;
    the symbol, type and status as shared texts (one str per distinct value)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    shared: dict[Any, Any] = {}
    parts: list[list[np.ndarray]] = []
    try:
        cursor.execute(
            "SELECT rowid, quantity, price, stop_price, submit_time, symbol, order_type, "
            f"status{', order_id' if ids else ''} FROM orders WHERE run_id = ?",
            (run_id,),
        )
        while batch := cursor.fetchmany(_ORDER_BATCH):
            rows = np.array(batch, dtype=object)
            del batch
            numbers = rows[:, 1:4].astype(np.float64)  # None -> NaN
            part = [
                rows[:, 0].astype(np.int64),
                numbers[:, 0].copy(),
                numbers[:, 1].copy(),
                numbers[:, 2].copy(),
                _times(rows[:, 4]),
                *(_shared(rows[:, j], shared) for j in (5, 6, 7)),
            ]
            if ids:
                part.append(rows[:, 8].copy())
            parts.append(part)
    finally:
        cursor.close()
    if not parts:
        return OrderColumns.empty()
    key, quantity, price, stop, submitted, symbols, types, statuses, *order_ids = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    del parts
    return OrderColumns(
        order_ids[0] if ids else None,
        symbols,
        types,
        statuses,
        quantity,
        price,
        stop,
        submitted,
        key,
    )


def _shared(values: np.ndarray, shared: dict[Any, Any]) -> np.ndarray:
    """``values`` (few distinct) with each distinct value one object across batches."""
    codes, names = categorize(values)
    return _objects([shared.setdefault(name, name) for name in names])[codes]


def _times(texts: np.ndarray) -> np.ndarray:
    # SQLite's stored text parsed by numpy (strftime knows no year before 0 or after 9999).
    return texts.astype("datetime64[us]").astype(np.int64)


def _run_literal(conn: Connection, run_id: str) -> str:
    return pg_sql.Literal(run_id).as_string(conn.connection.driver_connection)


def read_orders(conn: Connection, run_id: str, *, ids: bool = True) -> OrderColumns:
    """The run's orders as columns, with their keys (what an execution read names its
    order by: PostgreSQL hashtextextended of the id, SQLite the rowid) and, when ``ids``,
    their ids."""
    if conn.dialect.name == "postgresql":
        return _copy_orders(conn, run_id, ids)
    return _sqlite_orders(conn, run_id, ids)


# What names an order besides its kind (order_names.OrderName).
_NAME_COLUMNS = ("account_id", "strategy_id", "client_tag")


def _kind_sql(names: bool) -> str:
    """The (symbol, order type, status) of an order, with ``names`` its account, strategy
    and client tag too (a NULL apart from any text), as one number: a run has few
    distinct ones. Two kinds that share a number are found by the reads that use it."""
    texts = ["symbol", "order_type", "status"]
    if names:
        texts += [f"COALESCE(chr(30) || {name}, '')" for name in _NAME_COLUMNS]
    return f"hashtextextended({' || chr(31) || '.join(texts)}, 0)"


def _copy_orders(conn: Connection, run_id: str, ids: bool) -> OrderColumns:
    """PostgreSQL: one binary COPY of the run's orders as columns (a missing price as NaN).

    The symbol, type and status travel as one number per order, the kind (_kind_sql),
    named by a read of the run's few distinct kinds first: no text per order to decode,
    and each value one shared str. When two kinds share a number, or an order's kind was
    not among those read (an import in between), they are read as texts instead."""
    kinds = order_kinds(conn, run_id)
    return copy_order_rows(conn, run_id, ids, kinds) or _copy_order_texts(conn, run_id, ids)


class OrderKind(NamedTuple):
    """Orders of a run alike in their symbol, type and status (and, read with names, in
    their account, strategy and client tag): their kind number (_kind_sql) and how many."""

    number: int
    symbol: str
    order_type: str
    status: str
    orders: int
    name: OrderName | None = None


# Up to this many kinds a run's orders are read with their names (order_names.py): with
# more, the client tags are ids of their own and the windows join the orders instead.
MAX_NAMED_KINDS = 10_000


def order_kinds(
    conn: Connection, run_id: str, names: bool = False, most_named: int = MAX_NAMED_KINDS
) -> list[OrderKind]:
    """PostgreSQL: the run's distinct kinds of orders (with ``names``, and at most
    ``most_named`` of them, kinds by name too: else the kinds without names)."""
    columns = ", ".join(("symbol", "order_type", "status", *(_NAME_COLUMNS if names else ())))
    limit = f" LIMIT {most_named + 1}" if names else ""
    rows = list(
        tuples(
            conn.execute(
                text(
                    f"SELECT {_kind_sql(names)}, count(*), {columns} FROM orders "
                    f"WHERE run_id = :run_id GROUP BY {columns}{limit}"
                ),
                {"run_id": run_id},
            )
        )
    )
    if names and len(rows) > most_named:
        return order_kinds(conn, run_id)
    return [
        OrderKind(
            int(row[0]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            int(row[1]),
            (row[5], row[6], row[7]) if names else None,
        )
        for row in rows
    ]


def named(kinds: list[OrderKind]) -> bool:
    """Whether ``kinds`` are kinds by name too (order_kinds)."""
    return bool(kinds) and all(kind.name is not None for kind in kinds)


_ORDER_NUMBERS = [
    ("quantity", FLOAT8),
    ("price", FLOAT8),
    ("stop_price", FLOAT8),
    ("submit_time", TIMESTAMPTZ),
    ("key", INT8),
]
# What _ORDER_NUMBERS_SQL reads: the numbers and the kind number.
_ORDER_NUMBERS_AND_KIND = [*_ORDER_NUMBERS, ("kind", INT8)]
_ORDER_NUMBERS_SQL = (
    "quantity::float8 AS quantity, COALESCE(price::float8, 'NaN') AS price, "
    "COALESCE(stop_price::float8, 'NaN') AS stop_price, submit_time, "
    f"{ORDER_KEY_SQL.format(column='order_id')} AS key"
)


def _orders_select(conn: Connection, run_id: str, texts: bool = True, names: bool = False) -> str:
    """The run's orders: their numbers and kind (by name too with ``names``), after their
    id and texts when ``texts``."""
    numbers = f"{_ORDER_NUMBERS_SQL}, {_kind_sql(names)} AS kind"
    columns = f"order_id, symbol, order_type, status, {numbers}"
    return (
        f"SELECT {columns if texts else numbers} FROM orders "
        f"WHERE run_id = {_run_literal(conn, run_id)}"
    )


def copy_order_rows(
    conn: Connection, run_id: str, ids: bool, kinds: list[OrderKind]
) -> OrderColumns | None:
    """PostgreSQL: the run's orders by one binary COPY, each order's kind a row of
    ``kinds`` (order_kinds); None when two kinds share a number or an order's kind is not
    among them."""
    dbapi = conn.connection.driver_connection
    numbers, found = copy_columns(
        dbapi,
        _orders_select(conn, run_id, names=named(kinds)),
        _ORDER_NUMBERS_AND_KIND,
        [("order_id", False)] if ids else [],
    )
    return orders_of_kinds(numbers, kinds, found[0] if ids else None)


def stream_order_numbers(
    conn: Connection, run_id: str, chunk_rows: int, names: bool = False
) -> Generator[list[np.ndarray], None, None]:
    """PostgreSQL: the run's orders as the numbers ``orders_of_kinds`` takes, by one
    binary COPY read ``chunk_rows`` orders at a time as it comes: one pass over the run's
    orders in the order they lie, where a read per range of ids read the blocks of all of
    them again for each range (the ids are not in the order the rows lie: 58 passes over
    5.76M orders). Raises NotFixedWidth when a number is NULL. Close it before ``conn``
    reads anything else (pg_binary_copy.copy_fixed_width). Each order's kind is by name
    too with ``names`` (order_kinds)."""
    return copy_fixed_width(
        conn.connection.driver_connection,
        _orders_select(conn, run_id, texts=False, names=names),
        [kind for _, kind in _ORDER_NUMBERS_AND_KIND],
        chunk_rows,
    )


def orders_of_kinds(
    numbers: list[np.ndarray],
    kinds: list[OrderKind],
    order_ids: np.ndarray | None = None,
) -> OrderColumns | None:
    """Orders from their numbers (quantity, price, stop price, submit time, key and kind
    number, as _ORDER_NUMBERS_SQL reads them), each kind a row of ``kinds``; None when two
    kinds share a number or an order's kind is not among them."""
    quantity, price, stop, submitted, key, kind = numbers
    kind_numbers = np.array([kind.number for kind in kinds], dtype=np.int64)
    if len(set(kind_numbers.tolist())) != len(kinds):
        return None
    if not len(quantity):
        return OrderColumns.empty()
    order = np.argsort(kind_numbers)
    at = np.minimum(np.searchsorted(kind_numbers[order], kind), len(order) - 1)
    if not len(order) or not (kind_numbers[order][at] == kind).all():
        return None
    rows = order[at]
    symbols, types, statuses = (_objects([row[j] for row in kinds])[rows] for j in (1, 2, 3))
    return OrderColumns(
        order_ids,
        symbols,
        types,
        statuses,
        quantity,
        price,
        stop,
        submitted,
        key,
        kind=rows,
        kinds=tuple((row[1], row[2], row[3]) for row in kinds),
    )


def _copy_order_texts(conn: Connection, run_id: str, ids: bool) -> OrderColumns:
    # Read as nullable (they are not): their few distinct values come back shared.
    texts = [("symbol", True), ("order_type", True), ("status", True)]
    (quantity, price, stop, submitted, key), found = copy_columns(
        conn.connection.driver_connection,
        _orders_select(conn, run_id),
        _ORDER_NUMBERS,
        [("order_id", False), *texts] if ids else texts,
    )
    if not len(quantity):
        return OrderColumns.empty()
    order_ids = found.pop(0) if ids else None
    symbols, types, statuses = found
    return OrderColumns(order_ids, symbols, types, statuses, quantity, price, stop, submitted, key)


def _objects(values: list[Any]) -> np.ndarray:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


def order_ids_of_keys(conn: Connection, run_id: str, keys: list[int]) -> dict[int, str]:
    """The ids of the run's orders with these keys (read_orders)."""
    if not keys:
        return {}
    if conn.dialect.name == "postgresql":
        key = ORDER_KEY_SQL.format(column="order_id")
    else:
        key = "rowid"
    rows = tuples(
        conn.execute(
            text(
                f"SELECT {key}, order_id FROM orders WHERE run_id = :run_id AND {key} IN :keys"
            ).bindparams(bindparam("keys", expanding=True)),
            {"run_id": run_id, "keys": sorted(set(keys))},
        )
    )
    return {int(k): order_id for k, order_id in rows}


def run_context(conn: Connection, run_id: str) -> RunContext:
    """The run's context (a run not stored: one with no account or strategy)."""
    return run_contexts(conn, [run_id]).get(run_id) or RunContext(run_id, "", None, None, None)


def read_fills(conn: Connection, run_id: str) -> FillColumns:
    """Every fill of the run, through the rebuild's executions reader (in its order:
    symbol, time, sequence)."""
    return fills_of(read_executions(conn, run_context(conn, run_id)))


def traded_symbols(conn: Connection, run_id: str) -> list[str]:
    """The symbols the run has executions of, sorted."""
    return sorted(
        conn.execute(
            text("SELECT DISTINCT symbol FROM executions WHERE run_id = :run_id"),
            {"run_id": run_id},
        ).scalars()
    )


def instruments_of(conn: Connection, symbols: Iterable[str]) -> dict[str, float]:
    """Point value per symbol that has an instrument row."""
    names = sorted(set(symbols))
    if not names:
        return {}
    rows = conn.execute(
        text("SELECT symbol, point_value FROM instruments WHERE symbol IN :names").bindparams(
            bindparam("names", expanding=True)
        ),
        {"names": names},
    )
    return {symbol: 1.0 if value is None else float(value) for symbol, value in tuples(rows)}


def run_status(conn: Connection, run_id: str) -> str | None:
    return conn.execute(
        text("SELECT status FROM runs WHERE run_id = :run_id"), {"run_id": run_id}
    ).scalar()


def open_trade_ids(conn: Connection, run_id: str) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT trade_id FROM trades WHERE run_id = :run_id AND status = 'OPEN' "
                "ORDER BY entry_time, trade_id"
            ),
            {"run_id": run_id},
        ).scalars()
    )
