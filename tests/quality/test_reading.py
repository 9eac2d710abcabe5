"""A run's orders and fills read as columns, alike on SQLite (rows) and PostgreSQL (one
binary COPY each): texts that hold the COPY's separator characters, missing prices and
liquidity flags, and a run with neither."""

from __future__ import annotations

import logging
import math
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import text
from trades.trade_factories import T0, at

from strategy_analysis.db.engine import session_scope
from strategy_analysis.db.models import Execution, Order, Run, Strategy
from strategy_analysis.trades.order_names import NO_ORDER
from strategy_analysis.trades.quality import held_orders
from strategy_analysis.trades.quality.columns import OrderColumns, categorize
from strategy_analysis.trades.quality.held_orders import HeldOrders, read_held_orders
from strategy_analysis.trades.quality.reading import (
    read_fills,
    read_orders,
    stream_order_numbers,
)


def _order(order_id, symbol, order_type, *, price=None, stop=None, seconds=0):
    return Order(
        run_id="R",
        order_id=order_id,
        strategy_id="S",
        account_id="A",
        symbol=symbol,
        side="BUY",
        order_type=order_type,
        submit_time=T0 + timedelta(seconds=seconds),
        price=price,
        stop_price=stop,
        quantity=2.5,
        status="FILLED",
    )


def _fill(execution_id, order_id, symbol, side, *, flag, fee=None, seconds=0):
    return Execution(
        run_id="R",
        execution_id=execution_id,
        order_id=order_id,
        symbol=symbol,
        side=side,
        exec_time=T0 + timedelta(seconds=seconds, microseconds=7),
        price=100.25,
        quantity=1.5,
        fee=fee,
        liquidity_flag=flag,
        sequence=seconds,
    )


def _seed(session_factory, orders=(), fills=()):
    with session_scope(session_factory) as s:
        s.add(Strategy(strategy_id="S"))
        s.flush()
        s.add(Run(run_id="R", strategy_id="S", account_id=None))
        s.flush()
        s.add_all(orders)
        s.flush()
        s.add_all(fills)


@pytest.mark.parametrize(
    "odd",
    ["plain", "unit\x1fseparator", "\x1erecord mark", ""],
    ids=["plain", "separator", "marker", "empty"],
)
def test_orders_and_fills_read_exactly(engine, session_factory, odd):
    _seed(
        session_factory,
        [
            _order(f"o-{odd}", "ES", "LIMIT", price=99.75, seconds=0),
            _order("o2", f"N{odd}", "STOP", stop=101.5, seconds=1),
            _order("o3", "ES", "MARKET", seconds=2),
        ],
        [
            _fill(f"x-{odd}", f"o-{odd}", "ES", "BUY", flag=odd, fee=0.5, seconds=0),
            _fill("x2", "o2", f"N{odd}", "SELL", flag=None, seconds=1),
            _fill("x3", "missing", "ES", "BUY", flag="MAKER", fee=1.25, seconds=2),
        ],
    )
    with engine.connect() as conn:
        orders = read_orders(conn, "R")
        fills = read_fills(conn, "R")
    by_id = {o: i for i, o in enumerate(orders.order_id.tolist())}
    assert sorted(by_id) == sorted([f"o-{odd}", "o2", "o3"])
    first, second, third = (by_id[o] for o in (f"o-{odd}", "o2", "o3"))
    assert orders.symbol[[first, second, third]].tolist() == ["ES", f"N{odd}", "ES"]
    assert orders.order_type[[first, second, third]].tolist() == ["LIMIT", "STOP", "MARKET"]
    assert orders.status.tolist() == ["FILLED"] * 3
    assert orders.quantity.tolist() == [2.5] * 3
    assert orders.price[first] == 99.75
    assert math.isnan(orders.price[second]) and math.isnan(orders.price[third])
    assert orders.stop_price[second] == 101.5
    assert math.isnan(orders.stop_price[first]) and math.isnan(orders.stop_price[third])
    assert orders.submit_time[[first, second, third]].tolist() == [at(0), at(1), at(2)]
    # PostgreSQL reads each order's kind (symbol, type, status): coded from the kinds, the
    # texts code as the texts themselves do.
    assert (orders.kind is not None) == (engine.dialect.name == "postgresql")
    for column in ("symbol", "order_type", "status"):
        codes, names = orders.categorized(column)
        expected_codes, expected_names = categorize(getattr(orders, column))
        assert names == expected_names
        assert codes.tolist() == expected_codes.tolist()

    rows = {x: i for i, x in enumerate(fills.execution_id.tolist())}
    assert sorted(rows) == sorted([f"x-{odd}", "x2", "x3"])
    order = [rows[x] for x in (f"x-{odd}", "x2", "x3")]
    assert fills.order_id[order].tolist() == [f"o-{odd}", "o2", "missing"]
    assert fills.symbol[order].tolist() == ["ES", f"N{odd}", "ES"]
    assert fills.side[order].tolist() == [1, -1, 1]
    assert fills.exec_time[order].tolist() == [at(0) + 7, at(1) + 7, at(2) + 7]
    assert fills.price[order].tolist() == [100.25] * 3
    assert fills.quantity[order].tolist() == [1.5] * 3
    assert fills.fee[order].tolist() == [0.5, 0.0, 1.25]
    assert fills.liquidity_flag[order].tolist() == [odd, None, "MAKER"]


def test_a_run_without_orders_or_fills_reads_empty_columns(engine, session_factory):
    _seed(session_factory)
    with engine.connect() as conn:
        assert len(read_orders(conn, "R")) == 0
        assert len(read_fills(conn, "R")) == 0


def _held_rows(held: HeldOrders) -> list[tuple]:
    """Each held order as plain values, in key order (a chunked read keeps its own order)."""
    assert held.key is not None
    rows = [
        (
            int(held.key[i]),
            held.symbol.names[held.symbol.codes[i]],
            held.order_type.names[held.order_type.codes[i]],
            held.status.names[held.status.codes[i]],
            float(held.quantity[i]),
            int(held.submit_time[i]),
            None if math.isnan(held.reference[i]) else float(held.reference[i]),
        )
        for i in range(len(held))
    ]
    return sorted(rows)


def test_orders_read_in_chunks_are_held_as_read_at_once(engine, session_factory, caplog):
    types = ["LIMIT", "STOP", "MARKET", "STOP_LIMIT", "MIT"]
    orders = [
        _order(
            f"o{i:02d}",
            ("ES", "NQ", "CL")[i % 3],
            types[i % 5],
            price=None if i % 4 == 0 else 100 + i / 4,
            stop=None if i % 3 == 0 else 99 + i / 8,
            seconds=i,
        )
        for i in range(23)
    ]
    orders[5].status = "CANCELLED"
    orders[11].status = "REJECTED"
    _seed(session_factory, orders)
    with engine.connect() as conn:
        whole = HeldOrders.of(read_orders(conn, "R", ids=False))
        for chunk_rows in (1, 2, 7, 22, 23, 100):
            caplog.clear()
            with caplog.at_level(logging.INFO, logger=held_orders.__name__):
                chunked = read_held_orders(conn, "R", chunk_rows=chunk_rows)
            assert _held_rows(chunked) == _held_rows(whole), chunk_rows
            # Read chunk by chunk, not by the whole read a mismatch falls back to.
            assert not caplog.records, chunk_rows
    # Every code of a column names one of its values, in categorize's order.
    assert whole.status.names == ["CANCELLED", "FILLED", "REJECTED"]
    assert len(_held_rows(whole)) == 23


def test_an_order_stream_left_midway_leaves_its_transaction_readable(engine, session_factory):
    if engine.dialect.name != "postgresql":
        pytest.skip("the orders stream is PostgreSQL's COPY")
    _seed(session_factory, [_order(f"o{i:03d}", "ES", "LIMIT", price=100 + i) for i in range(300)])
    with engine.begin() as conn:
        whole = HeldOrders.of(read_orders(conn, "R", ids=False))
        chunks = stream_order_numbers(conn, "R", 10)
        assert len(next(chunks)[0]) == 10
        # A chunk the caller refuses (another import's orders) ends the stream midway: the
        # rest is read off, not cancelled, so the fallback reads in the same transaction.
        chunks.close()
        assert _held_rows(read_held_orders(conn, "R", chunk_rows=7)) == _held_rows(whole)
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar_one() == 300


@pytest.mark.parametrize(
    ("keys", "sorted_"),
    [([7, -3, 5], True), ([7, -3, 7], False), ([7, int(NO_ORDER), 5], False), ([], True)],
    ids=["distinct", "shared", "no-order-key", "none"],
)
def test_held_keys_are_sorted_unless_they_cannot_name_one_order(keys, sorted_):
    held = HeldOrders.of(
        OrderColumns(
            order_id=None,
            symbol=np.array(["ES"] * len(keys), dtype=object),
            order_type=np.array(["LIMIT"] * len(keys), dtype=object),
            status=np.array(["FILLED"] * len(keys), dtype=object),
            quantity=np.ones(len(keys)),
            price=np.ones(len(keys)),
            stop_price=np.full(len(keys), np.nan),
            submit_time=np.zeros(len(keys), dtype=np.int64),
            key=np.array(keys, dtype=np.int64),
        )
    )
    assert held.sort_keys() is sorted_
    if sorted_:
        assert held.key is None and held.sorted_keys is not None
        by_key, rows = held.sorted_keys
        assert by_key.tolist() == sorted(keys)
        assert [keys[row] for row in rows.tolist()] == sorted(keys)
    else:
        # Left as read: the orders are then found by id.
        assert held.sorted_keys is None and held.key is not None
        assert held.key.tolist() == keys
