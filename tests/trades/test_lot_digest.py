"""The digest of a trade's lots: equal lots, equal digest; any stored value of a lot, or
the lots' order within the trade, changes it; other trades' lots do not."""

from __future__ import annotations

import numpy as np
import pytest

from strategy_analysis.trades.columns import LotMatches
from strategy_analysis.trades.lot_digest import lot_digests


def _lots(**changes: object) -> LotMatches:
    columns: dict[str, np.ndarray] = {
        "trade_index": np.array([0, 0, 2], dtype=np.int64),
        "trade_id": np.array(["a", "a", "c"], dtype=object),
        "symbol": np.array(["ES", "ES", "ES"], dtype=object),
        "entry_execution_id": np.array(["e1", "e2", "e5"], dtype=object),
        "exit_execution_id": np.array(["x1", "x1", "x5"], dtype=object),
        "entry_time": np.array([1, 2, 5], dtype=np.int64),
        "exit_time": np.array([3, 3, 6], dtype=np.int64),
        "entry_price": np.array([100.0, 102.0, 99.0]),
        "exit_price": np.array([103.0, 103.0, 98.0]),
        "quantity": np.array([1.0, 1.0, 2.0]),
        "points": np.array([3.0, 1.0, -1.0]),
        "pnl_gross": np.array([150.0, 50.0, -100.0]),
    }
    for name, value in changes.items():
        column = columns[name].copy()
        column[1] = value
        columns[name] = column
    return LotMatches(**columns, run_id="R1")


def test_equal_lots_give_equal_digests_and_a_trade_without_lots_zero():
    digests = lot_digests(_lots(), 3)
    assert digests.dtype == np.int64
    assert np.array_equal(digests, lot_digests(_lots(), 3))
    assert digests[1] == 0 and digests[0] != 0 and digests[2] != 0
    assert digests[0] != digests[2]


@pytest.mark.parametrize(
    "name, value",
    [
        ("entry_execution_id", "e3"),
        ("exit_execution_id", "x2"),
        ("entry_time", 4),
        ("exit_time", 4),
        ("entry_price", 102.25),
        ("exit_price", 103.25),
        ("quantity", 2.0),
        ("points", 1.5),
        ("pnl_gross", 50.5),
    ],
)
def test_a_changed_value_changes_its_trades_digest_only(name, value):
    before = lot_digests(_lots(), 3)
    after = lot_digests(_lots(**{name: value}), 3)
    assert after[0] != before[0]
    assert after[2] == before[2]


def test_the_order_of_a_trades_lots_counts():
    lots = _lots()
    swapped = _lots(
        entry_execution_id="e1", entry_time=1, entry_price=100.0, points=3.0, pnl_gross=150.0
    )
    swapped.entry_execution_id[0], swapped.entry_time[0] = "e2", 2
    swapped.entry_price[0], swapped.points[0], swapped.pnl_gross[0] = 102.0, 1.0, 50.0
    assert lot_digests(swapped, 3)[0] != lot_digests(lots, 3)[0]
