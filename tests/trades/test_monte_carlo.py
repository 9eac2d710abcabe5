"""Monte Carlo: the contract's draws, hand-computed outcomes, reproducible by seed."""

from __future__ import annotations

import numpy as np
import pytest

from strategy_analysis.trades import monte_carlo as mc


def naive(pnl: list[float], simulations: int, seed: int) -> dict:
    """analytics.md read literally: one index matrix, one row per run, a loop per trade."""
    n = len(pnl)
    idx = np.random.default_rng(seed).integers(0, n, size=(simulations, n))
    nets, drawdowns = [], []
    for row in idx:
        equity, peak, worst = 0.0, 0.0, 0.0
        for k in row:
            equity += pnl[k]
            peak = max(peak, equity)
            worst = min(worst, equity - peak)
        nets.append(equity)
        drawdowns.append(worst)
    return {
        "net_profit": np.percentile(nets, [5, 25, 50, 75, 95]).tolist(),
        "max_drawdown": np.percentile(drawdowns, [5, 25, 50, 75, 95]).tolist(),
        "probability_of_profit": sum(v > 0 for v in nets) / simulations,
    }


@pytest.mark.parametrize("block", [1, 7, 10_000])
def test_blocks_of_rows_give_the_contracts_draws(block):
    pnl = [12.5, -4.0, 0.0, 30.0, -22.25, 7.0, -1.5]
    got = mc.monte_carlo(np.array(pnl), simulations=53, seed=9, block_elements=block)
    want = naive(pnl, 53, 9)
    assert [got["net_profit"][f"p{p}"] for p in (5, 25, 50, 75, 95)] == pytest.approx(
        want["net_profit"], abs=1e-9
    )
    assert [got["max_drawdown"][f"p{p}"] for p in (5, 25, 50, 75, 95)] == pytest.approx(
        want["max_drawdown"], abs=1e-9
    )
    assert got["probability_of_profit"] == want["probability_of_profit"]
    assert (got["simulations"], got["seed"], got["trades"]) == (53, 9, 7)


def test_two_trades_by_hand():
    # every run is one of: +10+10 (net 20, dd 0), +10-10 (0, -10), -10+10 (0, -10),
    # -10-10 (-20, -20)
    result = mc.monte_carlo(np.array([10.0, -10.0]), simulations=400, seed=3)
    idx = np.random.default_rng(3).integers(0, 2, size=(400, 2))
    wins = idx == 0
    both, none = (wins.all(axis=1)).sum(), (~wins).all(axis=1).sum()
    assert result["probability_of_profit"] == both / 400
    nets = np.where(wins.all(axis=1), 20.0, np.where((~wins).all(axis=1), -20.0, 0.0))
    assert result["net_profit"]["p50"] == float(np.percentile(nets, 50))
    assert 0 < both < 400 and 0 < none < 400
    assert result["max_drawdown"]["p95"] == 0.0 and result["max_drawdown"]["p5"] == -20.0
    one = mc.monte_carlo(np.array([5.0]), simulations=10, seed=1)
    assert one["net_profit"] == dict.fromkeys(("p5", "p25", "p50", "p75", "p95"), 5.0)
    assert one["max_drawdown"]["p5"] == 0.0 and one["probability_of_profit"] == 1.0


def test_reproducible_by_seed_and_empty_without_trades():
    pnl = np.random.default_rng(0).normal(size=500)
    first = mc.monte_carlo(pnl, simulations=200, seed=42)
    assert mc.monte_carlo(pnl, simulations=200, seed=42, workers=1) == first
    assert mc.monte_carlo(pnl, simulations=200, seed=43) != first
    empty = mc.monte_carlo(np.array([]), simulations=10, seed=1)
    assert empty["net_profit"] is None and empty["probability_of_profit"] is None
