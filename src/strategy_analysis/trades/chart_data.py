"""Chart data computed on request: a histogram with round bucket edges, and a scatter
thinned to what a chart can show while keeping its extremes. Pure and vectorised."""

from __future__ import annotations

import math

import numpy as np

# Bucket widths are one of these times a power of ten.
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def nice_step(raw: float) -> float:
    """The smallest round width (1, 2, 2.5 or 5 times a power of ten) >= ``raw`` > 0."""
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in _NICE_STEPS if m * magnitude >= raw * (1 - 1e-12))


def _decimals(step: float) -> int:
    """Decimal places that write every multiple of ``step`` exactly (2.5 -> 1)."""
    return max(0, -math.floor(math.log10(step)) + 1)


def nice_histogram(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(edges, counts) over ``values`` with about ``bins`` buckets whose edges are round
    multiples of one width; every value falls in a bucket (the last one includes its upper
    edge). ``values`` must not be empty."""
    low, high = float(values.min()), float(values.max())
    if high > low:
        step = nice_step((high - low) / bins)
    else:  # one value: one bucket around it
        step = nice_step(abs(low) / 10 if low else 1.0)
    start = math.floor(low / step) * step
    count = max(1, math.ceil((high - start) / step - 1e-9))
    edges = np.round(start + step * np.arange(count + 1), _decimals(step))
    if edges[-1] < high:
        edges = np.append(edges, round(edges[-1] + step, _decimals(step)))
    counts, _ = np.histogram(values, bins=edges)
    return edges, counts


def _grid_cells(x: np.ndarray, y: np.ndarray, side: int) -> np.ndarray:
    """Each point's cell in a ``side`` x ``side`` grid over the points' extent."""

    def cell_of(values: np.ndarray) -> np.ndarray:
        low, high = values.min(), values.max()
        if not high > low:
            return np.zeros(len(values), dtype=np.int64)
        scaled = (values - low) / (high - low) * side
        return np.minimum(scaled.astype(np.int64), side - 1)

    return cell_of(x) * side + cell_of(y)


def thin_scatter(x: np.ndarray, y: np.ndarray, max_points: int) -> np.ndarray:
    """Ascending indices of at most ``max_points`` points (>= 5) that draw like all of them.

    The plot is cut into the finest square grid in which no more than about
    ``max_points`` cells hold points; each such cell keeps the point farthest from the
    data's centre (so the outline and the outliers stay), and the points with the smallest
    and largest x and y are always kept."""
    n = len(x)
    if n <= max_points:
        return np.arange(n)
    extremes = np.array([x.argmin(), x.argmax(), y.argmin(), y.argmax()])
    budget = max_points - len(extremes)
    side = max(1, math.isqrt(budget))
    cell = _grid_cells(x, y, side)
    # Points bunch up, leaving cells empty: a finer grid while the occupied cells fit.
    for _ in range(12):
        finer = int(side * 1.25) + 1
        cells = _grid_cells(x, y, finer)
        if np.count_nonzero(np.bincount(cells, minlength=finer * finer)) > budget:
            break
        side, cell = finer, cells
    spread_x = float(x.max() - x.min()) or 1.0
    spread_y = float(y.max() - y.min()) or 1.0
    distance = ((x - x.mean()) / spread_x) ** 2 + ((y - y.mean()) / spread_y) ** 2
    # Within each cell, the farthest point first; np.unique keeps each cell's first.
    order = np.lexsort((-distance, cell))
    _, first = np.unique(cell[order], return_index=True)
    return np.union1d(order[first], extremes)
