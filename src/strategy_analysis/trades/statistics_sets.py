"""Statistics by direction and by group, with the risk and time set (analytics.md, "Every
statistic by direction and by group" and "Risk and time statistics").

The first table is ``statistics.compute_statistics`` itself, over the subset; this module
adds the subset selection and the risk and time statistics. Everything is vectorised over
the subset's closed trades in exit order (ties: their exit fills' order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .statistics import ClosedTrades, compute_statistics

MICROS_PER_SECOND = 1_000_000
MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND
DAYS_PER_MONTH = 30.5

SIDE_CODES = {"LONG": 1, "SHORT": -1}

RISK_STATISTIC_NAMES = (
    "profit_per_month",
    "monthly_std",
    "sharpe_ratio",
    "sortino_ratio",
    "ulcer_index",
    "r_squared",
    "sqn",
    "max_runup",
    "max_time_to_recover_seconds",
    "longest_flat_seconds",
    "time_in_market_percent",
    "avg_trades_per_day",
    "avg_entry_efficiency",
    "avg_exit_efficiency",
    "avg_total_efficiency",
)


@dataclass
class AnalysisTrades:
    """A run's trades as columns, open ones included, in any order.

    Times are int64 microseconds since the epoch (an open trade's exit time and sequence
    are 0); missing numbers are NaN; ``side`` is 1 for LONG and -1 for SHORT. Symbols and
    accounts are codes into ``symbol_names`` and ``account_names`` (sorted; a None account
    last), so subsets and groups compare integers, not texts.
    """

    closed: np.ndarray
    side: np.ndarray
    symbol_code: np.ndarray
    account_code: np.ndarray
    entry_time: np.ndarray
    exit_time: np.ndarray
    exit_sequence: np.ndarray
    pnl_net: np.ndarray
    commission: np.ndarray
    mae: np.ndarray
    mfe: np.ndarray
    etd: np.ndarray
    entry_efficiency: np.ndarray
    exit_efficiency: np.ndarray
    total_efficiency: np.ndarray
    symbol_names: tuple[str, ...] = ()
    account_names: tuple[str | None, ...] = ()
    # True when the closed trades come first, in the statistics' order (in_statistics_order)
    in_exit_order: bool = False

    def __len__(self) -> int:
        return len(self.closed)

    def take(self, index: np.ndarray, keeps_order: bool = False) -> AnalysisTrades:
        """The trades at ``index``; ``keeps_order``: an ascending index, so trades kept in
        the statistics' order stay in it."""
        return AnalysisTrades(
            **{name: getattr(self, name)[index] for name in COLUMN_NAMES},
            symbol_names=self.symbol_names,
            account_names=self.account_names,
            in_exit_order=self.in_exit_order and keeps_order,
        )

    def subset(
        self, side: str | None = None, symbol: str | None = None, account: str | None = None
    ) -> AnalysisTrades:
        """The trades of one side (``LONG``/``SHORT``), symbol and account; None: any."""
        keep = np.ones(len(self), dtype=bool)
        if side is not None:
            keep &= self.side == SIDE_CODES[side.upper()]
        for value, names, codes in (
            (symbol, self.symbol_names, self.symbol_code),
            (account, self.account_names, self.account_code),
        ):
            if value is not None:
                keep &= codes == (names.index(value) if value in names else -1)
        return self if keep.all() else self.take(np.flatnonzero(keep), keeps_order=True)

    def closed_in_order(self) -> AnalysisTrades:
        """The closed trades in the statistics' order: exit time, then exit sequence."""
        closed = np.asarray(self.closed, dtype=bool)
        if self.in_exit_order:
            count = int(np.count_nonzero(closed))
            if closed[:count].all():  # a prefix: views, no copy
                return self.take(slice(0, count), keeps_order=True)  # type: ignore[arg-type]
            return self.take(np.flatnonzero(closed), keeps_order=True)
        idx = np.flatnonzero(closed)
        order = idx[np.lexsort((self.exit_sequence[idx], self.exit_time[idx]))]
        ordered = self.take(order)
        ordered.in_exit_order = True
        return ordered

    def in_statistics_order(self) -> AnalysisTrades:
        """These trades with the closed ones first, in the statistics' order, so every
        subset's closed trades are in it without a sort of their own."""
        closed = self.closed_in_order()
        opened = self.take(np.flatnonzero(~np.asarray(self.closed, dtype=bool)))
        return AnalysisTrades(
            **{
                name: np.concatenate((getattr(closed, name), getattr(opened, name)))
                for name in COLUMN_NAMES
            },
            symbol_names=self.symbol_names,
            account_names=self.account_names,
            in_exit_order=True,
        )

    @classmethod
    def empty(cls) -> AnalysisTrades:
        kinds = {"closed": bool, "side": np.int8, "symbol_code": np.int64,
                 "account_code": np.int64, "entry_time": np.int64, "exit_time": np.int64,
                 "exit_sequence": np.int64}  # fmt: skip
        return cls(
            **{name: np.empty(0, dtype=kinds.get(name, np.float64)) for name in COLUMN_NAMES}  # type: ignore[arg-type]  # every column, by name
        )


COLUMN_NAMES = tuple(
    f.name
    for f in fields(AnalysisTrades)
    if not f.name.endswith("_names") and f.name != "in_exit_order"
)


def codes_of(values: list[Any]) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Codes into the sorted distinct values (None last) for a column of texts."""
    names = sorted({v for v in values if v is not None})
    if any(v is None for v in values):
        names.append(None)
    place = {name: i for i, name in enumerate(names)}
    return np.fromiter((place[v] for v in values), dtype=np.int64, count=len(values)), tuple(names)


def _number(value: float | np.floating | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    return value + 0.0


def _mean(values: np.ndarray) -> float | None:
    present = values[~np.isnan(values)]
    return _number(present.mean()) if len(present) else None


def monthly_sums(exit_time: np.ndarray, pnl_net: np.ndarray) -> np.ndarray:
    """Net PnL per UTC calendar month, from the first exit's month to the last's, empty
    months included (as 0)."""
    if len(exit_time) == 0:
        return np.empty(0)
    months = exit_time.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
    first = months.min()
    return np.bincount(months - first, weights=pnl_net, minlength=int(months.max() - first) + 1)


def _max_time_to_recover(curve: np.ndarray, times: np.ndarray) -> float:
    """Longest time under water, in microseconds: from each point that sets (or equals)
    the running maximum to the next such point, or to the last point, when a point below
    the maximum lies between."""
    at_peak = curve >= np.maximum.accumulate(curve)
    peaks = np.flatnonzero(at_peak)
    ends = np.append(peaks[1:], len(curve) - 1)
    # Between two peaks a point lies below the maximum when they are not neighbours; the
    # last peak is under water until the last point whenever that point is not it.
    step = np.ones(len(peaks), dtype=np.int64)
    step[-1] = 0
    underwater = ends > peaks + step
    if not underwater.any():
        return 0.0
    return float((times[ends] - times[peaks])[underwater].max())


def _interval_gaps(entry_time: np.ndarray, exit_time: np.ndarray) -> np.ndarray:
    """The gaps (microseconds, > 0) between the merged [entry, exit] intervals."""
    order = np.argsort(entry_time, kind="stable")
    entries = entry_time[order]
    reach = np.maximum.accumulate(exit_time[order])
    gaps = entries[1:] - reach[:-1]
    return gaps[gaps > 0]


def risk_statistics(closed: AnalysisTrades) -> dict[str, Any]:
    """The risk and time statistics of closed trades given in exit order."""
    pnl = closed.pnl_net
    n = len(pnl)
    stats: dict[str, Any] = dict.fromkeys(RISK_STATISTIC_NAMES)
    stats["max_runup"] = 0.0
    stats["max_time_to_recover_seconds"] = 0.0
    if n == 0:
        return stats
    cum = np.cumsum(pnl)
    curve = np.concatenate(([0.0], cum))
    first_entry = int(closed.entry_time.min())
    last_exit = int(closed.exit_time.max())
    span_micros = last_exit - first_entry
    span_days = max(1.0, span_micros / MICROS_PER_DAY)
    net = float(cum[-1])

    profit_per_month = net * DAYS_PER_MONTH / span_days
    months = monthly_sums(closed.exit_time, pnl)
    monthly_std = float(np.std(months, ddof=1)) if len(months) >= 2 else None
    downside = float(np.sqrt(np.mean(np.minimum(months, 0.0) ** 2))) if len(months) >= 2 else 0.0
    stats["profit_per_month"] = _number(profit_per_month)
    stats["monthly_std"] = _number(monthly_std)
    stats["sharpe_ratio"] = _number(profit_per_month / monthly_std) if monthly_std else None
    stats["sortino_ratio"] = _number(profit_per_month / downside) if downside > 0 else None

    peak = np.maximum.accumulate(np.maximum(cum, 0.0))
    stats["ulcer_index"] = _number(np.sqrt(np.sum((cum - peak) ** 2) / n))
    if n >= 3 and np.ptp(cum) > 0:
        i = np.arange(1, n + 1, dtype=np.float64)
        r = np.corrcoef(i, cum)[0, 1]
        stats["r_squared"] = _number(r * r)
    if n >= 2:
        std = float(np.std(pnl, ddof=1))
        if std > 0:
            stats["sqn"] = _number(math.sqrt(n) * float(pnl.mean()) / std)
    stats["max_runup"] = _number((curve - np.minimum.accumulate(curve)).max())
    times = np.concatenate(([first_entry], closed.exit_time))
    stats["max_time_to_recover_seconds"] = (
        _max_time_to_recover(curve, times) / MICROS_PER_SECOND + 0.0
    )
    gaps = _interval_gaps(closed.entry_time, closed.exit_time)
    stats["longest_flat_seconds"] = float(gaps.max()) / MICROS_PER_SECOND if len(gaps) else 0.0
    if span_micros > 0:
        in_market = span_micros - float(gaps.sum())
        stats["time_in_market_percent"] = _number(100.0 * in_market / span_micros)
    stats["avg_trades_per_day"] = _number(n / span_days)
    stats["avg_entry_efficiency"] = _mean(closed.entry_efficiency)
    stats["avg_exit_efficiency"] = _mean(closed.exit_efficiency)
    stats["avg_total_efficiency"] = _mean(closed.total_efficiency)
    return stats


def as_closed_trades(closed: AnalysisTrades, open_count: int = 0) -> ClosedTrades:
    """The columns ``statistics`` computes from, of closed trades already in exit order."""
    return ClosedTrades(
        entry_time=closed.entry_time,
        exit_time=closed.exit_time,
        pnl_net=closed.pnl_net,
        commission=closed.commission,
        mae=closed.mae,
        mfe=closed.mfe,
        etd=closed.etd,
        open_count=open_count,
    )


def closed_statistics(closed: AnalysisTrades, open_count: int = 0) -> dict[str, Any]:
    """Both tables over closed trades already in exit order."""
    return {**compute_statistics(as_closed_trades(closed, open_count)), **risk_statistics(closed)}


def subset_statistics(
    trades: AnalysisTrades,
    *,
    side: str | None = None,
    symbol: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """Both tables of statistics over the subset's trades (its open ones counted in
    ``open_trades``). ``reconciliation`` is the run's, so a subset has none here."""
    chosen = trades.subset(side, symbol, account)
    closed = chosen.closed_in_order()
    return closed_statistics(closed, len(chosen) - len(closed))
