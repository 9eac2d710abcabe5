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

Group sums use ``np.bincount`` over integer codes (columns.categorize): nothing runs per order or per fill.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .columns import FillColumns, OrderColumns, categorize

UNKNOWN_FLAG = "UNKNOWN"
_MICROS = 1_000_000.0
# Order types whose reference is the limit price, and those whose reference is the stop
# (the limit price when the order has no stop).
_LIMIT_REFERENCE = ("LIMIT", "STOP_LIMIT")
_STOP_REFERENCE = ("STOP", "MIT")


def _ratio(filled: float, ordered: float) -> float | None:
    return filled / ordered if ordered > 0 else None


def _grouped(
    keys: np.ndarray, name: str, quantity: np.ndarray, filled: np.ndarray
) -> list[dict[str, Any]]:
    codes, distinct = categorize(keys)
    n = len(distinct)
    counts = np.bincount(codes, minlength=n)
    ordered = np.bincount(codes, weights=quantity, minlength=n)
    done = np.bincount(codes, weights=filled, minlength=n)
    rows = [
        {
            name: str(value),
            "count": int(counts[i]),
            "ordered_quantity": float(ordered[i]),
            "filled_quantity": float(done[i]),
            "fill_ratio": _ratio(float(done[i]), float(ordered[i])),
        }
        for i, value in enumerate(distinct)
    ]
    return sorted(rows, key=lambda row: row[name])


def reference_prices(orders: OrderColumns) -> np.ndarray:
    """Per order, the price it asked for (NaN for MARKET, or when the order lacks it)."""
    kind = orders.order_type
    limit = np.isin(kind, _LIMIT_REFERENCE)
    stop = np.isin(kind, _STOP_REFERENCE)
    stop_or_limit = np.where(np.isnan(orders.stop_price), orders.price, orders.stop_price)
    return np.where(limit, orders.price, np.where(stop, stop_or_limit, np.nan))


def _slippage(
    orders: OrderColumns, fills: FillColumns, order_row: np.ndarray, point_value: np.ndarray
) -> list[dict[str, Any]]:
    known = order_row >= 0
    reference = np.full(len(fills), np.nan)
    reference[known] = reference_prices(orders)[order_row[known]]
    usable = ~np.isnan(reference)
    if not usable.any():
        return []
    points = (fills.price[usable] - reference[usable]) * fills.side[usable]
    currency = points * fills.quantity[usable] * point_value[usable]
    types = orders.order_type[order_row[usable]]
    codes, distinct = categorize(types)
    n = len(distinct)
    count = np.bincount(codes, minlength=n)
    points_total = np.bincount(codes, weights=points, minlength=n)
    currency_total = np.bincount(codes, weights=currency, minlength=n)
    rows = [
        {
            "order_type": str(value),
            "executions": int(count[i]),
            "slippage_points_total": float(points_total[i]),
            "slippage_points_mean": float(points_total[i] / count[i]),
            "slippage_total": float(currency_total[i]),
            "slippage_mean": float(currency_total[i] / count[i]),
        }
        for i, value in enumerate(distinct)
    ]
    return sorted(rows, key=lambda row: row["order_type"])


def _first_fill_times(n_orders: int, fills: FillColumns, order_row: np.ndarray) -> np.ndarray:
    """Per order, its first execution's time (int64 max without one)."""
    first = np.full(n_orders, np.iinfo(np.int64).max, dtype=np.int64)
    known = order_row >= 0
    np.minimum.at(first, order_row[known], fills.exec_time[known])
    return first


def _time_to_fill(orders: OrderColumns, first: np.ndarray) -> dict[str, Any]:
    filled = first != np.iinfo(np.int64).max
    seconds = (first[filled] - orders.submit_time[filled]) / _MICROS
    if not len(seconds):
        return {"orders": 0, "median_seconds": None, "p95_seconds": None}
    median, p95 = np.percentile(seconds, [50, 95])
    return {"orders": int(len(seconds)), "median_seconds": float(median), "p95_seconds": float(p95)}


def _liquidity(fills: FillColumns) -> list[dict[str, Any]]:
    flags = fills.liquidity_flag
    if len(flags):
        blank = np.equal(flags, None) | np.equal(flags, "")
        flags = np.where(blank, UNKNOWN_FLAG, flags)
    codes, distinct = categorize(flags)
    n = len(distinct)
    count = np.bincount(codes, minlength=n)
    quantity = np.bincount(codes, weights=fills.quantity, minlength=n)
    fees = np.bincount(codes, weights=fills.fee, minlength=n)
    rows = [
        {
            "liquidity_flag": str(value),
            "executions": int(count[i]),
            "quantity": float(quantity[i]),
            "fees": float(fees[i]),
        }
        for i, value in enumerate(distinct)
    ]
    return sorted(rows, key=lambda row: row["liquidity_flag"])


def execution_quality(
    orders: OrderColumns,
    fills: FillColumns,
    order_row: np.ndarray,
    point_value: np.ndarray,
) -> dict[str, Any]:
    """Every figure of analytics.md "Orders and execution quality" for these orders and
    fills. ``order_row``: per fill, its order's row in ``orders`` (-1: unknown order);
    ``point_value``: per fill, its symbol's point value."""
    filled = filled_quantities(len(orders), fills, order_row)
    first = _first_fill_times(len(orders), fills, order_row)
    return {
        "orders": len(orders),
        "executions": len(fills),
        "by_status": _grouped(orders.status, "status", orders.quantity, filled),
        "by_order_type": _grouped(orders.order_type, "order_type", orders.quantity, filled),
        "slippage": _slippage(orders, fills, order_row, point_value),
        "time_to_fill": _time_to_fill(orders, first),
        "liquidity": _liquidity(fills),
    }


def filled_quantities(n_orders: int, fills: FillColumns, order_row: np.ndarray) -> np.ndarray:
    """Per order, the quantity of the fills that name it."""
    known = order_row >= 0
    return np.bincount(order_row[known], weights=fills.quantity[known], minlength=n_orders)
