"""Monte Carlo of a run's closed trades (analytics.md, "Monte Carlo").

Each simulation draws total_trades pnl_net values with replacement, the indices being
``numpy.random.default_rng(seed).integers(0, n, size=(simulations, n))``. That matrix is
drawn a few rows at a time from the one generator (the same numbers, row after row, as
one call: a test holds it), so memory stays a few megabytes whatever the size, and each
block's sums and drawdowns run in a worker thread while the next block is drawn (numpy
and the C walk release the GIL in them).

The sums and drawdowns of a block are one pass per row in C (``_resample_walk.c``: the
same additions in the same order as ``cumsum``, so the same figures to the bit) when the
module is built and every value is finite; numpy's cumsum, running maximum and minimum
otherwise.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

try:
    from . import _resample_walk  # type: ignore[attr-defined]
except ImportError:  # built without a compiler: numpy's passes
    _resample_walk = None

DEFAULT_SIMULATIONS = 1000
DEFAULT_SEED = 1
MAX_SIMULATIONS = 10_000
PERCENTILES = (5, 25, 50, 75, 95)
# Indexes drawn at once (rows x trades): a block of 100k-trade rows stays within the
# processor's caches.
BLOCK_ELEMENTS = 400_000
_WORKERS = 2


def _simulate_block(pnl: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Net profit and max drawdown (<= 0, the start at 0 included) of each row."""
    equity = np.take(pnl, idx)
    np.cumsum(equity, axis=1, out=equity)
    peak = np.maximum.accumulate(equity, axis=1)
    np.maximum(peak, 0.0, out=peak)
    np.subtract(equity, peak, out=peak)
    return equity[:, -1].copy(), np.minimum(peak.min(axis=1), 0.0)


def _walk_block(pnl: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_simulate_block`` in one C pass per row (finite ``pnl`` only)."""
    net = np.empty(len(idx))
    drawdown = np.empty(len(idx))
    _resample_walk.walk(pnl, idx, idx.itemsize, net, drawdown)
    return net, drawdown


def _percentiles(values: np.ndarray) -> dict[str, float]:
    found = np.percentile(values, PERCENTILES)
    return {f"p{p}": float(v) + 0.0 for p, v in zip(PERCENTILES, found, strict=True)}


def monte_carlo(
    pnl_net: np.ndarray,
    simulations: int = DEFAULT_SIMULATIONS,
    seed: int = DEFAULT_SEED,
    workers: int = _WORKERS,
    block_elements: int = BLOCK_ELEMENTS,
) -> dict[str, Any]:
    """Percentiles of net profit and max drawdown over ``simulations`` resamplings of
    ``pnl_net`` (the closed trades in the statistics' order), and the probability of a
    profit. With no trade every figure is null. ``block_elements`` bounds the indexes drawn
    at once; the draws are the same whatever it is."""
    pnl = np.ascontiguousarray(pnl_net, dtype=np.float64)
    n = len(pnl)
    answer: dict[str, Any] = {"simulations": simulations, "seed": seed, "trades": n}
    if n == 0 or simulations <= 0:
        return {**answer, "net_profit": None, "max_drawdown": None,
                "probability_of_profit": None}  # fmt: skip
    rng = np.random.default_rng(seed)
    # Below 2**31 trades numpy draws the same numbers as int32 as it does as int64 (both
    # take 32-bit bounded draws from the stream), with half the memory traffic.
    index_type = np.int32 if n < 2**31 else np.int64
    rows = max(1, block_elements // n)
    simulate = (
        _walk_block
        if _resample_walk is not None and bool(np.isfinite(pnl).all())
        else _simulate_block
    )
    net = np.empty(simulations)
    drawdown = np.empty(simulations)
    pending: deque[tuple[int, Future]] = deque()

    def collect() -> None:
        start, future = pending.popleft()
        block_net, block_drawdown = future.result()
        net[start : start + len(block_net)] = block_net
        drawdown[start : start + len(block_net)] = block_drawdown

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for start in range(0, simulations, rows):
            count = min(rows, simulations - start)
            idx = rng.integers(0, n, size=(count, n), dtype=index_type)
            pending.append((start, pool.submit(simulate, pnl, idx)))
            while len(pending) > 2 * workers:
                collect()
        while pending:
            collect()
    return {
        **answer,
        "net_profit": _percentiles(net),
        "max_drawdown": _percentiles(drawdown),
        "probability_of_profit": float(np.count_nonzero(net > 0)) / simulations,
    }
