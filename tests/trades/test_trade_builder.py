"""TradeBuilder against hand-computed trades (analytics.md, issue #4 acceptance list)."""

from __future__ import annotations

import numpy as np
import pytest
from trades.trade_factories import T0, at, fills

from strategy_analysis.trades.builder import ExecutionDataError, build_trades
from strategy_analysis.trades.codes import factorize
from strategy_analysis.trades.columns import micros_to_datetime
from strategy_analysis.trades.trade_ids import trade_id


def build(executions, point_values=None, run_id="run-1", strategy_id="Strat"):
    built = build_trades(executions, point_values or {}, run_id, strategy_id)
    return built, built.to_records(), built.lots.to_records()


def lots_of(lots, trade):
    return [
        (lot["entry_execution_id"], lot["exit_execution_id"], lot["quantity"], lot["points"])
        for lot in lots
        if lot["trade_id"] == trade["trade_id"]
    ]


def test_simple_long():
    _, trades, lots = build(fills(("e1", "B", 1, 100.0, 0), ("e2", "S", 1, 105.0, 60)))
    assert len(trades) == 1
    t = trades[0]
    assert (t["side"], t["status"]) == ("LONG", "CLOSED")
    assert t["entry_time"] == T0 and t["exit_time"] == micros_to_datetime(at(60))
    assert (t["entry_price"], t["exit_price"], t["quantity"]) == (100.0, 105.0, 1.0)
    assert (t["pnl_gross"], t["commission"], t["pnl_net"]) == (5.0, 0.0, 5.0)
    assert t["duration_seconds"] == 60.0
    assert (t["run_id"], t["strategy_id"], t["account_id"], t["symbol"]) == (
        "run-1",
        "Strat",
        "A",
        "ES",
    )
    assert t["first_execution_id"] == "e1" and t["exit_sequence"] == 1
    assert lots_of(lots, t) == [("e1", "e2", 1.0, 5.0)]


def test_simple_short():
    _, trades, lots = build(fills(("s1", "S", 2, 100.0, 0), ("s2", "B", 2, 97.0, 30)))
    (t,) = trades
    assert (t["side"], t["status"], t["quantity"]) == ("SHORT", "CLOSED", 2.0)
    # Short: (97 - 100) x 2, sign reversed.
    assert t["pnl_gross"] == 6.0
    assert lots_of(lots, t) == [("s1", "s2", 2.0, 3.0)]


def test_scale_in_three_fills_and_out_two_fills_is_fifo():
    _, trades, lots = build(
        fills(
            ("e1", "B", 1, 100.0, 0),
            ("e2", "B", 2, 102.0, 10),
            ("e3", "B", 1, 104.0, 20),
            ("x1", "S", 2, 106.0, 30),
            ("x2", "S", 2, 101.0, 40),
        )
    )
    (t,) = trades
    assert t["quantity"] == 4.0
    assert t["entry_price"] == 102.0  # (100 + 2 x 102 + 104) / 4
    assert t["exit_price"] == 103.5  # (2 x 106 + 2 x 101) / 4
    assert (t["entry_count"], t["exit_count"]) == (3, 2)
    # FIFO: x1 closes e1 and half of e2, x2 the rest of e2 and e3.
    assert lots_of(lots, t) == [
        ("e1", "x1", 1.0, 6.0),
        ("e2", "x1", 1.0, 4.0),
        ("e2", "x2", 1.0, -1.0),
        ("e3", "x2", 1.0, -3.0),
    ]
    assert t["pnl_gross"] == 6.0 == (103.5 - 102.0) * 4


def test_partial_fills_of_one_order_are_one_trade():
    _, trades, lots = build(
        fills(
            ("p1", "B", 1, 100.0, 0),
            ("p2", "B", 1, 100.25, 0),
            ("p3", "B", 1, 100.5, 0.5),
            ("x1", "S", 3, 101.0, 5),
        )
    )
    (t,) = trades
    assert (t["quantity"], t["entry_price"], t["exit_price"]) == (3.0, 100.25, 101.0)
    assert t["pnl_gross"] == pytest.approx(2.25)
    assert [lot[0] for lot in lots_of(lots, t)] == ["p1", "p2", "p3"]


def test_reversal_in_one_crossing_fill_splits_trade_and_fee():
    _, trades, lots = build(
        fills(
            ("e1", "B", 2, 100.0, 0, 2.0),
            ("r1", "S", 3, 103.0, 10, 3.0),
            ("c1", "B", 1, 101.0, 20, 1.0),
        )
    )
    long, short = trades
    assert (long["side"], long["status"], long["quantity"]) == ("LONG", "CLOSED", 2.0)
    assert long["pnl_gross"] == 6.0
    assert long["commission"] == 4.0  # 2 + 3 x 2/3
    assert long["pnl_net"] == 2.0
    assert long["exit_time"] == micros_to_datetime(at(10))
    assert (short["side"], short["status"], short["quantity"]) == ("SHORT", "CLOSED", 1.0)
    assert short["entry_price"] == 103.0 and short["exit_price"] == 101.0
    assert short["entry_time"] == micros_to_datetime(at(10))
    assert short["pnl_gross"] == 2.0
    assert short["commission"] == 2.0  # 3 x 1/3 + 1
    assert short["pnl_net"] == 0.0
    assert short["first_execution_id"] == "r1"
    assert long["trade_id"] != short["trade_id"]
    assert short["trade_id"] == trade_id("run-1", "A", "ES", "r1", split=True)
    assert long["trade_id"] == trade_id("run-1", "A", "ES", "e1", split=False)
    assert lots_of(lots, long) == [("e1", "r1", 2.0, 3.0)]
    assert lots_of(lots, short) == [("r1", "c1", 1.0, 2.0)]


def test_exit_and_new_entry_with_the_same_timestamp_follow_sequence():
    # Given out of order; sequence says: exit x1 (seq 2) before the new entry e2 (seq 3).
    executions = fills(
        ("e2", "B", 1, 102.0, 60, 0.0, "A", "ES", 3),
        ("e1", "B", 1, 100.0, 0, 0.0, "A", "ES", 1),
        ("x2", "S", 1, 103.0, 90, 0.0, "A", "ES", 4),
        ("x1", "S", 1, 101.0, 60, 0.0, "A", "ES", 2),
    )
    _, trades, _ = build(executions)
    assert [(t["first_execution_id"], t["pnl_gross"]) for t in trades] == [
        ("e1", 1.0),
        ("e2", 1.0),
    ]
    assert trades[0]["exit_time"] == trades[1]["entry_time"]
    # Swap the sequences: the entry comes first, so one trade scales to 2 and out again.
    swapped = fills(
        ("e1", "B", 1, 100.0, 0, 0.0, "A", "ES", 1),
        ("e2", "B", 1, 102.0, 60, 0.0, "A", "ES", 2),
        ("x1", "S", 1, 101.0, 60, 0.0, "A", "ES", 3),
        ("x2", "S", 1, 103.0, 90, 0.0, "A", "ES", 4),
    )
    _, (single,), _ = build(swapped)
    assert (single["quantity"], single["entry_price"], single["exit_price"]) == (2.0, 101.0, 102.0)
    assert single["pnl_gross"] == 2.0


def test_point_value_50():
    _, (t,), lots = build(
        fills(("e1", "B", 2, 5000.0, 0), ("x1", "S", 2, 5002.25, 60), symbol="ES 12-25"),
        {"ES 12-25": 50.0},
    )
    assert t["point_value"] == 50.0
    assert t["pnl_gross"] == 225.0  # 2.25 points x 2 x 50
    assert lots[0]["pnl_gross"] == 225.0 and lots[0]["points"] == 2.25


def test_fees_are_summed_per_trade():
    _, (t,), _ = build(
        fills(
            ("e1", "B", 1, 100.0, 0, 2.09),
            ("e2", "B", 1, 100.0, 1, 2.09),
            ("x1", "S", 2, 101.0, 2, 4.18),
        )
    )
    assert t["commission"] == pytest.approx(8.36)
    assert t["pnl_net"] == pytest.approx(2.0 - 8.36)


def test_open_trade_at_the_end():
    built, (t,), lots = build(fills(("e1", "B", 2, 100.0, 0, 1.0), ("x1", "S", 1, 102.0, 10, 0.5)))
    assert t["status"] == "OPEN" and t["side"] == "LONG"
    assert t["exit_time"] is None and t["exit_price"] is None
    assert t["pnl_gross"] is None and t["pnl_net"] is None
    assert t["duration_seconds"] is None and t["exit_sequence"] is None
    assert t["commission"] == 1.5  # fees so far
    assert t["quantity"] == 2.0
    assert lots_of(lots, t) == [("e1", "x1", 1.0, 2.0)]
    assert built.realized_pnl[0] == 2.0


def test_two_accounts_on_one_symbol_are_kept_apart():
    _, trades, _ = build(
        fills(
            ("a1", "B", 1, 100.0, 0, 0.0, "A"),
            ("b1", "S", 1, 101.0, 1, 0.0, "B"),
            ("a2", "S", 1, 102.0, 2, 0.0, "A"),
            ("b2", "B", 1, 99.0, 3, 0.0, "B"),
        )
    )
    by_account = {t["account_id"]: t for t in trades}
    assert set(by_account) == {"A", "B"}
    assert (by_account["A"]["side"], by_account["A"]["pnl_gross"]) == ("LONG", 2.0)
    assert (by_account["B"]["side"], by_account["B"]["pnl_gross"]) == ("SHORT", 2.0)


def test_symbols_and_a_missing_account_are_kept_apart():
    _, trades, _ = build(
        fills(
            ("a1", "B", 1, 10.0, 0, 0.0, None, "NQ"),
            ("a2", "B", 1, 20.0, 1, 0.0, None, "ES"),
            ("a3", "S", 1, 11.0, 2, 0.0, None, "NQ"),
            ("a4", "S", 1, 19.0, 3, 0.0, None, "ES"),
        ),
        {"NQ": 20.0},
    )
    by_symbol = {t["symbol"]: t for t in trades}
    assert by_symbol["NQ"]["pnl_gross"] == 20.0
    assert by_symbol["ES"]["pnl_gross"] == -1.0
    assert by_symbol["ES"]["account_id"] is None


def test_fractional_quantities_close_exactly():
    _, trades, _ = build(
        fills(
            ("e1", "B", 0.1, 100.0, 0),
            ("e2", "B", 0.2, 100.0, 1),
            ("x1", "S", 0.3, 101.0, 2),
            ("e3", "B", 0.7, 100.0, 3),
        )
    )
    assert [t["status"] for t in trades] == ["CLOSED", "OPEN"]
    assert trades[0]["quantity"] == pytest.approx(0.3)
    assert trades[0]["pnl_gross"] == pytest.approx(0.3)


def test_strategy_of_the_first_execution_wins_over_the_default():
    executions = fills(("e1", "B", 1, 100.0, 0), ("x1", "S", 1, 101.0, 1), ("e2", "B", 1, 1.0, 2))
    executions.strategy_id = np.array(["Own", "Own", None], dtype=object)
    _, trades, _ = build(executions, strategy_id="Default")
    assert [t["strategy_id"] for t in trades] == ["Own", "Default"]


def test_no_executions_give_no_trades():
    built, trades, lots = build(fills())
    assert len(built) == 0 and trades == [] and lots == []


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (("bad", "B", 0, 100.0, 0), "quantity"),
        (("bad", "B", 1, float("nan"), 0), "price"),
        (("bad", "B", 1, 100.0, 0, -1.0), "fee"),
    ],
)
def test_invalid_execution_is_named(row, reason):
    with pytest.raises(ExecutionDataError, match=rf"'bad'.*{reason}"):
        build_trades(fills(row), {}, "run-1")


def test_ids_are_stable_and_unique():
    executions = fills(
        ("e1", "B", 2, 100.0, 0),
        ("r1", "S", 4, 101.0, 1),
        ("r2", "B", 4, 99.0, 2),
        ("x1", "S", 2, 100.0, 3),
    )
    first = build_trades(executions, {}, "run-1")
    second = build_trades(executions, {}, "run-1")
    assert list(first.trade_id) == list(second.trade_id)
    assert len(set(first.trade_id)) == len(first) == 3
    other_run = build_trades(executions, {}, "run-2")
    assert not set(first.trade_id) & set(other_run.trade_id)


def test_factorize_codes_by_first_appearance():
    values = np.array(["b", "b", "a", None, "b", None], dtype=object)
    codes, distinct = factorize(values)
    assert distinct == ["b", "a", None]
    assert codes.tolist() == [0, 0, 1, 2, 0, 2]
    many = np.array([f"s{i % 50}" for i in range(200)], dtype=object)
    codes, distinct = factorize(many)
    assert len(distinct) == 50
    assert all(distinct[c] == v for c, v in zip(codes, many, strict=True))


def test_bulk_ids_equal_single_ids_and_are_hex():
    from strategy_analysis.trades.trade_ids import trade_ids

    accounts = np.array(["A", None, "Kontø", "A", "A"], dtype=object)
    symbols = np.array(["ES", "ES", "NQ", "ES", "ES"], dtype=object)
    firsts = np.array(["e1", "e1", "ü-€", "a-much-longer-execution-id-0001", "e1"], dtype=object)
    split = np.array([False, False, False, False, True])
    ids = trade_ids("run-1", accounts, symbols, firsts, split)
    assert ids.tolist() == [
        trade_id("run-1", a, s, f, bool(x))
        for a, s, f, x in zip(accounts, symbols, firsts, split, strict=True)
    ]
    assert len(set(ids.tolist())) == 5
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    # The account, the run and the split flag are part of the key.
    assert trade_id("run-1", "A", "ES", "e1", False) != trade_id("run-2", "A", "ES", "e1", False)
    assert trade_id("run-1", "A", "ES", "e1", False) != trade_id("run-1", "B", "ES", "e1", False)
    # Fixed value: a change of the hash would break stored links and bookmarks.
    assert trade_id("run-1", "A", "ES", "e1", False) == "78f6cc8fbabdf4f359b35b9dc58e26dc"
