"""Execution quality of a run or one symbol (analytics.md "Orders and execution quality").

- ``by_status`` / ``by_order_type``: per value, the orders' count, ordered quantity, filled
  quantity (the quantity of the executions that name the order) and fill_ratio.
- ``slippage`` per order type: over executions whose order has a reference price (LIMIT,
  STOP_LIMIT: price; STOP, MIT: stop_price, else price; MARKET: none), points = fill -
  reference for a BUY, reference - fill for a SELL (positive is worse than asked);
  currency = points x quantity x point value.
- ``time_to_fill``: first execution's time - the order's submit time, over orders with an
  execution: median and 95th percentile (numpy's linear method).
- ``liquidity``: every execution by liquidity_flag as written (blank: UNKNOWN).

The text columns (status, order type, flag) are coded once per run (``Codes``) and a
symbol's figures slice those codes; group sums are ``np.bincount`` over them: nothing
runs per order or per fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import FillColumns, OrderColumns, categorize

UNKNOWN_FLAG = "UNKNOWN"
_MICROS = 1_000_000.0
NO_FILL = np.iinfo(np.int64).max
# Order types whose reference is the limit price, and those whose reference is the stop
# (the limit price when the order has no stop).
_LIMIT_REFERENCE = ("LIMIT", "STOP_LIMIT")
_STOP_REFERENCE = ("STOP", "MIT")


@dataclass
class Coded:
    """A text column as integer codes into ``names``."""

    codes: np.ndarray
    names: list[Any]

    @classmethod
    def of(cls, values: np.ndarray) -> Coded:
        return cls(*categorize(values))

    def take(self, index: np.ndarray) -> Coded:
        return Coded(self.codes[index], self.names)

    def members(self, wanted: tuple[str, ...]) -> np.ndarray:
        return np.isin(self.codes, [i for i, name in enumerate(self.names) if name in wanted])


@dataclass
class Codes:
    """The coded status and order type of each order and liquidity flag of each fill."""

    status: Coded
    order_type: Coded
    flag: Coded

    @classmethod
    def of(cls, orders: OrderColumns, fills: FillColumns) -> Codes:
        return cls(Coded.of(orders.status), Coded.of(orders.order_type), flags_of(fills))

    def take(self, order_rows: np.ndarray, fill_rows: np.ndarray) -> Codes:
        return Codes(
            self.status.take(order_rows),
            self.order_type.take(order_rows),
            self.flag.take(fill_rows),
        )


def flags_of(fills: FillColumns) -> Coded:
    """The fills' liquidity flags coded; blank is UNKNOWN, one group with a flag written
    as UNKNOWN."""
    flag = Coded.of(fills.liquidity_flag)
    names = [UNKNOWN_FLAG if n is None or n == "" else str(n) for n in flag.names]
    merged = sorted(set(names))
    remap = np.array([merged.index(n) for n in names], dtype=np.int64)
    return Coded(remap[flag.codes] if len(names) else flag.codes, merged)


def _ratio(filled: float, ordered: float) -> float | None:
    return filled / ordered if ordered > 0 else None


def grouped(
    key: Coded, name: str, quantity: np.ndarray, filled: np.ndarray
) -> list[dict[str, Any]]:
    n = len(key.names)
    counts = np.bincount(key.codes, minlength=n)
    ordered = np.bincount(key.codes, weights=quantity, minlength=n)
    done = np.bincount(key.codes, weights=filled, minlength=n)
    return [
        {
            name: str(value),
            "count": int(counts[i]),
            "ordered_quantity": float(ordered[i]),
            "filled_quantity": float(done[i]),
            "fill_ratio": _ratio(float(done[i]), float(ordered[i])),
        }
        for i, value in enumerate(key.names)
        if counts[i]
    ]


def reference_prices(orders: OrderColumns, order_type: Coded) -> np.ndarray:
    """Per order, the price it asked for (NaN for MARKET, or when the order lacks it)."""
    limit = order_type.members(_LIMIT_REFERENCE)
    stop = order_type.members(_STOP_REFERENCE)
    stop_or_limit = np.where(np.isnan(orders.stop_price), orders.price, orders.stop_price)
    return np.where(limit, orders.price, np.where(stop, stop_or_limit, np.nan))


def slippage_parts(
    order_reference: np.ndarray,
    fills: FillColumns,
    order_row: np.ndarray,
    point_value: np.ndarray,
    order_type: Coded,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of the executions with a reference price (in their order): their order type code,
    slippage in points and in currency. ``order_reference``: reference_prices of the
    orders."""
    known = order_row >= 0
    reference = np.full(len(fills), np.nan)
    reference[known] = order_reference[order_row[known]]
    usable = ~np.isnan(reference)
    points = (fills.price[usable] - reference[usable]) * fills.side[usable]
    currency = points * fills.quantity[usable] * point_value[usable]
    return order_type.codes[order_row[usable]], points, currency


def slippage_sums(
    orders: OrderColumns,
    fills: FillColumns,
    order_row: np.ndarray,
    point_value: np.ndarray,
    order_type: Coded,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per order type code: the executions with a reference price, their slippage in
    points and in currency, summed."""
    n = len(order_type.names)
    reference = reference_prices(orders, order_type)
    codes, points, currency = slippage_parts(reference, fills, order_row, point_value, order_type)
    return (
        np.bincount(codes, minlength=n),
        np.bincount(codes, weights=points, minlength=n),
        np.bincount(codes, weights=currency, minlength=n),
    )


def slippage_rows(
    names: list[Any], count: np.ndarray, points_total: np.ndarray, currency_total: np.ndarray
) -> list[dict[str, Any]]:
    return [
        {
            "order_type": str(value),
            "executions": int(count[i]),
            "slippage_points_total": float(points_total[i]),
            "slippage_points_mean": float(points_total[i] / count[i]),
            "slippage_total": float(currency_total[i]),
            "slippage_mean": float(currency_total[i] / count[i]),
        }
        for i, value in enumerate(names)
        if count[i]
    ]


def first_fill_times(n_orders: int, fills: FillColumns, order_row: np.ndarray) -> np.ndarray:
    """Per order, the time of its first fill (NO_FILL: none)."""
    first = np.full(n_orders, NO_FILL, dtype=np.int64)
    known = order_row >= 0
    np.minimum.at(first, order_row[known], fills.exec_time[known])
    return first


def time_to_fill(submit_time: np.ndarray, first: np.ndarray) -> dict[str, Any]:
    """Median and p95 of first fill - submit time, over the orders with a fill."""
    filled = first != NO_FILL
    seconds = (first[filled] - submit_time[filled]) / _MICROS
    if not len(seconds):
        return {"orders": 0, "median_seconds": None, "p95_seconds": None}
    median, p95 = np.percentile(seconds, [50, 95])
    return {"orders": int(len(seconds)), "median_seconds": float(median), "p95_seconds": float(p95)}


def liquidity_sums(fills: FillColumns, flag: Coded) -> dict[str, tuple[int, float, float]]:
    """Per liquidity flag (in the flags' order): executions, quantity and fees."""
    n = len(flag.names)
    count = np.bincount(flag.codes, minlength=n)
    quantity = np.bincount(flag.codes, weights=fills.quantity, minlength=n)
    fees = np.bincount(flag.codes, weights=fills.fee, minlength=n)
    return {
        str(value): (int(count[i]), float(quantity[i]), float(fees[i]))
        for i, value in enumerate(flag.names)
        if count[i]
    }


def liquidity_rows(sums: dict[str, tuple[int, float, float]]) -> list[dict[str, Any]]:
    return [
        {"liquidity_flag": flag, "executions": count, "quantity": quantity, "fees": fees}
        for flag, (count, quantity, fees) in sums.items()
    ]


def filled_quantities(n_orders: int, fills: FillColumns, order_row: np.ndarray) -> np.ndarray:
    """Per order, the quantity of the fills that name it."""
    known = order_row >= 0
    return np.bincount(order_row[known], weights=fills.quantity[known], minlength=n_orders)


def execution_quality(
    orders: OrderColumns,
    fills: FillColumns,
    order_row: np.ndarray,
    point_value: np.ndarray,
    codes: Codes | None = None,
) -> dict[str, Any]:
    """Every figure of analytics.md "Orders and execution quality" for these orders and
    fills. ``order_row``: per fill, its order's row in ``orders`` (-1: unknown order);
    ``point_value``: per fill, its symbol's point value; ``codes``: the coded text
    columns of these orders and fills (coded here when not given)."""
    codes = codes or Codes.of(orders, fills)
    filled = filled_quantities(len(orders), fills, order_row)
    return {
        "orders": len(orders),
        "executions": len(fills),
        "by_status": grouped(codes.status, "status", orders.quantity, filled),
        "by_order_type": grouped(codes.order_type, "order_type", orders.quantity, filled),
        "slippage": slippage_rows(
            codes.order_type.names,
            *slippage_sums(orders, fills, order_row, point_value, codes.order_type),
        ),
        "time_to_fill": time_to_fill(
            orders.submit_time, first_fill_times(len(orders), fills, order_row)
        ),
        "liquidity": liquidity_rows(liquidity_sums(fills, codes.flag)),
    }
