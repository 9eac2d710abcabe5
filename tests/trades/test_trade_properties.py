"""Property-based tests of the TradeBuilder over random fill sequences (hypothesis)."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trades.trade_factories import fills

from strategy_analysis.trades.builder import build_trades

POINT_VALUES = {"X": 50.0, "Y": 0.5}

fill_rows = st.lists(
    st.tuples(
        st.sampled_from("BS"),
        st.sampled_from([1, 2, 3, 5, 0.5, 0.25, 1.5]),
        st.integers(min_value=400, max_value=440).map(lambda ticks: ticks * 0.25),
        st.integers(min_value=0, max_value=3),  # time step (0: same timestamp)
        st.sampled_from([0.0, 1.0, 2.09, 0.37]),
        st.sampled_from(["A", "B", None]),
        st.sampled_from(["X", "Y"]),
    ),
    max_size=60,
)


def to_executions(rows):
    seconds = np.cumsum([r[3] for r in rows]) if rows else []
    return fills(
        *(
            (f"x{i}", side, qty, price, float(seconds[i]), fee, account, symbol)
            for i, (side, qty, price, _, fee, account, symbol) in enumerate(rows)
        )
    )


def reference_trades(rows):
    """A plain loop FIFO, written independently: {(account, symbol): [(pnl or None, qty)]}."""
    books: dict = {}
    result: dict = {}
    for side, qty, price, _, _, account, symbol in rows:
        key = (account, symbol)
        pv = POINT_VALUES[symbol]
        lots, direction, entered, pnl = books.get(key, (deque(), 0, 0.0, 0.0))
        remaining = qty
        sign = 1 if side == "B" else -1
        while remaining > 1e-12 and lots and sign != direction:
            lot_qty, lot_price = lots[0]
            take = min(lot_qty, remaining)
            pnl += (price - lot_price) * take * pv * direction
            remaining -= take
            if lot_qty - take > 1e-12:
                lots[0] = (lot_qty - take, lot_price)
            else:
                lots.popleft()
            if not lots:
                result.setdefault(key, []).append((pnl, entered))
                direction, entered, pnl = 0, 0.0, 0.0
        if remaining > 1e-12:
            direction = sign
            lots.append((remaining, price))
            entered += remaining
        books[key] = (lots, direction, entered, pnl)
    for key, (lots, _, entered, _) in books.items():
        if lots:
            result.setdefault(key, []).append((None, entered))
    return result


@settings(max_examples=300, deadline=None)
@given(fill_rows)
def test_trades_match_a_plain_fifo_loop(rows):
    built = build_trades(to_executions(rows), POINT_VALUES, "run")
    got: dict = {}
    order = sorted(range(len(built)), key=lambda k: int(built.first_execution_id[k][1:]))
    for k in order:
        key = (built.account_id[k], built.symbol[k])
        pnl = None if not built.closed[k] else built.pnl_gross[k]
        got.setdefault(key, []).append((pnl, built.quantity[k]))
    expected = reference_trades(rows)
    assert set(got) == set(expected)
    for key, trades in expected.items():
        assert len(got[key]) == len(trades), key
        for (pnl, qty), (exp_pnl, exp_qty) in zip(got[key], trades, strict=True):
            assert qty == pytest.approx(exp_qty)
            if exp_pnl is None:
                assert pnl is None
            else:
                assert pnl == pytest.approx(exp_pnl, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(fill_rows)
def test_cash_flow_quantities_fees_and_ids(rows):
    executions = to_executions(rows)
    built = build_trades(executions, POINT_VALUES, "run")
    lots = built.lots
    pv = np.array([POINT_VALUES[s] for s in executions.symbol.tolist()])
    cash_flow = float(np.sum(-executions.side * executions.quantity * executions.price * pv))

    lot_entry_cost = np.bincount(
        lots.trade_index, weights=lots.quantity * lots.entry_price, minlength=len(built)
    )
    lot_quantity = np.bincount(lots.trade_index, weights=lots.quantity, minlength=len(built))
    open_ = ~built.closed
    # The open position at its cost: what was entered and is not yet matched by an exit.
    open_cost = (built.entry_price * built.quantity - lot_entry_cost)[open_]
    total = (
        built.pnl_gross[built.closed].sum()
        + built.realized_pnl[open_].sum()
        - np.sum(built.direction[open_] * built.point_value[open_] * open_cost)
    )
    assert total == pytest.approx(cash_flow, abs=1e-6)

    # A closed trade exits exactly what it entered; an open one exits less.
    assert lot_quantity[built.closed] == pytest.approx(built.quantity[built.closed])
    assert np.all(lot_quantity[open_] < built.quantity[open_] + 1e-9)
    # Every fee is counted once.
    assert built.commission.sum() == pytest.approx(executions.fee.sum(), abs=1e-9)
    # Closed pnl equals the average-price formula.
    closed = built.closed
    formula = (
        (built.exit_price - built.entry_price)
        * built.quantity
        * built.point_value
        * built.direction
    )[closed]
    assert built.pnl_gross[closed] == pytest.approx(formula, abs=1e-6)
    assert len(set(built.trade_id.tolist())) == len(built)
    # At most one open trade per (account, symbol).
    open_keys = list(
        zip(built.account_id[open_].tolist(), built.symbol[open_].tolist(), strict=True)
    )
    assert len(open_keys) == len(set(open_keys))


@settings(max_examples=150, deadline=None)
@given(fill_rows, st.randoms(use_true_random=False))
def test_rebuilding_gives_identical_trades_whatever_the_input_order(rows, random):
    executions = to_executions(rows)
    first = build_trades(executions, POINT_VALUES, "run").to_records()
    again = build_trades(executions, POINT_VALUES, "run").to_records()
    assert first == again
    shuffled = list(range(len(executions)))
    random.shuffle(shuffled)
    permuted = build_trades(
        executions.take(np.array(shuffled, dtype=np.int64)), POINT_VALUES, "run"
    )
    by_id = {t["trade_id"]: t for t in first}
    assert {t["trade_id"]: t for t in permuted.to_records()} == by_id


@settings(max_examples=100, deadline=None)
@given(fill_rows)
def test_a_pair_rebuilt_alone_keeps_its_ids(rows):
    executions = to_executions(rows)
    whole = build_trades(executions, POINT_VALUES, "run")
    only_x = build_trades(
        executions.take(np.flatnonzero(executions.symbol == "X")), POINT_VALUES, "run"
    )
    assert set(only_x.trade_id.tolist()) == set(whole.trade_id[whole.symbol == "X"].tolist())
