"""Run statistics, equity curve and reconciliation, every row of analytics.md by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
from trades.trade_factories import at, fills

from strategy_analysis.trades.builder import build_trades
from strategy_analysis.trades.statistics import (
    STATISTIC_NAMES,
    ClosedTrades,
    compute_equity_curve,
    compute_statistics,
)

# pnl_net in exit order: W L E W L L W
PNL = [10.0, -5.0, 0.0, 20.0, -15.0, -5.0, 30.0]


def closed_trades(pnl, *, mae=None, mfe=None, etd=None, commission=None, open_count=0):
    n = len(pnl)
    nan = [np.nan] * n
    return ClosedTrades(
        entry_time=np.array([at(100 * i) for i in range(n)], dtype=np.int64),
        exit_time=np.array([at(100 * i + 30 + i) for i in range(n)], dtype=np.int64),
        pnl_net=np.array(pnl, dtype=float),
        commission=np.array(commission or [1.0] * n, dtype=float),
        mae=np.array(mae or nan, dtype=float),
        mfe=np.array(mfe or nan, dtype=float),
        etd=np.array(etd or nan, dtype=float),
        open_count=open_count,
    )


def test_every_row_by_hand():
    stats = compute_statistics(
        closed_trades(
            PNL,
            mae=[1.0, 2.0, 3.0, np.nan, 5.0, 6.0, 7.0],
            mfe=[10.0, 0.0, 2.0, np.nan, 4.0, 0.0, 8.0],
            etd=[0.0, 5.0, 2.0, np.nan, 19.0, 5.0, 0.0],
            open_count=1,
        )
    )
    assert set(stats) == set(STATISTIC_NAMES)
    expected = {
        "total_trades": 7,
        "winning_trades": 3,
        "losing_trades": 3,
        "even_trades": 1,
        "net_profit": 35.0,
        "gross_profit": 60.0,
        "gross_loss": -25.0,
        "commission": 7.0,
        "profit_factor": 2.4,
        "percent_profitable": 300 / 7,
        "avg_trade": 5.0,
        "avg_winning_trade": 20.0,
        "avg_losing_trade": -25 / 3,
        "ratio_avg_win_avg_loss": 2.4,
        "largest_winning_trade": 30.0,
        "largest_losing_trade": -15.0,
        "max_consecutive_winners": 1,
        "max_consecutive_losers": 2,
        # equity 0 10 5 5 25 10 5 35: from the peak 25 down to 5
        "max_drawdown": -20.0,
        "avg_mae": 24 / 6,
        "avg_mfe": 24 / 6,
        "avg_etd": 31 / 6,
        # durations 30, 31, ... 36 seconds
        "avg_duration_seconds": 33.0,
        "expectancy": 3 / 7 * 20 + 4 / 7 * (-25 / 3),
        "reconciliation": None,
        "open_trades": 1,
    }
    for name, value in expected.items():
        assert stats[name] == (pytest.approx(value) if isinstance(value, float) else value), name
    json.dumps(stats, allow_nan=False)


def test_empty_run():
    stats = compute_statistics(closed_trades([]))
    assert stats["total_trades"] == 0
    assert stats["winning_trades"] == stats["losing_trades"] == stats["even_trades"] == 0
    assert stats["net_profit"] == stats["gross_profit"] == stats["gross_loss"] == 0.0
    assert stats["commission"] == 0.0
    assert stats["max_drawdown"] == 0.0
    assert stats["max_consecutive_winners"] == stats["max_consecutive_losers"] == 0
    for name in (
        "profit_factor",
        "percent_profitable",
        "avg_trade",
        "avg_winning_trade",
        "avg_losing_trade",
        "ratio_avg_win_avg_loss",
        "largest_winning_trade",
        "largest_losing_trade",
        "avg_mae",
        "avg_mfe",
        "avg_etd",
        "avg_duration_seconds",
        "expectancy",
        "reconciliation",
    ):
        assert stats[name] is None, name
    json.dumps(stats, allow_nan=False)
    assert compute_equity_curve(closed_trades([])) == []


def test_no_losers():
    stats = compute_statistics(closed_trades([5.0, 0.0, 7.0, 3.0]))
    assert stats["profit_factor"] is None
    assert stats["avg_losing_trade"] is None and stats["largest_losing_trade"] is None
    assert stats["ratio_avg_win_avg_loss"] is None
    assert stats["gross_loss"] == 0.0
    assert stats["percent_profitable"] == 75.0
    assert stats["max_consecutive_winners"] == 2  # the even trade breaks the streak
    assert stats["max_drawdown"] == 0.0
    assert stats["expectancy"] == pytest.approx(0.75 * 5.0)


def test_no_winners():
    stats = compute_statistics(closed_trades([-5.0, -7.0, 0.0, -3.0]))
    assert stats["profit_factor"] == 0.0
    assert stats["avg_winning_trade"] is None and stats["largest_winning_trade"] is None
    assert stats["ratio_avg_win_avg_loss"] is None
    assert stats["percent_profitable"] == 0.0
    assert stats["max_consecutive_losers"] == 2
    assert stats["max_drawdown"] == -15.0
    assert stats["expectancy"] == pytest.approx(-5.0)


@pytest.mark.parametrize(
    ("reported_pnl", "reported_count", "pnl_diff", "count_diff", "matches"),
    [
        (35.0, 7, 0.0, 0, True),
        (34.99, 7, 0.01, 0, True),  # one cent is still a match
        (35.02, 7, -0.02, 0, False),
        (35.0, 8, 0.0, -1, True),  # one trade is still a match
        (35.0, 9, 0.0, -2, False),
        (None, 7, None, 0, True),
        (40.0, None, -5.0, None, False),
    ],
)
def test_reconciliation(reported_pnl, reported_count, pnl_diff, count_diff, matches):
    rec = compute_statistics(closed_trades(PNL), reported_pnl, reported_count)["reconciliation"]
    assert rec["reported_net_pnl"] == reported_pnl
    assert rec["reported_trade_count"] == reported_count
    assert rec["platform_net_pnl"] == 35.0 and rec["platform_trade_count"] == 7
    if pnl_diff is None:
        assert rec["net_pnl_difference"] is None
    else:
        assert rec["net_pnl_difference"] == pytest.approx(pnl_diff)
    assert rec["trade_count_difference"] == count_diff
    assert rec["matches"] is matches


def test_equity_curve_starts_at_zero_at_first_entry():
    curve = compute_equity_curve(closed_trades([10.0, -15.0, 20.0]))
    assert [p["equity"] for p in curve] == [0.0, 10.0, -5.0, 15.0]
    assert [p["drawdown"] for p in curve] == [0.0, 0.0, -15.0, 0.0]
    assert curve[0]["time"] == "2025-01-06T14:30:00.000000Z"
    assert curve[1]["time"] == "2025-01-06T14:30:30.000000Z"
    json.dumps(curve, allow_nan=False)


def test_built_trades_order_by_exit_time_then_exit_sequence():
    # Account B's trade exits first in time; A's two trades share one exit instant.
    executions = fills(
        ("a1", "B", 1, 100.0, 0, 0.0, "A"),
        ("a2", "S", 1, 90.0, 50, 0.0, "A"),  # A loses 10 at 50 s
        ("b1", "B", 1, 100.0, 1, 0.0, "B"),
        ("b2", "S", 1, 130.0, 20, 0.0, "B"),  # B wins 30 at 20 s
        ("c1", "S", 1, 100.0, 2, 0.0, "C"),
        ("c2", "B", 1, 80.0, 50, 0.0, "C"),  # C wins 20 at 50 s, after a2 in the file
        ("d1", "B", 1, 100.0, 3, 0.0, "D"),  # still open
    )
    built = build_trades(executions, {}, "run")
    stats = compute_statistics(built)
    assert stats["total_trades"] == 3 and stats["open_trades"] == 1
    # Exit order B(+30), A(-10), C(+20): no consecutive winners beyond 1.
    assert stats["max_consecutive_winners"] == 1
    assert stats["max_drawdown"] == -10.0
    assert [p["equity"] for p in compute_equity_curve(built)] == [0.0, 30.0, 20.0, 40.0]


def test_long_equity_curve_keeps_its_envelope():
    rng = np.random.default_rng(3)
    pnl = rng.normal(0, 10, 50_000).round(2).tolist()
    trades = closed_trades(pnl)
    full = compute_equity_curve(trades)
    short = compute_equity_curve(trades, max_points=1000)
    assert len(full) == 50_001 and 332 <= len(short) <= 1000
    assert short[0] == full[0] and short[-1] == full[-1]
    assert max(p["equity"] for p in short) == max(p["equity"] for p in full)
    assert min(p["equity"] for p in short) == min(p["equity"] for p in full)
    assert min(p["drawdown"] for p in short) == min(p["drawdown"] for p in full)
    assert [p["time"] for p in short] == sorted(p["time"] for p in short)
    assert all(p in full for p in short[:50])
    assert compute_equity_curve(closed_trades(PNL), max_points=1000) == compute_equity_curve(
        closed_trades(PNL)
    )
