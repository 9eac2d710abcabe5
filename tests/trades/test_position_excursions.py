"""Position excursions (mae/mfe in currency), efficiencies and signal names, by hand
(analytics.md "Excursions (from bars)" and "Signal names")."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trades.trade_factories import bars, fills

from strategy_analysis.trades.builder import build_trades
from strategy_analysis.trades.excursions import compute_excursions
from strategy_analysis.trades.position_path import segmented_cumsum


def built_with_excursions(executions, bar_rows, point_values):
    built = build_trades(executions, point_values, "run-1")
    compute_excursions(built, {"ES": bars(*bar_rows)} if bar_rows else {}).assign_to(built)
    return built


def test_the_contracts_example_holds_both_lots_at_the_worst_bar():
    """Buy 1 @100, add 1 @110, sell 2 @105; bars [100..104] then [101..112]: mae = 8
    (at 101 holding both lots: +1 - 9), not the price excursion times the quantity."""
    built = built_with_excursions(
        fills(("a", "B", 1, 100.0, 0), ("b", "B", 1, 110.0, 60), ("c", "S", 2, 105.0, 120)),
        [("1m", 0, 104.0, 100.0), ("1m", 60, 112.0, 101.0), ("1m", 120, 130.0, 80.0)],
        {"ES": 1.0},
    )
    (t,) = built.to_records()
    assert t["mae"] == 8.0
    assert t["mae_points"] * t["quantity"] == 10.0  # what mae was before
    assert t["mfe"] == 14.0  # at 112 holding both: +12 + 2
    assert t["etd"] == 14.0 - t["pnl_gross"]


# ES, point value 50: 128 contracts entered over time, never more than 38 held.
SCALED_FILLS = (
    ("e1", "B", 38, 5000.0, 0),
    ("x1", "S", 30, 5002.0, 60),
    ("e2", "B", 30, 4998.0, 120),
    ("x2", "S", 30, 5003.0, 180),
    ("e3", "B", 30, 4999.0, 240),
    ("x3", "S", 30, 5004.0, 300),
    ("e4", "B", 30, 5000.0, 360),
    ("x4", "S", 38, 5005.0, 420),
)
SCALED_BARS = (
    ("1m", 0, 5004.0, 4990.0),
    ("1m", 60, 5003.0, 4996.0),
    ("1m", 120, 5004.0, 4995.0),
    ("1m", 180, 5004.0, 4997.0),
    ("1m", 240, 5005.0, 4996.0),
    ("1m", 300, 5005.0, 4998.0),
    ("1m", 360, 5006.0, 4990.0),
    ("1m", 420, 5010.0, 5000.0),  # starts at the exit: not part of the trade
)


def test_a_scaled_futures_trade_is_measured_on_the_contracts_held():
    (t,) = built_with_excursions(fills(*SCALED_FILLS), SCALED_BARS, {"ES": 50.0}).to_records()
    assert t["quantity"] == 128.0
    assert t["pnl_gross"] == 27_500.0
    # Worst: 38 held from 5000 down to 4990. Best: 8 held with +400 realised... then 38
    # held from an average that makes 5006 worth 588 points: 29,400.
    assert t["mae"] == 19_000.0
    assert t["mfe"] == 29_400.0
    assert t["etd"] == 1_900.0
    # Price excursions from the average entry 4999.296875; times 128 x 50 they would read
    # 59,500 and 42,900 (the numbers that were shown before).
    assert t["mae_points"] == 9.296875
    assert t["mfe_points"] == 6.703125
    assert t["mae"] <= 38 * (5000.0 - 4990.0) * 50
    # Efficiencies over H - L = 5006 - 4990 = 16.
    assert t["entry_efficiency"] == 6.703125 / 16
    assert t["exit_efficiency"] == (5003.59375 - 4990.0) / 16
    assert t["total_efficiency"] == (5003.59375 - 4999.296875) / 16


def test_a_short_scaled_trade_mirrors_it():
    mirrored = tuple(
        (eid, "S" if side == "B" else "B", qty, 10_000.0 - price, s)
        for eid, side, qty, price, s in SCALED_FILLS
    )
    mirrored_bars = tuple((tf, s, 10_000.0 - lo, 10_000.0 - hi) for tf, s, hi, lo in SCALED_BARS)
    (t,) = built_with_excursions(fills(*mirrored), mirrored_bars, {"ES": 50.0}).to_records()
    assert t["side"] == "SHORT"
    assert (t["pnl_gross"], t["mae"], t["mfe"]) == (27_500.0, 19_000.0, 29_400.0)
    assert (t["mae_points"], t["mfe_points"]) == (9.296875, 6.703125)
    assert t["entry_efficiency"] == 6.703125 / 16
    assert t["total_efficiency"] == (5003.59375 - 4999.296875) / 16


def test_realised_pnl_counts_in_the_running_pnl():
    # Long 2 @100; sell 1 @110 (+10 realised); the market falls to 95 holding 1: -5 + 10.
    (t,) = built_with_excursions(
        fills(("a", "B", 2, 100.0, 0), ("b", "S", 1, 110.0, 60), ("c", "S", 1, 100.0, 120)),
        [("1m", 0, 110.0, 100.0), ("1m", 60, 111.0, 95.0)],
        {"ES": 1.0},
    ).to_records()
    assert t["mae"] == 0.0  # never below flat: +10 - 5 = +5 at worst after the exit
    assert t["mfe"] == 21.0  # at 110 holding 2 (+20), at 111 holding 1 after +10
    assert t["mae_points"] == 5.0


def test_fills_at_one_instant_use_the_price_excursion():
    (t,) = built_with_excursions(
        fills(("a", "B", 2, 100.0, 30), ("b", "S", 2, 101.0, 30)),
        [("1m", 0, 103.0, 99.0)],
        {"ES": 50.0},
    ).to_records()
    assert (t["mfe"], t["mae"]) == (3.0 * 2 * 50, 1.0 * 2 * 50)


def test_efficiency_is_null_without_a_range_or_bars_and_for_open_trades():
    flat_bar = [("1m", 0, 100.0, 100.0)]
    (flat,) = built_with_excursions(
        fills(("a", "B", 1, 100.0, 10), ("b", "S", 1, 100.0, 20)), flat_bar, {}
    ).to_records()
    assert flat["mfe_points"] == 0.0
    assert flat["entry_efficiency"] is None and flat["total_efficiency"] is None
    (no_bars,) = built_with_excursions(
        fills(("a", "B", 1, 100.0, 10), ("b", "S", 1, 101.0, 20)), [], {}
    ).to_records()
    assert no_bars["exit_efficiency"] is None and no_bars["mae"] is None
    (open_,) = built_with_excursions(
        fills(("a", "B", 1, 100.0, 10)), [("1m", 0, 103.0, 99.0)], {}
    ).to_records()
    assert open_["entry_efficiency"] is None and open_["mfe"] is None


def test_signals_name_the_first_entry_and_last_exit_fills_orders():
    executions = fills(
        ("a", "B", 1, 100.0, 0),
        ("b", "B", 1, 101.0, 10),
        ("c", "S", 3, 102.0, 20),  # closes the long, opens a short of 1
        ("d", "B", 1, 99.0, 30),
        ("e", "S", 1, 98.0, 40),  # an open short: no exit signal
    )
    executions.signal = np.array(["Long", "Add", "Reverse", None, "Late"], dtype=object)
    built = build_trades(executions, {}, "run-1")
    got = [(t["side"], t["entry_signal"], t["exit_signal"]) for t in built.to_records()]
    assert got == [("LONG", "Long", "Reverse"), ("SHORT", "Reverse", None), ("SHORT", "Late", None)]


def test_segmented_sums_depend_on_their_own_segment_alone():
    rng = np.random.default_rng(3)
    lengths = rng.integers(1, 70, 300)
    values = rng.normal(0, 1, int(lengths.sum())) * 1e4 + 0.1
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    got = segmented_cumsum(values, starts)
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        part = values[start : start + length]
        assert got[start : start + length].tobytes() == np.cumsum(part).tobytes()


# -- a plain loop over FIFO lots, written independently of position_path.py --------------

fill_rows = st.lists(
    st.tuples(
        st.sampled_from("BS"),
        st.integers(1, 4),
        st.integers(0, 40).map(lambda ticks: 100.0 + ticks * 0.1),
        st.sampled_from([0, 0, 20, 45, 90]),  # seconds after the previous fill
    ),
    min_size=1,
    max_size=30,
)
bar_rows = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 15)), min_size=40, max_size=40
).map(
    lambda rows: [
        ("1m", 60 * k, 100.0 + (low + spread) * 0.1, 100.0 + low * 0.1)
        for k, (low, spread) in enumerate(rows)
    ]
)


def reference_position_excursions(rows, bar_list, pv):
    """{first fill index: (mae, mfe)} of the closed trades, from a lot-by-lot replay."""
    result = {}
    lots, direction, realised, first, states, clock = [], 0, 0.0, None, [], 0
    for i, (side, qty, price, step) in enumerate(rows):
        clock += step
        sign = 1 if side == "B" else -1
        remaining = qty
        while remaining and lots and sign != direction:
            lot_qty, lot_price = lots[0]
            take = min(lot_qty, remaining)
            realised += (price - lot_price) * take * pv * direction
            remaining -= take
            lots[0] = (lot_qty - take, lot_price)
            if lots[0][0] == 0:
                lots.pop(0)
            if not lots:
                states.append((clock, realised, []))
                result[first] = _extremes(states, bar_list, direction, pv)
                direction, realised, states = 0, 0.0, []
        if remaining:
            if not lots:
                direction, first = sign, i
            lots.append((remaining, price))
        if lots:
            states.append((clock, realised, list(lots)))
    return result


def _extremes(states, bar_list, direction, pv):
    after = {}
    for moment, realised, lots in states:
        after[moment] = (realised, lots)
    instants = sorted(after)
    if len(instants) == 1:
        return None  # one instant: the price rule, covered by the tests above
    running = []
    for start, end in zip(instants, instants[1:], strict=False):
        realised, lots = after[start]
        for bar_start, high, low in ((b[1], b[2], b[3]) for b in bar_list):
            if bar_start < end and bar_start + 60 > start:
                for price in (high, low):
                    open_pnl = sum((price - lp) * q for q, lp in lots) * direction * pv
                    running.append(realised + open_pnl)
    if not running:
        return (None, None)
    return (max(-min(running), 0.0), max(max(running), 0.0))


@settings(max_examples=300, deadline=None)
@given(fill_rows, bar_rows)
def test_position_excursions_match_a_lot_by_lot_replay(rows, bar_list):
    executions = fills(*((f"f{i}", s, q, p, 0) for i, (s, q, p, _) in enumerate(rows)))
    executions.exec_time = executions.exec_time + np.cumsum([r[3] for r in rows]) * 1_000_000
    built = built_with_excursions(executions, bar_list, {"ES": 50.0})
    expected = reference_position_excursions(rows, bar_list, 50.0)
    firsts = [int(f[1:]) for f in built.first_execution_id.tolist()]
    for k, first in enumerate(firsts):
        if first not in expected or expected[first] is None:
            continue
        mae, mfe = expected[first]
        if mae is None:
            assert np.isnan(built.mae[k]) and np.isnan(built.mfe[k])
        else:
            assert built.mae[k] == pytest.approx(mae, abs=1e-6)
            assert built.mfe[k] == pytest.approx(mfe, abs=1e-6)
