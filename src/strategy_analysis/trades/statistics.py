"""Run statistics, equity and drawdown curves, and reconciliation (analytics.md).

Everything is computed over the run's CLOSED trades ordered by exit time (ties: the order of
their exit fills, ``exit_sequence``). Results are JSON-safe: None where a value does not
exist (no winners, no losers, no trades), never NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# Reconciliation tolerances (issue #4): more than a cent or more than one trade disagrees.
PNL_TOLERANCE = 0.01
TRADE_COUNT_TOLERANCE = 1
# Float noise in sums of cents must not turn exactly one cent into "more than a cent".
_EPSILON = 1e-9

STATISTIC_NAMES = (
    "total_trades",
    "winning_trades",
    "losing_trades",
    "even_trades",
    "net_profit",
    "gross_profit",
    "gross_loss",
    "commission",
    "profit_factor",
    "percent_profitable",
    "avg_trade",
    "avg_winning_trade",
    "avg_losing_trade",
    "ratio_avg_win_avg_loss",
    "largest_winning_trade",
    "largest_losing_trade",
    "max_consecutive_winners",
    "max_consecutive_losers",
    "max_drawdown",
    "avg_mae",
    "avg_mfe",
    "avg_etd",
    "avg_duration_seconds",
    "expectancy",
    "reconciliation",
    "open_trades",
)


@dataclass
class ClosedTrades:
    """The closed trades of a run in exit order, the columns statistics need."""

    entry_time: np.ndarray
    exit_time: np.ndarray
    pnl_net: np.ndarray
    commission: np.ndarray
    mae: np.ndarray
    mfe: np.ndarray
    etd: np.ndarray
    open_count: int

    @classmethod
    def from_trades(cls, trades: Any) -> ClosedTrades:
        """Select and order the closed trades of ``trades`` (BuiltTrades or alike)."""
        closed = np.asarray(trades.closed, dtype=bool)
        idx = np.flatnonzero(closed)
        exit_sequence = np.asarray(trades.exit_sequence)[idx]
        exit_time = np.asarray(trades.exit_time, dtype=np.int64)[idx]
        order = idx[np.lexsort((exit_sequence, exit_time))]

        def col(name: str, dtype: Any = np.float64) -> np.ndarray:
            return np.asarray(getattr(trades, name), dtype=dtype)[order]

        return cls(
            entry_time=col("entry_time", np.int64),
            exit_time=col("exit_time", np.int64),
            pnl_net=col("pnl_net"),
            commission=col("commission"),
            mae=col("mae"),
            mfe=col("mfe"),
            etd=col("etd"),
            open_count=int(len(closed) - len(idx)),
        )


def _number(value: float | np.floating) -> float | None:
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    return value + 0.0  # -0.0 reads badly in a report


def _mean(values: np.ndarray) -> float | None:
    present = values[~np.isnan(values)]
    return _number(present.mean()) if len(present) else None


def _longest_run(flags: np.ndarray) -> int:
    if not flags.any():
        return 0
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.diff(padded)
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())


def _drawdown(pnl_net: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equity (starting at 0) and equity minus its running maximum, for each point."""
    equity = np.concatenate(([0.0], np.cumsum(pnl_net)))
    return equity, equity - np.maximum.accumulate(equity)


def reconcile(
    platform_net_pnl: float,
    platform_trade_count: int,
    reported_net_pnl: float | None,
    reported_trade_count: int | None,
) -> dict[str, Any] | None:
    """Compare the platform's numbers with the strategy's own; None when it reports none."""
    if reported_net_pnl is None and reported_trade_count is None:
        return None
    pnl_difference = (
        None if reported_net_pnl is None else _number(platform_net_pnl - reported_net_pnl)
    )
    count_difference = (
        None if reported_trade_count is None else int(platform_trade_count - reported_trade_count)
    )
    matches = (pnl_difference is None or abs(pnl_difference) <= PNL_TOLERANCE + _EPSILON) and (
        count_difference is None or abs(count_difference) <= TRADE_COUNT_TOLERANCE
    )
    return {
        "reported_net_pnl": None if reported_net_pnl is None else float(reported_net_pnl),
        "platform_net_pnl": _number(platform_net_pnl),
        "net_pnl_difference": pnl_difference,
        "reported_trade_count": None if reported_trade_count is None else int(reported_trade_count),
        "platform_trade_count": int(platform_trade_count),
        "trade_count_difference": count_difference,
        "matches": bool(matches),
    }


def compute_statistics(
    trades: Any,
    reported_net_pnl: float | None = None,
    reported_trade_count: int | None = None,
) -> dict[str, Any]:
    """Every statistic of analytics.md for ``trades`` (BuiltTrades, ClosedTrades or alike)."""
    closed = trades if isinstance(trades, ClosedTrades) else ClosedTrades.from_trades(trades)
    pnl = closed.pnl_net
    total = len(pnl)
    winners = pnl > 0
    losers = pnl < 0
    n_win = int(winners.sum())
    n_loss = int(losers.sum())
    gross_profit = float(pnl[winners].sum())
    gross_loss = float(pnl[losers].sum())
    avg_win = gross_profit / n_win if n_win else None
    avg_loss = gross_loss / n_loss if n_loss else None
    percent = 100.0 * n_win / total if total else None
    if percent is None:
        expectancy = None
    else:
        share = percent / 100.0
        expectancy = share * (avg_win or 0.0) + (1.0 - share) * (avg_loss or 0.0)
    _, drawdown = _drawdown(pnl)
    durations = (closed.exit_time - closed.entry_time) / 1_000_000.0
    stats: dict[str, Any] = {
        "total_trades": total,
        "winning_trades": n_win,
        "losing_trades": n_loss,
        "even_trades": int(total - n_win - n_loss),
        "net_profit": _number(pnl.sum()),
        "gross_profit": _number(gross_profit),
        "gross_loss": _number(gross_loss),
        "commission": _number(closed.commission.sum()),
        "profit_factor": _number(gross_profit / abs(gross_loss)) if n_loss else None,
        "percent_profitable": None if percent is None else _number(percent),
        "avg_trade": _number(pnl.mean()) if total else None,
        "avg_winning_trade": None if avg_win is None else _number(avg_win),
        "avg_losing_trade": None if avg_loss is None else _number(avg_loss),
        "ratio_avg_win_avg_loss": (
            _number(avg_win / abs(avg_loss))
            if avg_win is not None and avg_loss is not None
            else None
        ),
        "largest_winning_trade": _number(pnl[winners].max()) if n_win else None,
        "largest_losing_trade": _number(pnl[losers].min()) if n_loss else None,
        "max_consecutive_winners": _longest_run(winners),
        "max_consecutive_losers": _longest_run(losers),
        "max_drawdown": _number(drawdown.min()),
        "avg_mae": _mean(closed.mae),
        "avg_mfe": _mean(closed.mfe),
        "avg_etd": _mean(closed.etd),
        "avg_duration_seconds": _mean(durations) if total else None,
        "expectancy": None if expectancy is None else _number(expectancy),
        "reconciliation": reconcile(
            float(pnl.sum()), total, reported_net_pnl, reported_trade_count
        ),
        "open_trades": closed.open_count,
    }
    return stats


def _iso_times(micros: np.ndarray) -> list[str]:
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    return [t + "Z" for t in text.tolist()]


def _envelope(equity: np.ndarray, drawdown: np.ndarray, max_points: int) -> np.ndarray:
    """Indices of the points to keep: first, last, and per bucket the highest and lowest
    equity and the deepest drawdown, so the curve's shape and every extreme survive."""
    n = len(equity)
    buckets = max(1, (max_points - 2) // 3)
    size = -(-(n - 2) // buckets)
    inner = np.arange(1, n - 1)
    pad = buckets * size - len(inner)
    rows = np.concatenate((inner, np.full(pad, n - 2))).reshape(buckets, size)
    picks = [
        rows[np.arange(buckets), np.argmax(equity[rows], axis=1)],
        rows[np.arange(buckets), np.argmin(equity[rows], axis=1)],
        rows[np.arange(buckets), np.argmin(drawdown[rows], axis=1)],
    ]
    return np.unique(np.concatenate(([0, n - 1], *picks)))


def compute_equity_curve(trades: Any, max_points: int | None = None) -> list[dict[str, Any]]:
    """Cumulative pnl_net at each closed trade's exit, from 0 at the first entry.

    Each point is ``{"time": ISO 8601 UTC, "equity": float, "drawdown": float <= 0}``;
    the drawdown is equity minus its running maximum (the 0 at the start included).
    With ``max_points``, a longer curve keeps at most that many points: the first, the
    last and, per bucket, its highest and lowest equity and deepest drawdown (a chart
    cannot show more; the statistics always use every trade).
    """
    closed = trades if isinstance(trades, ClosedTrades) else ClosedTrades.from_trades(trades)
    if len(closed.pnl_net) == 0:
        return []
    equity, drawdown = _drawdown(closed.pnl_net)
    times = np.concatenate(([closed.entry_time.min()], closed.exit_time))
    if max_points is not None and len(equity) > max(max_points, 3):
        keep = _envelope(equity, drawdown, max_points)
        equity, drawdown, times = equity[keep], drawdown[keep], times[keep]
    equity = equity + 0.0
    drawdown = drawdown + 0.0
    return [
        {"time": t, "equity": e, "drawdown": d}
        for t, e, d in zip(_iso_times(times), equity.tolist(), drawdown.tolist(), strict=True)
    ]
