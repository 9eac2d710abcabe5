"""Statistics by direction and group, and the risk and time set, by hand (analytics.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trades.analysis_factories import DAY, analysis_trades, day

from strategy_analysis.trades.statistics import STATISTIC_NAMES, compute_statistics
from strategy_analysis.trades.statistics_sets import (
    RISK_STATISTIC_NAMES,
    AnalysisTrades,
    risk_statistics,
    subset_statistics,
)

# Exit order 1..4; cum 100, 50, 20, 100; months Jan 50, Feb -30, Mar 80 (2024, leap year).
ROWS = [
    dict(entry=day(0), exit=day(1), pnl=100.0, side="LONG", symbol="ES", account="A1",
         entry_efficiency=0.5, exit_efficiency=0.25, total_efficiency=0.75),
    dict(entry=day(2), exit=day(3), pnl=-50.0, side="SHORT", symbol="NQ", account="A1",
         entry_efficiency=0.1),
    dict(entry=day(31), exit=day(33), pnl=-30.0, side="LONG", symbol="ES", account="A2"),
    dict(entry=day(69), exit=day(70), pnl=80.0, side="SHORT", symbol="ES", account="A2",
         entry_efficiency=0.3, exit_efficiency=0.75, total_efficiency=0.25),
    dict(entry=day(71), exit=None, pnl=None, side="LONG", symbol="ES", account="A1"),
]  # fmt: skip


def test_risk_set_by_hand():
    stats = subset_statistics(analysis_trades(ROWS))
    assert set(stats) == set(STATISTIC_NAMES) | set(RISK_STATISTIC_NAMES)
    span = 70.0  # last exit (day 70) - first entry (day 0)
    ppm = 100.0 * 30.5 / span
    months = [50.0, -30.0, 80.0]
    mean = sum(months) / 3
    monthly_std = math.sqrt(sum((m - mean) ** 2 for m in months) / 2)
    cum = [100.0, 50.0, 20.0, 100.0]
    i_mean, c_mean = 2.5, sum(cum) / 4
    sxy = sum((i + 1 - i_mean) * (c - c_mean) for i, c in enumerate(cum))
    sxx = sum((i + 1 - i_mean) ** 2 for i in range(4))
    syy = sum((c - c_mean) ** 2 for c in cum)
    pnl = [100.0, -50.0, -30.0, 80.0]
    pnl_std = math.sqrt(sum((p - 25.0) ** 2 for p in pnl) / 3)
    expected = {
        "total_trades": 4,
        "open_trades": 1,
        "net_profit": 100.0,
        "profit_per_month": ppm,
        "monthly_std": monthly_std,
        "sharpe_ratio": ppm / monthly_std,
        "sortino_ratio": ppm / math.sqrt(30.0**2 / 3),
        "ulcer_index": math.sqrt((50.0**2 + 80.0**2) / 4),
        "r_squared": sxy * sxy / (sxx * syy),
        "sqn": 2.0 * 25.0 / pnl_std,
        "max_runup": 100.0,
        # the peak at the first exit (day 1) is reached again at the fourth (day 70)
        "max_time_to_recover_seconds": 69.0 * DAY,
        # gaps between [0,1], [2,3], [31,33], [69,70]: 1, 28 and 36 days
        "longest_flat_seconds": 36.0 * DAY,
        "time_in_market_percent": 100.0 * 5.0 / 70.0,
        "avg_trades_per_day": 4 / 70.0,
        "avg_entry_efficiency": (0.5 + 0.1 + 0.3) / 3,
        "avg_exit_efficiency": 0.5,
        "avg_total_efficiency": 0.5,
    }
    assert stats["reconciliation"] is None
    for name, value in expected.items():
        assert stats[name] == pytest.approx(value, rel=1e-12), name


def test_long_short_symbol_and_account_subsets_by_hand():
    trades = analysis_trades(ROWS)
    long_ = subset_statistics(trades, side="long")
    short = subset_statistics(trades, side="SHORT")
    assert (long_["total_trades"], long_["net_profit"], long_["open_trades"]) == (2, 70.0, 1)
    assert (short["total_trades"], short["net_profit"], short["open_trades"]) == (2, 30.0, 0)
    nq = subset_statistics(trades, symbol="NQ")
    assert (nq["total_trades"], nq["net_profit"], nq["losing_trades"]) == (1, -50.0, 1)
    a2 = subset_statistics(trades, account="A2")
    assert (a2["total_trades"], a2["net_profit"]) == (2, 50.0)
    # one trade exits in February, one in March: two months, -30 and 80
    assert a2["monthly_std"] == pytest.approx(math.sqrt(2 * 55.0**2))
    es_short_a2 = subset_statistics(trades, side="short", symbol="ES", account="A2")
    assert (es_short_a2["total_trades"], es_short_a2["net_profit"]) == (1, 80.0)
    nobody = subset_statistics(trades, symbol="CL")
    assert nobody["total_trades"] == 0
    assert all(nobody[name] is None for name in ("profit_per_month", "sharpe_ratio", "sqn",
                                                 "ulcer_index", "longest_flat_seconds"))  # fmt: skip
    assert nobody["max_runup"] == 0.0 and nobody["max_time_to_recover_seconds"] == 0.0


def test_small_cases_leave_out_what_does_not_exist():
    # one trade: one month, no std, no R², no SQN; a span under a day counts as one day
    one = subset_statistics(analysis_trades([dict(entry=day(0), exit=day(0.25), pnl=10.0)]))
    assert one["profit_per_month"] == pytest.approx(10.0 * 30.5)
    assert one["avg_trades_per_day"] == 1.0
    assert one["monthly_std"] is one["sharpe_ratio"] is one["sortino_ratio"] is None
    assert one["r_squared"] is one["sqn"] is None
    assert one["time_in_market_percent"] == 100.0
    assert one["longest_flat_seconds"] == 0.0
    # no losing month: Sortino has no downside and is null; a flat equity: R² is null
    rows = [dict(entry=day(31 * k), exit=day(31 * k + 1), pnl=5.0 * (k + 1)) for k in range(3)]
    winners = subset_statistics(analysis_trades(rows))
    assert winners["sortino_ratio"] is None and winners["sharpe_ratio"] is not None
    flat = [dict(entry=day(k), exit=day(k + 0.5), pnl=0.0) for k in range(3)]
    assert subset_statistics(analysis_trades(flat))["r_squared"] is None


def test_time_to_recover_runs_to_the_last_exit_when_never_recovered():
    rows = [
        dict(entry=day(0), exit=day(1), pnl=10.0),
        dict(entry=day(2), exit=day(5), pnl=-4.0),
        dict(entry=day(6), exit=day(9), pnl=3.0),
    ]
    stats = risk_statistics(analysis_trades(rows).closed_in_order())
    assert stats["max_time_to_recover_seconds"] == 8.0 * DAY  # day 1 to day 9
    assert stats["max_runup"] == 10.0
    # never below the maximum: 0
    up = [dict(entry=day(k), exit=day(k + 1), pnl=1.0) for k in range(3)]
    assert (
        risk_statistics(analysis_trades(up).closed_in_order())["max_time_to_recover_seconds"] == 0
    )


def test_overlapping_trades_merge_for_flat_time_and_time_in_market():
    rows = [
        dict(entry=day(0), exit=day(4), pnl=1.0),
        dict(entry=day(1), exit=day(2), pnl=1.0),  # inside the first
        dict(entry=day(6), exit=day(8), pnl=1.0),
        dict(entry=day(7), exit=day(10), pnl=1.0),
    ]
    stats = risk_statistics(analysis_trades(rows).closed_in_order())
    assert stats["longest_flat_seconds"] == 2.0 * DAY
    assert stats["time_in_market_percent"] == pytest.approx(80.0)


def test_months_are_utc_calendar_months_with_empty_ones():
    rows = [
        dict(entry=day(0), exit=day(1), pnl=10.0),  # January
        dict(entry=day(70), exit=day(92), pnl=-10.0),  # 2 April (Feb and Mar empty)
    ]
    stats = subset_statistics(analysis_trades(rows))
    # months 10, 0, 0, -10
    assert stats["monthly_std"] == pytest.approx(math.sqrt(200.0 / 3))
    assert stats["sortino_ratio"] == pytest.approx(0.0)  # net 0 over a downside of sqrt(25)


trade_rows = st.lists(
    st.tuples(
        st.integers(0, 400),  # entry, hours
        st.integers(0, 100),  # duration, hours
        st.sampled_from([-20.0, -7.5, 0.0, 3.25, 12.0, 40.0]),
        st.sampled_from(["LONG", "SHORT"]),
        st.sampled_from(["ES", "NQ"]),
        st.booleans(),  # closed
    ),
    max_size=40,
)


def _from_tuples(rows) -> AnalysisTrades:
    return analysis_trades(
        [
            dict(entry=day(e / 24), exit=day((e + d) / 24) if closed else None, pnl=p,
                 side=side, symbol=symbol, sequence=k)
            for k, (e, d, p, side, symbol, closed) in enumerate(rows)
        ]
    )  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(trade_rows)
def test_long_and_short_add_up_to_all_and_all_is_todays_statistics(rows):
    trades = _from_tuples(rows)
    all_ = subset_statistics(trades)
    long_ = subset_statistics(trades, side="LONG")
    short = subset_statistics(trades, side="SHORT")
    for name in ("total_trades", "winning_trades", "losing_trades", "even_trades", "open_trades"):
        assert long_[name] + short[name] == all_[name], name
    assert long_["net_profit"] + short["net_profit"] == pytest.approx(all_["net_profit"])
    # kept in the statistics' order (as the server keeps a run), every subset answers alike
    ordered = trades.in_statistics_order()
    for subset in ({}, {"side": "LONG"}, {"symbol": "NQ"}, {"side": "SHORT", "symbol": "ES"}):
        assert subset_statistics(ordered, **subset) == subset_statistics(trades, **subset)
    today = compute_statistics(trades)
    assert {k: all_[k] for k in STATISTIC_NAMES} == today
    by_symbol = [subset_statistics(trades, symbol=s) for s in ("ES", "NQ")]
    assert sum(s["total_trades"] for s in by_symbol) == all_["total_trades"]
    assert sum(s["net_profit"] for s in by_symbol) == pytest.approx(all_["net_profit"])
    if all_["total_trades"]:
        in_market = all_["time_in_market_percent"]  # null when every trade is one instant
        assert in_market is None or 0.0 <= in_market <= 100.0 + 1e-9
        assert all_["max_runup"] >= 0.0 and all_["ulcer_index"] >= 0.0
        assert np.isfinite(all_["profit_per_month"])
