"""The C walk of the Monte Carlo gives numpy's figures to the bit, and numpy's path is
taken where the C one would differ (a value that is not finite)."""

from __future__ import annotations

import numpy as np
import pytest

from strategy_analysis.trades import monte_carlo as mc

needs_walk = pytest.mark.skipif(mc._resample_walk is None, reason="C walk not built")


@needs_walk
@pytest.mark.parametrize("index_type", [np.int32, np.int64])
def test_walk_equals_numpys_passes_bit_for_bit(index_type):
    rng = np.random.default_rng(4)
    pnl = np.round(rng.normal(0.3, 40.0, 997), 2)
    idx = rng.integers(0, len(pnl), size=(31, len(pnl)), dtype=index_type)
    net, drawdown = mc._walk_block(pnl, idx)
    want_net, want_drawdown = mc._simulate_block(pnl, idx)
    assert net.tobytes() == want_net.tobytes()
    assert (drawdown + 0.0).tobytes() == (want_drawdown + 0.0).tobytes()


@needs_walk
def test_walk_by_hand():
    # rows: +10 -30 +5 (net -15, dd -30); +5 +10 -30 (net -15, dd -30 below the peak 15)
    pnl = np.array([10.0, -30.0, 5.0])
    idx = np.array([[0, 1, 2], [2, 0, 1]], dtype=np.int32)
    net, drawdown = mc._walk_block(pnl, idx)
    assert net.tolist() == [-15.0, -15.0]
    assert drawdown.tolist() == [-30.0, -30.0]


@needs_walk
def test_walk_refuses_an_index_outside_the_values():
    with pytest.raises(IndexError):
        mc._walk_block(np.array([1.0, 2.0]), np.array([[0, 2]], dtype=np.int64))


def test_a_value_not_finite_takes_numpys_path(monkeypatch):
    called = []

    def walk_block(pnl, idx):
        called.append(len(idx))
        return mc._simulate_block(pnl, idx)

    monkeypatch.setattr(mc, "_walk_block", walk_block)
    with_nan = mc.monte_carlo(np.array([1.0, np.nan, -2.0]), simulations=20, seed=2)
    assert called == []
    assert with_nan["trades"] == 3
    mc.monte_carlo(np.array([1.0, -2.0]), simulations=20, seed=2)
    assert called == ([20] if mc._resample_walk is not None else [])
