"""MAE / MFE / ETD from bars, against hand-computed values (analytics.md)."""

from __future__ import annotations

import numpy as np
import pytest
from trades.trade_factories import at, bars, fills

from strategy_analysis.trades.builder import build_trades
from strategy_analysis.trades.excursions import (
    bar_ends,
    compute_excursions,
    finest_bars,
)
from strategy_analysis.trades.timeframes import finest_timeframe, timeframe_seconds

MINUTE_BARS = (
    # The bar that ends at the entry instant does not overlap [entry, exit).
    ("1m", 0, 110.0, 90.0),
    ("1m", 60, 103.0, 99.5),
    ("1m", 120, 104.0, 98.0),
    # Starts at the exit instant: the exit filled at its open, it does not count.
    ("1m", 180, 120.0, 80.0),
    # A coarser timeframe that must be ignored.
    ("5m", 0, 130.0, 70.0),
)


def excursions_of(executions, bar_rows, point_values=None):
    built = build_trades(executions, point_values or {"ES": 50.0}, "run-1")
    result = compute_excursions(built, {"ES": bars(*bar_rows)} if bar_rows else {})
    result.assign_to(built)
    return built.to_records()


def test_long_uses_finest_bars_overlapping_the_trade():
    (t,) = excursions_of(fills(("e", "B", 2, 100.0, 60), ("x", "S", 2, 102.0, 180)), MINUTE_BARS)
    assert (t["mfe_points"], t["mae_points"]) == (4.0, 2.0)  # 104 - 100, 100 - 98
    assert (t["mfe"], t["mae"]) == (400.0, 200.0)  # x 2 contracts x 50
    assert t["pnl_gross"] == 200.0
    assert t["etd"] == 200.0  # mfe - pnl_gross


def test_short_mirrors_long():
    (t,) = excursions_of(fills(("e", "S", 1, 100.0, 60), ("x", "B", 1, 101.0, 180)), MINUTE_BARS)
    assert (t["mfe_points"], t["mae_points"]) == (2.0, 4.0)  # 100 - 98, 104 - 100
    assert (t["mfe"], t["mae"]) == (100.0, 200.0)
    assert t["etd"] == 100.0 - (-50.0)


def test_entry_and_exit_in_one_instant_use_the_containing_bar():
    (inside,) = excursions_of(
        fills(("e", "B", 1, 100.0, 90), ("x", "S", 1, 100.0, 90)), MINUTE_BARS
    )
    assert (inside["mfe_points"], inside["mae_points"]) == (3.0, 0.5)
    (boundary,) = excursions_of(
        fills(("e", "B", 1, 100.0, 120), ("x", "S", 1, 100.0, 120)), MINUTE_BARS
    )
    assert (boundary["mfe_points"], boundary["mae_points"]) == (4.0, 2.0)


def test_excursions_are_floored_at_zero():
    (t,) = excursions_of(
        fills(("e", "B", 1, 150.0, 60), ("x", "S", 1, 150.0, 120)), [("1m", 60, 103.0, 99.5)]
    )
    assert t["mfe_points"] == 0.0
    assert t["mae_points"] == 50.5


def test_no_bars_give_null_not_zero():
    (t,) = excursions_of(fills(("e", "B", 1, 100.0, 60), ("x", "S", 1, 101.0, 120)), [])
    assert t["mae"] is None and t["mfe"] is None and t["etd"] is None
    assert t["mae_points"] is None and t["mfe_points"] is None
    # Bars exist, but none overlaps the trade.
    (far,) = excursions_of(
        fills(("e", "B", 1, 100.0, 6000), ("x", "S", 1, 101.0, 6060)), MINUTE_BARS[:4]
    )
    assert far["mfe"] is None


def test_open_trade_has_no_excursions():
    (t,) = excursions_of(fills(("e", "B", 1, 100.0, 60)), MINUTE_BARS)
    assert t["status"] == "OPEN" and t["mfe"] is None and t["mae"] is None


def test_bar_end_from_end_time_when_the_timeframe_names_no_length():
    tick_bars = [
        ("Tick 500", 0, 101.0, 99.0, 10),
        ("Tick 500", 10, 105.0, 100.0, 70),
        ("Tick 500", 70, 107.0, 95.0, 80),
    ]
    (t,) = excursions_of(fills(("e", "B", 1, 100.0, 30), ("x", "S", 1, 101.0, 60)), tick_bars)
    assert (t["mfe_points"], t["mae_points"]) == (5.0, 0.0)


def test_bar_end_is_next_start_without_end_or_length():
    range_bars = [
        ("Range 4", 0, 101.0, 99.0),
        ("Range 4", 40, 104.0, 97.0),
        ("Range 4", 90, 200.0, 1.0),
    ]
    (t,) = excursions_of(fills(("e", "B", 1, 100.0, 50), ("x", "S", 1, 101.0, 60)), range_bars)
    assert (t["mfe_points"], t["mae_points"]) == (4.0, 3.0)


def test_finest_timeframe_of_two():
    two = bars(
        ("Minute 1", 0, 10.0, 9.0),
        ("Second 30", 0, 9.5, 9.2),
        ("Second 30", 30, 9.8, 9.1),
        ("Minute 1", 60, 11.0, 8.0),
    )
    name, chosen = finest_bars(two)
    assert name == "Second 30"
    assert chosen.start_time.tolist() == [at(0), at(30)]
    assert bar_ends(name, chosen).tolist() == [at(30), at(60)]


@pytest.mark.parametrize(
    ("name", "seconds"),
    [
        ("1m", 60),
        ("5m", 300),
        ("1h", 3600),
        ("4h", 14400),
        ("1d", 86400),
        ("30s", 30),
        ("15min", 900),
        ("Minute 5", 300),
        ("Second 30", 30),
        ("Day 1", 86400),
        ("Week 1", 604800),
        ("5 Minute", 300),
        ("M5", 300),
        ("H1", 3600),
        ("Tick 500", None),
        ("Range 4", None),
        ("Volume 1000", None),
        ("Month 1", None),
        ("", None),
    ],
)
def test_timeframe_seconds(name, seconds):
    assert timeframe_seconds(name) == seconds


def test_finest_timeframe_prefers_known_lengths():
    assert finest_timeframe({"5m": 300.0, "1m": 60.0, "Tick 500": None}) == "1m"
    assert finest_timeframe({"Tick 500": None}) == "Tick 500"
    assert finest_timeframe({}) is None


def test_many_trades_match_a_direct_computation():
    rng = np.random.default_rng(7)
    n_bars = 3000
    starts = np.arange(n_bars) * 60.0
    highs = 100 + rng.random(n_bars) * 10
    lows = 100 - rng.random(n_bars) * 10
    rows = []
    for i in range(400):
        entry = float(rng.integers(0, n_bars * 60 - 1))
        hold = float(rng.choice([0, 1, 59, 60, 600, 60 * 700]))
        side = "B" if i % 2 else "S"
        rows.append((f"e{i}", side, 1, 100.0, entry, 0.0, f"acct{i}"))
        rows.append((f"x{i}", "S" if side == "B" else "B", 1, 100.0, entry + hold, 0.0, f"acct{i}"))
    built = build_trades(fills(*rows), {}, "run")
    bar_rows = [("1m", s, h, lo) for s, h, lo in zip(starts, highs, lows, strict=True)]
    exc = compute_excursions(built, {"ES": bars(*bar_rows)})
    for k in range(len(built)):
        entry_s = (built.entry_time[k] - at(0)) / 1e6
        exit_s = max((built.exit_time[k] - at(0)) / 1e6, entry_s + 1e-6)
        inside = (starts < exit_s) & (starts + 60 > entry_s)
        high, low = highs[inside].max(), lows[inside].min()
        if built.direction[k] > 0:
            expected = (max(high - 100, 0), max(100 - low, 0))
        else:
            expected = (max(100 - low, 0), max(high - 100, 0))
        assert (exc.mfe_points[k], exc.mae_points[k]) == pytest.approx(expected)
