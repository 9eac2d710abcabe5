"""What the assessment keeps of a run's orders: numbers only, about 36 bytes an order (the
symbol, type, status and names (order_names.py) as codes, quantity, submit time,
reference price, key), read on
PostgreSQL by one COPY taken a chunk of orders at a time as it comes, so that the read of
ten million orders never holds them as full columns (about 1.3 GB at 5.76M orders read at
once) and reads each of them once."""

from __future__ import annotations

import logging
from contextlib import closing
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from ..order_names import NO_ORDER, OrderNames
from ..pg_binary_copy import NotFixedWidth
from .columns import OrderColumns, codes_of_kinds
from .execution import Coded, reference_prices
from .reading import (
    OrderKind,
    copy_order_rows,
    named,
    order_kinds,
    orders_of_kinds,
    read_orders,
    stream_order_numbers,
)

log = logging.getLogger(__name__)

# Orders per chunk of a PostgreSQL read: one chunk's full columns (about 150 bytes an
# order with its COPY buffer) are alive at a time, beside what is held of the others.
ORDER_CHUNK_ROWS = 100_000


def compact(coded: Coded) -> Coded:
    """The codes in the smallest integer type that holds them."""
    return Coded(coded.codes.astype(np.min_scalar_type(max(len(coded.names) - 1, 0))), coded.names)


@dataclass
class HeldOrders:
    status: Coded
    order_type: Coded
    symbol: Coded
    quantity: np.ndarray  # float64
    submit_time: np.ndarray  # int64 microseconds
    reference: np.ndarray  # float64, the price the order asked for; NaN: none
    key: np.ndarray | None  # int64, as OrderColumns.key
    order_id: np.ndarray | None  # object, when read with ids
    # The keys sorted, and each one's row (sort_keys): what the keys are then held as.
    sorted_keys: tuple[np.ndarray, np.ndarray] | None = None
    # Per order the code of its (account, strategy, client tag), when read with them.
    names: Coded | None = None
    # The orders' names by key (sort_keys, when read with names).
    order_names: OrderNames | None = None

    def __len__(self) -> int:
        return len(self.quantity)

    def sort_keys(self) -> bool:
        """Hold the keys sorted, each with its order's row, instead of in the orders'
        order; False, and nothing changed, when two orders share a key or one has the
        key of no order (NO_ORDER): the orders are then to be found by id."""
        assert self.key is not None
        # Not a stable sort: equal keys are not used, and numpy's stable sort of a million
        # random int64 takes about ten times as long.
        order = np.argsort(self.key)
        # Rows of a run's orders fit 32 bits: half the memory of numpy's indices.
        if len(order) < 2**31:
            order = order.astype(np.int32)
        keys = self.key[order]
        if bool((keys[1:] == keys[:-1]).any()) or (len(keys) > 0 and keys[0] == NO_ORDER):
            return False
        self.sorted_keys, self.key = (keys, order), None
        if self.names is not None:
            self.order_names = OrderNames(keys, order, self.names.codes, tuple(self.names.names))
        return True

    @classmethod
    def of(cls, orders: OrderColumns) -> HeldOrders:
        order_type = compact(Coded(*orders.categorized("order_type")))
        return cls(
            compact(Coded(*orders.categorized("status"))),
            order_type,
            compact(Coded(*orders.categorized("symbol"))),
            orders.quantity,
            orders.submit_time,
            reference_prices(orders, order_type),
            orders.key,
            orders.order_id,
        )


def keyed_or_by_id(orders: HeldOrders, conn: Connection | None, run_id: str) -> HeldOrders:
    """``orders`` with their keys sorted (``sort_keys``); when two share a key, or one has
    the key of no order, the run's orders read again through ``conn`` with their ids, to
    be found by id."""
    if orders.key is None or orders.sort_keys():
        return orders
    assert conn is not None
    by_id = HeldOrders.of(read_orders(conn, run_id))
    by_id.key = None
    return by_id


def read_held_orders(
    conn: Connection, run_id: str, chunk_rows: int = ORDER_CHUNK_ROWS
) -> HeldOrders:
    """The run's orders by key, without ids: on PostgreSQL by one COPY read
    ``chunk_rows`` at a time as it comes, each chunk reduced to what is held before the
    next is read, with their names (order_names.py) when they have few distinct ones.
    Its kinds are read first: read ``conn`` in a REPEATABLE READ transaction (else an
    import in between makes it read them all at once)."""
    if conn.dialect.name != "postgresql":
        return HeldOrders.of(read_orders(conn, run_id, ids=False))
    kinds = order_kinds(conn, run_id, names=True)
    by_name = named(kinds)
    total = sum(kind.orders for kind in kinds)
    if total <= chunk_rows:
        whole = copy_order_rows(conn, run_id, False, kinds)
        if whole is None:
            return _read_whole(conn, run_id, "two kinds share a number")
        held = HeldOrders.of(whole)
        if by_name and whole.kind is not None:
            of_kind = _names_of_kinds(kinds)
            held.names = Coded(of_kind.codes[whole.kind], of_kind.names)
        return held
    # Each column's code per kind, for the whole run (as OrderColumns.categorized).
    texts = [(kind.symbol, kind.order_type, kind.status) for kind in kinds]
    columns = [
        compact(Coded(*codes_of_kinds(texts, column)))
        for column in ("status", "order_type", "symbol")
    ]
    if by_name:
        columns.append(_names_of_kinds(kinds))
    code_of_kind = [c.codes for c in columns]
    kind = np.empty(total, dtype=np.min_scalar_type(max(len(kinds) - 1, 0)))
    quantity = np.empty(total)
    submit_time = np.empty(total, dtype=np.int64)
    reference = np.empty(total)
    key = np.empty(total, dtype=np.int64)
    filled = 0
    refused: str | None = None
    # Closed before a fallback reads through ``conn``: the COPY is read to its end first.
    with closing(stream_order_numbers(conn, run_id, chunk_rows, names=by_name)) as chunks:
        try:
            for numbers in chunks:
                part = orders_of_kinds(numbers, kinds)
                del numbers
                if (
                    part is None
                    or part.kind is None
                    or part.key is None
                    or filled + len(part) > total
                ):
                    # Only outside one snapshot: an import in between.
                    refused = "a chunk's kinds or count differ from the run's"
                    break
                rows = slice(filled, filled + len(part))
                kind[rows] = part.kind
                quantity[rows] = part.quantity
                submit_time[rows] = part.submit_time
                key[rows] = part.key
                order_type = Coded(code_of_kind[1][part.kind], columns[1].names)
                reference[rows] = reference_prices(part, order_type)
                filled += len(part)
                del part
        except NotFixedWidth as error:
            refused = str(error)
    if refused is None and filled != total:
        refused = f"{filled} orders read in chunks of {total}"
    if refused is not None:
        return _read_whole(conn, run_id, refused)
    status, order_type, symbol, *names = (
        Coded(codes[kind], c.names) for codes, c in zip(code_of_kind, columns, strict=True)
    )
    return HeldOrders(
        status,
        order_type,
        symbol,
        quantity,
        submit_time,
        reference,
        key,
        None,
        names=names[0] if names else None,
    )


def _names_of_kinds(kinds: list[OrderKind]) -> Coded:
    """Per kind the code of its name (account, strategy, client tag), and the names."""
    distinct = sorted({kind.name for kind in kinds}, key=repr)
    code_of_name = {name: code for code, name in enumerate(distinct)}
    return compact(Coded(np.array([code_of_name[kind.name] for kind in kinds]), distinct))


def _read_whole(conn: Connection, run_id: str, reason: str) -> HeldOrders:
    log.info("the orders of run %s are read at once: %s", run_id, reason)
    return HeldOrders.of(read_orders(conn, run_id, ids=False))
