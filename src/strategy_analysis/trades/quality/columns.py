"""A run's orders and fills as numpy columns: what execution quality and the data-quality
checks read. Times are int64 microseconds since the epoch; a missing price is NaN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from itertools import repeat
from typing import Any

import numpy as np

from ..columns import ExecutionColumns

# Up to this many distinct values a column is coded by one vectorised comparison per value.
_FEW_DISTINCT = 64


# The texts of an order's kind (OrderColumns.kinds), in order.
_KIND_COLUMNS = ("symbol", "order_type", "status")


@dataclass
class OrderColumns:
    order_id: np.ndarray | None  # object; None when read by key alone
    symbol: np.ndarray  # object
    order_type: np.ndarray  # object, canonical
    status: np.ndarray  # object, canonical
    quantity: np.ndarray  # float64
    price: np.ndarray  # float64, NaN when absent
    stop_price: np.ndarray  # float64, NaN when absent
    submit_time: np.ndarray  # int64 microseconds
    # PostgreSQL: hashtextextended(order_id, 0), what an execution read names its order by.
    key: np.ndarray | None = None  # int64
    # When read so (PostgreSQL): per order its row in ``kinds``, the run's distinct
    # (symbol, order type, status); ``categorized`` then codes the texts by the kinds, not
    # by looking at a million of them.
    kind: np.ndarray | None = None  # int64
    kinds: tuple[tuple[str, str, str], ...] = ()

    def __len__(self) -> int:
        return len(self.quantity)

    def take(self, index: np.ndarray) -> OrderColumns:
        taken: dict[str, Any] = {
            f.name: _take(getattr(self, f.name), index) for f in fields(self) if f.name != "kinds"
        }
        return OrderColumns(**taken, kinds=self.kinds)

    def categorized(self, column: str) -> tuple[np.ndarray, list[Any]]:
        """categorize(``column``), one of symbol, order_type and status."""
        if self.kind is None:
            return categorize(getattr(self, column))
        code_of_kind, distinct = codes_of_kinds(self.kinds, column)
        return code_of_kind[self.kind], distinct

    @classmethod
    def empty(cls) -> OrderColumns:
        obj = np.empty(0, dtype=object)
        f64 = np.empty(0, dtype=np.float64)
        return cls(obj, obj, obj, obj, f64, f64, f64, np.empty(0, dtype=np.int64))


def codes_of_kinds(
    kinds: Sequence[tuple[str, str, str]], column: str
) -> tuple[np.ndarray, list[Any]]:
    """Per kind (symbol, order type, status) the code of its ``column`` (one of those
    three), and the distinct values, as categorize codes them."""
    j = _KIND_COLUMNS.index(column)
    distinct = _sorted_distinct({kind[j] for kind in kinds})
    return np.array([distinct.index(kind[j]) for kind in kinds], dtype=np.int64), distinct


@dataclass
class FillColumns:
    execution_id: np.ndarray  # object
    order_id: np.ndarray  # object
    symbol: np.ndarray  # object
    side: np.ndarray  # int8: +1 BUY, -1 SELL
    exec_time: np.ndarray  # int64 microseconds
    price: np.ndarray  # float64
    quantity: np.ndarray  # float64
    fee: np.ndarray  # float64
    liquidity_flag: np.ndarray  # object, None when blank
    # PostgreSQL: the key of the fill's stored order (OrderColumns.key), NO_ORDER when none.
    order_key: np.ndarray | None = None  # int64

    def __len__(self) -> int:
        return len(self.execution_id)

    def take(self, index: np.ndarray) -> FillColumns:
        taken: dict[str, Any] = {f.name: _take(getattr(self, f.name), index) for f in fields(self)}
        return FillColumns(**taken)

    @classmethod
    def empty(cls) -> FillColumns:
        obj = np.empty(0, dtype=object)
        f64 = np.empty(0, dtype=np.float64)
        i64 = np.empty(0, dtype=np.int64)
        return cls(obj, obj, obj, np.empty(0, dtype=np.int8), i64, f64, f64, f64, obj)


def _take(column: np.ndarray | None, index: np.ndarray) -> np.ndarray | None:
    return None if column is None else column[index]


def fills_of(executions: ExecutionColumns) -> FillColumns:
    """The columns execution quality reads of executions read with their order ids and
    liquidity flags (trades/reading.py read_executions): the same arrays, none copied."""
    none = np.full(len(executions), None, dtype=object)
    order_id, flag = executions.order_id, executions.liquidity_flag
    return FillColumns(
        execution_id=executions.execution_id,
        order_id=none if order_id is None else order_id,
        symbol=executions.symbol,
        side=executions.side,
        exec_time=executions.exec_time,
        price=executions.price,
        quantity=executions.quantity,
        fee=executions.fee,
        liquidity_flag=none if flag is None else flag,
        order_key=executions.order_key,
    )


def concat_fills(parts: list[FillColumns]) -> FillColumns:
    """The fills of ``parts``, one after the other. An empty part adds no rows, and its
    missing columns (an empty read has no order keys) must not drop the others'."""
    parts = [part for part in parts if len(part)] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    columns: dict[str, Any] = {}
    for name in FillColumns.__dataclass_fields__:
        values = [getattr(part, name) for part in parts]
        columns[name] = None if any(v is None for v in values) else np.concatenate(values)
    return FillColumns(**columns)


def _sorted_distinct(values: set[Any]) -> list[Any]:
    return sorted(values, key=lambda v: (v is not None, str(v)))


def categorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Integer codes and the distinct values (sorted by their text; None first), for a
    column of few distinct values in any order (types, statuses, flags, symbols): one
    set of the values, then one vectorised comparison per distinct value."""
    items = values.tolist()
    distinct = _sorted_distinct(set(items))
    if len(distinct) <= _FEW_DISTINCT:
        codes = np.zeros(len(items), dtype=np.int64)
        for code, value in enumerate(distinct[1:], start=1):
            codes[np.equal(values, value)] = code
        return codes, distinct
    lookup = {value: code for code, value in enumerate(distinct)}
    return np.fromiter(map(lookup.__getitem__, items), dtype=np.int64, count=len(items)), distinct


def order_of_fills(orders: OrderColumns, fills: FillColumns) -> np.ndarray:
    """Per fill, the row of its order in ``orders``; -1 when no stored order has its id."""
    if not len(fills):
        return np.empty(0, dtype=np.int64)
    assert orders.order_id is not None, "orders read with their ids"
    rows = dict(zip(orders.order_id.tolist(), range(len(orders)), strict=True))
    found = map(rows.get, fills.order_id.tolist(), repeat(-1))
    return np.fromiter(found, dtype=np.int64, count=len(fills))


def symbol_rows(values: np.ndarray) -> dict[str, np.ndarray]:
    """Row indices per distinct symbol, symbols in sorted order."""
    codes, distinct = categorize(values)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(distinct) + 1))
    return {str(s): order[bounds[i] : bounds[i + 1]] for i, s in enumerate(distinct)}
