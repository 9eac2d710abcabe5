"""Exact position arithmetic: quantities as integer units.

Positions are running sums, and a trade ends where the position is exactly zero. Float sums
drift (0.1 + 0.2 - 0.3 != 0), so quantities are converted to integers of 10^-k of a unit,
with the smallest k that represents every quantity exactly (k = 0 for contracts and shares).
"""

from __future__ import annotations

import numpy as np

MAX_DECIMALS = 9
# Headroom below 2^63 for running sums of signed units.
_MAX_TOTAL_UNITS = 2**62
_RELATIVE_TOLERANCE = 1e-9


class QuantityError(ValueError):
    pass


def to_units(quantity: np.ndarray) -> tuple[np.ndarray, float]:
    """Return ``(units, scale)`` with ``units`` int64 and ``quantity ~= units / scale``.

    Quantities finer than 10^-9 are rounded to 10^-9.
    """
    if len(quantity) == 0:
        return np.empty(0, dtype=np.int64), 1.0
    for decimals in range(MAX_DECIMALS + 1):
        scale = 10.0**decimals
        scaled = quantity * scale
        rounded = np.rint(scaled)
        exact = np.abs(scaled - rounded) <= _RELATIVE_TOLERANCE * np.maximum(1.0, rounded)
        if decimals == MAX_DECIMALS or bool(np.all(exact & (rounded >= 1.0))):
            break
    if float(rounded.sum()) >= _MAX_TOTAL_UNITS:
        raise QuantityError(
            f"quantities too large to track exactly at {decimals} decimals "
            f"(total {float(quantity.sum()):g})"
        )
    return rounded.astype(np.int64), scale
