"""Round histogram edges and the thinned scatter, on small hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from strategy_analysis.trades.chart_data import nice_histogram, nice_step, thin_scatter


@pytest.mark.parametrize(
    ("raw", "step"),
    [(35.38, 50.0), (0.3, 0.5), (1.0, 1.0), (2.1, 2.5), (7.0, 10.0), (0.012, 0.02), (250.0, 250.0)],
)
def test_nice_step(raw, step):
    assert nice_step(raw) == pytest.approx(step)


def test_histogram_edges_are_round_and_hold_every_value():
    edges, counts = nice_histogram(np.array([-103.7, 12.3, 250.1]), 10)
    # (250.1 + 103.7) / 10 = 35.38 -> width 50, from -150 to 300.
    assert edges.tolist() == [-150, -100, -50, 0, 50, 100, 150, 200, 250, 300]
    assert counts.tolist() == [1, 0, 0, 1, 0, 0, 0, 0, 1]


def test_histogram_value_on_the_last_edge_is_counted():
    edges, counts = nice_histogram(np.array([-1.0, 1.0]), 4)
    assert edges.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert counts.tolist() == [1, 0, 0, 1]


def test_histogram_of_one_value_is_one_bucket_around_it():
    edges, counts = nice_histogram(np.array([5.0, 5.0]), 30)
    assert edges.tolist() == [5.0, 5.5] and counts.tolist() == [2]


def test_histogram_edges_without_float_noise():
    edges, _ = nice_histogram(np.array([0.1, 0.7]), 6)
    assert edges.tolist() == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]


def test_small_scatter_is_kept_whole():
    x = np.array([3.0, 1.0, 2.0])
    assert thin_scatter(x, x, 10).tolist() == [0, 1, 2]


def test_thinned_scatter_keeps_one_point_per_cell_and_the_extremes():
    # A dense clump near the origin and four outliers: the clump collapses, the outliers stay.
    rng = np.random.default_rng(3)
    clump_x = rng.uniform(0, 0.001, 5000)
    clump_y = rng.uniform(0, 0.001, 5000)
    x = np.concatenate([clump_x, [10.0, -10.0, 0.0, 0.0]])
    y = np.concatenate([clump_y, [0.0, 0.0, 10.0, -10.0]])
    kept = thin_scatter(x, y, 50)
    assert len(kept) <= 50
    assert set(range(5000, 5004)) <= set(kept.tolist())
    assert kept.tolist() == sorted(set(kept.tolist()))


def test_thinned_scatter_fills_its_budget_when_points_spread():
    rng = np.random.default_rng(1)
    x = np.abs(rng.normal(size=50_000))
    y = rng.standard_t(3, size=50_000)
    kept = thin_scatter(x, y, 2000)
    assert 1500 <= len(kept) <= 2000
    for extreme in (x.argmin(), x.argmax(), y.argmin(), y.argmax()):
        assert extreme in kept
