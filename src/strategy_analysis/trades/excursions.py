"""MAE, MFE, ETD and efficiencies of closed trades from the finest bars (analytics.md).

A trade [entry, exit) uses every bar whose [start, end) overlaps it; a trade whose entry and
exit share one instant uses the bar that contains that instant. Points and efficiencies
come from the trade's price extremes; ``mae``/``mfe`` in currency from the running PnL of
its position segment by segment (position_path.py). Bar ranges come from ``searchsorted``
on bar starts (and on the running maximum of bar ends), the high/low extremes from a
vectorised range reduction: nothing runs per trade or per segment in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .columns import EXCURSION_FIELDS, NO_TIME, BarColumns, PositionPath
from .range_extrema import RangeReducer
from .timeframes import finest_timeframe, timeframe_seconds

log = logging.getLogger(__name__)

_MICROS = 1_000_000


@dataclass
class Excursions:
    """Per trade, NaN where there is no value (open trade, no bars; an efficiency also
    when the bars' high equals their low)."""

    mae: np.ndarray
    mfe: np.ndarray
    mae_points: np.ndarray
    mfe_points: np.ndarray
    etd: np.ndarray
    entry_efficiency: np.ndarray
    exit_efficiency: np.ndarray
    total_efficiency: np.ndarray

    @classmethod
    def missing(cls, n: int) -> Excursions:
        return cls(**{name: np.full(n, np.nan) for name in EXCURSION_FIELDS})

    def assign_to(self, trades: object) -> None:
        for name in EXCURSION_FIELDS:
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
    """Excursions and efficiencies of ``trades`` (BuiltTrades or anything with the same
    columns and its ``path``).

    ``bars_by_symbol`` may hold any timeframes; the finest one of each symbol is used.
    Each segment of the trades' position path takes the extremes of the bars that overlap
    it; a trade's extremes are those of its segments (they tile [entry, exit)).
    """
    # ``trades`` is typed object: BuiltTrades or a stored trade table with the same columns
    # (no common base), so each column read below is an attr-defined ignore.
    symbol = trades.symbol  # type: ignore[attr-defined]
    path: PositionPath = trades.path  # type: ignore[attr-defined]
    n = len(symbol)
    result = Excursions.missing(n)
    if n == 0 or len(path) == 0:
        return result
    segment_high = np.full(len(path), np.nan)
    segment_low = np.full(len(path), np.nan)
    for sym, bars in bars_by_symbol.items():
        if len(bars) == 0:
            continue
        rows = np.flatnonzero((symbol == sym)[path.trade_index])
        if len(rows) == 0:
            continue
        timeframe, fine = finest_bars(bars)
        ends = bar_ends(timeframe, fine)
        hi = np.searchsorted(fine.start_time, path.end[rows], side="left")
        lo = np.searchsorted(np.maximum.accumulate(ends), path.start[rows], side="right")
        segment_high[rows] = RangeReducer(fine.high, np.maximum)(lo, hi)
        segment_low[rows] = RangeReducer(fine.low, np.minimum)(lo, hi)
        log.debug(
            "excursions of %d %s segments over %d %s bars", len(rows), sym, len(fine), timeframe
        )

    # Every trade on the path has at least one segment, and its segments are contiguous.
    first_segment = np.flatnonzero(np.diff(path.trade_index, prepend=-1) != 0)
    on_path = path.trade_index[first_segment]
    direction = np.asarray(trades.direction, dtype=np.float64)  # type: ignore[attr-defined]
    scale = (direction * trades.point_value)[path.trade_index]  # type: ignore[attr-defined]
    # Linear in the price: the running PnL's extremes over a bar lie at its high or low.
    at_high = scale * (segment_high * path.quantity - path.cost)
    at_low = scale * (segment_low * path.quantity - path.cost)
    best = np.full(n, np.nan)
    worst = np.full(n, np.nan)
    max_high = np.full(n, np.nan)
    min_low = np.full(n, np.nan)
    # fmax/fmin skip the NaN of segments without bars; a trade without any stays NaN.
    best[on_path] = np.fmax.reduceat(np.fmax(at_high, at_low), first_segment)
    worst[on_path] = np.fmin.reduceat(np.fmin(at_high, at_low), first_segment)
    max_high[on_path] = np.fmax.reduceat(segment_high, first_segment)
    min_low[on_path] = np.fmin.reduceat(segment_low, first_segment)

    long = direction > 0
    entry_price = trades.entry_price  # type: ignore[attr-defined]
    exit_price = trades.exit_price  # type: ignore[attr-defined]
    # np.maximum keeps NaN (no bars) as NaN while flooring real values at 0.
    mfe_points = np.maximum(np.where(long, max_high - entry_price, entry_price - min_low), 0.0)
    mae_points = np.maximum(np.where(long, entry_price - min_low, max_high - entry_price), 0.0)
    size = trades.quantity * trades.point_value  # type: ignore[attr-defined]
    # A trade whose fills share one instant held no position over time: price excursions.
    one_instant = trades.entry_time == trades.exit_time  # type: ignore[attr-defined]
    result.mfe_points = mfe_points
    result.mae_points = mae_points
    result.mfe = np.where(one_instant, mfe_points * size, np.maximum(best, 0.0))
    result.mae = np.where(one_instant, mae_points * size, np.maximum(-worst, 0.0))
    result.etd = result.mfe - trades.pnl_gross  # type: ignore[attr-defined]

    span = max_high - min_low
    with np.errstate(invalid="ignore", divide="ignore"):
        usable = span > 0  # False for NaN (no bars) and for H = L
        result.entry_efficiency = _ratio(
            np.where(long, max_high - entry_price, entry_price - min_low), span, usable
        )
        result.exit_efficiency = _ratio(
            np.where(long, exit_price - min_low, max_high - exit_price), span, usable
        )
        result.total_efficiency = _ratio(
            np.where(long, exit_price - entry_price, entry_price - exit_price), span, usable
        )
    return result


def _ratio(numerator: np.ndarray, denominator: np.ndarray, usable: np.ndarray) -> np.ndarray:
    out = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=usable)
    return out
