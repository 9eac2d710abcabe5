"""Execution quality on small hand-computed cases (analytics.md "Orders and execution
quality"): slippage of each order type with both signs, fill ratios, time to fill,
liquidity."""

from __future__ import annotations

import numpy as np
import pytest

from strategy_analysis.trades.quality.columns import (
    FillColumns,
    OrderColumns,
    concat_fills,
    order_of_fills,
)
from strategy_analysis.trades.quality.execution import execution_quality

NAN = float("nan")
S = 1_000_000  # microseconds per second


def orders_of(*rows) -> OrderColumns:
    ids, types, sides, qty, price, stop, status = zip(*rows, strict=True)
    n = len(ids)
    return OrderColumns(
        order_id=np.array(ids, dtype=object),
        symbol=np.full(n, "ES", dtype=object),
        order_type=np.array(types, dtype=object),
        status=np.array(status, dtype=object),
        quantity=np.array(qty, dtype=float),
        price=np.array(price, dtype=float),
        stop_price=np.array(stop, dtype=float),
        submit_time=np.zeros(n, dtype=np.int64),
    )


def fills_of(*rows) -> FillColumns:
    ids, orders, sides, seconds, price, qty, fee, flag = zip(*rows, strict=True)
    n = len(ids)
    return FillColumns(
        execution_id=np.array(ids, dtype=object),
        order_id=np.array(orders, dtype=object),
        symbol=np.full(n, "ES", dtype=object),
        side=np.array([1 if s == "BUY" else -1 for s in sides], dtype=np.int8),
        exec_time=(np.array(seconds, dtype=float) * S).astype(np.int64),
        price=np.array(price, dtype=float),
        quantity=np.array(qty, dtype=float),
        fee=np.array(fee, dtype=float),
        liquidity_flag=np.array(flag, dtype=object),
    )


ORDERS = orders_of(
    # id, type, side, quantity, price, stop_price, status
    ("L1", "LIMIT", "BUY", 2, 100.0, NAN, "FILLED"),
    ("L2", "LIMIT", "SELL", 1, 101.0, NAN, "FILLED"),
    ("S1", "STOP", "SELL", 2, NAN, 98.0, "FILLED"),
    ("S2", "STOP", "BUY", 1, 103.0, NAN, "FILLED"),  # no stop price: its price is the reference
    ("M1", "MARKET", "BUY", 1, NAN, NAN, "FILLED"),
    ("L3", "LIMIT", "BUY", 1, NAN, NAN, "FILLED"),  # a LIMIT without price: no reference
    ("SL1", "STOP_LIMIT", "SELL", 1, 99.0, 99.5, "CANCELED"),
    ("MIT1", "MIT", "BUY", 3, NAN, 96.0, "PARTIALLY_FILLED"),
)
FILLS = fills_of(
    # id, order, side, seconds after submit, price, quantity, fee, liquidity flag
    ("F1", "L1", "BUY", 2, 100.25, 1, 1.0, "MAKER"),  # +0.25: worse than asked
    ("F2", "L1", "BUY", 10, 99.75, 1, 1.0, "MAKER"),  # -0.25: better
    ("F3", "L2", "SELL", 4, 101.5, 1, 1.0, ""),  # sold 0.5 above the limit: -0.5
    ("F4", "S1", "SELL", 6, 97.5, 2, 2.0, "TAKER"),  # stop 98 sold at 97.5: +0.5
    ("F5", "S2", "BUY", 1, 102.75, 1, 1.0, None),  # -0.25
    ("F6", "M1", "BUY", 0.5, 100.0, 1, 1.0, None),
    ("F7", "L3", "BUY", 3, 100.0, 1, 1.0, None),
    ("F8", "MIT1", "BUY", 8, 96.25, 1, 1.0, None),  # +0.25
    ("F9", "X", "BUY", 9, 100.0, 1, 1.0, None),  # unknown order
)


@pytest.fixture(scope="module")
def quality():
    row = order_of_fills(ORDERS, FILLS)
    assert row.tolist() == [0, 0, 1, 2, 3, 4, 5, 7, -1]
    return execution_quality(ORDERS, FILLS, row, np.full(len(FILLS), 50.0))


def test_slippage_of_each_order_type_both_signs(quality):
    rows = {r["order_type"]: r for r in quality["slippage"]}
    assert sorted(rows) == ["LIMIT", "MIT", "STOP"]  # MARKET has no reference
    limit, mit, stop = rows["LIMIT"], rows["MIT"], rows["STOP"]
    # LIMIT: +0.25 (buy above), -0.25 (buy below), -0.5 (sell above); L3 has no price.
    assert limit["executions"] == 3
    assert limit["slippage_points_total"] == pytest.approx(-0.5)
    assert limit["slippage_points_mean"] == pytest.approx(-0.5 / 3)
    assert limit["slippage_total"] == pytest.approx(12.5 - 12.5 - 25.0)
    assert limit["slippage_mean"] == pytest.approx(-25.0 / 3)
    # STOP: sell 2 at 97.5 under a 98 stop (+0.5 x 2 x 50), buy at 102.75 under 103 (-0.25).
    assert (stop["executions"], stop["slippage_points_total"]) == (2, pytest.approx(0.25))
    assert stop["slippage_points_mean"] == pytest.approx(0.125)
    assert stop["slippage_total"] == pytest.approx(50.0 - 12.5)
    assert stop["slippage_mean"] == pytest.approx(37.5 / 2)
    # MIT: its stop price is the reference.
    assert (mit["executions"], mit["slippage_points_total"], mit["slippage_total"]) == (
        1,
        pytest.approx(0.25),
        pytest.approx(12.5),
    )


def test_fill_ratio_by_status_and_order_type(quality):
    by_status = {r["status"]: r for r in quality["by_status"]}
    assert by_status["FILLED"] == {
        "status": "FILLED",
        "count": 6,
        "ordered_quantity": 8.0,
        "filled_quantity": 8.0,
        "fill_ratio": 1.0,
    }
    assert (by_status["CANCELED"]["filled_quantity"], by_status["CANCELED"]["fill_ratio"]) == (
        0.0,
        0.0,
    )
    assert by_status["PARTIALLY_FILLED"]["fill_ratio"] == pytest.approx(1 / 3)
    by_type = {r["order_type"]: (r["count"], r["ordered_quantity"], r["filled_quantity"])
               for r in quality["by_order_type"]}  # fmt: skip
    assert by_type == {
        "LIMIT": (3, 4.0, 4.0),
        "MARKET": (1, 1.0, 1.0),
        "MIT": (1, 3.0, 1.0),
        "STOP": (2, 3.0, 3.0),
        "STOP_LIMIT": (1, 1.0, 0.0),
    }


def test_time_to_fill_median_and_p95(quality):
    # First fills after submit: 2, 4, 6, 1, 0.5, 3, 8 seconds (SL1 never filled).
    # Sorted 0.5 1 2 3 4 6 8: median 3; p95 at rank 5.7: 6 + 0.7 x 2 = 7.4.
    assert quality["time_to_fill"] == {
        "orders": 7,
        "median_seconds": 3.0,
        "p95_seconds": pytest.approx(7.4),
    }


def test_liquidity_by_flag_blank_is_unknown(quality):
    assert quality["liquidity"] == [
        {"liquidity_flag": "MAKER", "executions": 2, "quantity": 2.0, "fees": 2.0},
        {"liquidity_flag": "TAKER", "executions": 1, "quantity": 2.0, "fees": 2.0},
        {"liquidity_flag": "UNKNOWN", "executions": 6, "quantity": 6.0, "fees": 6.0},
    ]
    assert (quality["orders"], quality["executions"]) == (8, 9)


def test_nothing_to_measure():
    empty = execution_quality(
        OrderColumns.empty(), FillColumns.empty(), np.empty(0, dtype=np.int64), np.empty(0)
    )
    assert empty == {
        "orders": 0,
        "executions": 0,
        "by_status": [],
        "by_order_type": [],
        "slippage": [],
        "time_to_fill": {"orders": 0, "median_seconds": None, "p95_seconds": None},
        "liquidity": [],
    }


def test_fills_of_a_run_without_orders():
    from strategy_analysis.trades.quality.assessment import assess
    from strategy_analysis.trades.quality.checks import RunFacts

    document = assess(
        RunFacts("r", True, {"ES"}, None), OrderColumns.empty(), FILLS, {"ES": 50.0}, {}
    )
    found = {f["check"]: f["count"] for f in document["findings"]}
    assert found == {"execution_without_order": 9, "no_bars": 1}
    assert document["verdict"] == "warnings"
    assert document["execution_quality"]["symbols"]["ES"]["executions"] == 9


def test_an_empty_part_keeps_the_order_keys_of_the_others():
    # An empty read (a symbol's last window) has no order keys; the parts with rows do.
    first = fills_of(("E1", "L1", "BUY", 1, 100.0, 1, 0.0, None))
    second = fills_of(("E2", "L1", "BUY", 2, 100.0, 1, 0.0, None))
    first.order_key = np.array([7], dtype=np.int64)
    second.order_key = np.array([8], dtype=np.int64)
    joined = concat_fills([first, FillColumns.empty(), second])
    assert joined.execution_id.tolist() == ["E1", "E2"]
    assert joined.order_key is not None and joined.order_key.tolist() == [7, 8]
