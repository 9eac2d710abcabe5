"""MAE, MFE and ETD of closed trades from the bars of the finest timeframe (analytics.md).

A trade [entry, exit) uses every bar whose [start, end) overlaps it; a trade whose entry and
exit share one instant uses the bar that contains that instant. Bar ranges come from
``searchsorted`` on bar starts (and on the running maximum of bar ends), the high/low
extremes from a vectorised range reduction: nothing runs per trade in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .columns import NO_TIME, BarColumns
from .range_extrema import RangeReducer
from .timeframes import finest_timeframe, timeframe_seconds

log = logging.getLogger(__name__)

_MICROS = 1_000_000


@dataclass
class Excursions:
    """Per trade, NaN where there is no value (open trade, no bars)."""

    mae: np.ndarray
    mfe: np.ndarray
    mae_points: np.ndarray
    mfe_points: np.ndarray
    etd: np.ndarray

    @classmethod
    def missing(cls, n: int) -> Excursions:
        return cls(*(np.full(n, np.nan) for _ in range(5)))

    def assign_to(self, trades: object) -> None:
        for name in ("mae", "mfe", "mae_points", "mfe_points", "etd"):
            setattr(trades, name, getattr(self, name))


def timeframe_length_micros(timeframe: str, start: np.ndarray, end: np.ndarray) -> float | None:
    """A timeframe's bar length: named, else typical end - start, else typical gap."""
    named = timeframe_seconds(timeframe)
    if named is not None:
        return named * _MICROS
    has_end = end != NO_TIME
    if has_end.any():
        return float(np.median(end[has_end] - start[has_end]))
    if len(start) >= 2:
        return float(np.median(np.diff(np.sort(start))))
    return None


def finest_bars(bars: BarColumns) -> tuple[str | None, BarColumns]:
    """The bars of the finest timeframe, sorted by start."""
    if len(bars) == 0:
        return None, bars
    names = sorted(set(bars.timeframe.tolist()))
    if len(names) == 1:
        chosen = names[0]
        selected = bars
    else:
        lengths = {}
        for name in names:
            mask = bars.timeframe == name
            lengths[name] = timeframe_length_micros(
                name, bars.start_time[mask], bars.end_time[mask]
            )
        chosen = finest_timeframe(lengths)
        selected = bars.take(np.flatnonzero(bars.timeframe == chosen))
    order = np.argsort(selected.start_time, kind="stable")
    if np.any(order != np.arange(len(order))):
        selected = selected.take(order)
    return chosen, selected


def bar_ends(timeframe: str | None, bars: BarColumns) -> np.ndarray:
    """End of each bar (sorted by start): end_time, else start + named length, else next start."""
    start = bars.start_time
    end = bars.end_time.copy()
    missing = end == NO_TIME
    if not missing.any():
        return end
    named = timeframe_seconds(timeframe)
    if named is not None:
        end[missing] = start[missing] + int(round(named * _MICROS))
        return end
    following = np.empty_like(start)
    following[:-1] = start[1:]
    if len(start) >= 2:
        following[-1] = start[-1] + int(np.median(np.diff(start)))
    else:
        # One bar of unknown length covers only its own start instant.
        following[-1] = start[-1] + 1
    end[missing] = following[missing]
    return end


def compute_excursions(trades: object, bars_by_symbol: Mapping[str, BarColumns]) -> Excursions:
    """Excursions of ``trades`` (BuiltTrades or anything with the same columns).

    ``bars_by_symbol`` may hold any timeframes; the finest one of each symbol is used.
    """
    symbol = trades.symbol  # type: ignore[attr-defined]
    n = len(symbol)
    result = Excursions.missing(n)
    if n == 0:
        return result
    closed = np.asarray(trades.closed, dtype=bool)  # type: ignore[attr-defined]
    max_high = np.full(n, np.nan)
    min_low = np.full(n, np.nan)
    for sym, bars in bars_by_symbol.items():
        if len(bars) == 0:
            continue
        rows = np.flatnonzero(closed & (symbol == sym))
        if len(rows) == 0:
            continue
        timeframe, fine = finest_bars(bars)
        ends = bar_ends(timeframe, fine)
        entry = trades.entry_time[rows]  # type: ignore[attr-defined]
        exit_ = np.maximum(trades.exit_time[rows], entry + 1)  # type: ignore[attr-defined]
        hi = np.searchsorted(fine.start_time, exit_, side="left")
        lo = np.searchsorted(np.maximum.accumulate(ends), entry, side="right")
        max_high[rows] = RangeReducer(fine.high, np.maximum)(lo, hi)
        min_low[rows] = RangeReducer(fine.low, np.minimum)(lo, hi)
        log.debug(
            "excursions of %d %s trades over %d %s bars", len(rows), sym, len(fine), timeframe
        )

    long = np.asarray(trades.direction) > 0  # type: ignore[attr-defined]
    entry_price = trades.entry_price  # type: ignore[attr-defined]
    # np.maximum keeps NaN (no bars) as NaN while flooring real values at 0.
    mfe_points = np.maximum(np.where(long, max_high - entry_price, entry_price - min_low), 0.0)
    mae_points = np.maximum(np.where(long, entry_price - min_low, max_high - entry_price), 0.0)
    size = trades.quantity * trades.point_value  # type: ignore[attr-defined]
    result.mfe_points = mfe_points
    result.mae_points = mae_points
    result.mfe = mfe_points * size
    result.mae = mae_points * size
    result.etd = result.mfe - trades.pnl_gross  # type: ignore[attr-defined]
    return result
