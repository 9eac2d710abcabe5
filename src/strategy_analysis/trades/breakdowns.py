"""Breakdowns of closed trades by a key (analytics.md, "Breakdowns").

Each key is an integer code per trade (a local day number, ISO year x 100 + week, a
symbol's place among the run's sorted symbols ...) whose numeric order is the contract's
row order; rows are summed by ``np.bincount`` and only the rows holding trades are turned
into text. Time keys use the local time of a time zone: its UTC offsets over the trades'
span come from ``zoneinfo`` (one look-up per day of the span, transitions found to the
second), then every instant is shifted by a vectorised search.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from .statistics_sets import AnalysisTrades

MICROS_PER_SECOND = 1_000_000
SECONDS_PER_DAY = 86_400
MICROS_PER_HOUR = 3_600 * MICROS_PER_SECOND
MICROS_PER_DAY = SECONDS_PER_DAY * MICROS_PER_SECOND

TIME_KEYS = ("day", "week", "month", "year", "hour", "weekday")
BREAKDOWN_KEYS = (*TIME_KEYS, "symbol", "account", "side", "duration")
# (label, lower bound in seconds, inclusive)
DURATION_BUCKETS = (
    ("<1m", 0),
    ("1-5m", 60),
    ("5-15m", 300),
    ("15-60m", 900),
    ("1-4h", 3_600),
    ("4h-1d", 14_400),
    ("1-7d", 86_400),
    (">=7d", 604_800),
)
ROW_FIELDS = (
    "key",
    "trades",
    "winning_trades",
    "losing_trades",
    "net_profit",
    "gross_profit",
    "gross_loss",
    "percent_profitable",
    "profit_factor",
    "avg_trade",
)


def _offset_seconds(zone: ZoneInfo, second: int) -> int:
    offset = datetime.fromtimestamp(second, UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def utc_offsets(micros: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """The zone's UTC offset (microseconds) at each instant.

    The offset is looked up at every UTC midnight from the first instant's day to the day
    after the last one; where two neighbours differ, the transition is searched to the
    second. (A zone that changes its offset and back within one day is read as not
    changing; no zone in the tz database does.)
    """
    if len(micros) == 0:
        return np.zeros(0, dtype=np.int64)
    seconds = np.floor_divide(micros, MICROS_PER_SECOND)
    first_day = int(seconds.min()) // SECONDS_PER_DAY
    last_day = int(seconds.max()) // SECONDS_PER_DAY + 1
    samples = [d * SECONDS_PER_DAY for d in range(first_day, last_day + 1)]
    offsets = [_offset_seconds(zone, s) for s in samples]
    starts = [samples[0]]
    values = [offsets[0]]
    for k in range(1, len(samples)):
        if offsets[k] == offsets[k - 1]:
            continue
        low, high = samples[k - 1], samples[k]  # offset(low) is the old one, high the new
        while high - low > 1:
            middle = (low + high) // 2
            if _offset_seconds(zone, middle) == offsets[k - 1]:
                low = middle
            else:
                high = middle
        starts.append(high)
        values.append(offsets[k])
    place = np.searchsorted(np.array(starts, dtype=np.int64), seconds, side="right") - 1
    return np.array(values, dtype=np.int64)[place] * MICROS_PER_SECOND


def _local_days(local_micros: np.ndarray) -> np.ndarray:
    return np.floor_divide(local_micros, MICROS_PER_DAY)


def _iso_weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7 + 1  # 1970-01-01 was a Thursday


def _iso_week_codes(days: np.ndarray) -> np.ndarray:
    """ISO year x 100 + ISO week of each day number: the week's Thursday decides its year."""
    thursday = days - (_iso_weekday(days) - 1) + 3
    year = thursday.astype("datetime64[D]").astype("datetime64[Y]")
    january_first = year.astype("datetime64[D]").astype(np.int64)
    week = (thursday - january_first) // 7 + 1
    return (year.astype(np.int64) + 1970) * 100 + week


def _key_codes(closed: AnalysisTrades, by: str, zone: ZoneInfo | None) -> tuple[np.ndarray, Any]:
    """Per trade its key's code, and a function turning codes into key texts."""
    if by in TIME_KEYS:
        times = closed.entry_time if by in ("hour", "weekday") else closed.exit_time
        local = times + (utc_offsets(times, zone) if zone is not None else 0)
        days = _local_days(local)
        if by == "hour":
            return (local - days * MICROS_PER_DAY) // MICROS_PER_HOUR, str
        if by == "weekday":
            return _iso_weekday(days), str
        if by == "day":
            return days, lambda c: str(np.datetime64(int(c), "D"))
        if by == "week":
            return _iso_week_codes(days), lambda c: f"{c // 100:04d}-W{c % 100:02d}"
        months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        if by == "month":
            return months, lambda c: str(np.datetime64(int(c), "M"))
        return months // 12, lambda c: f"{c + 1970:04d}"
    if by == "symbol":
        return closed.symbol_code, lambda c: closed.symbol_names[c]
    if by == "account":
        # a trade with no account has the key "" (keys are strings)
        return closed.account_code, lambda c: closed.account_names[c] or ""
    if by == "side":
        return np.where(closed.side == 1, 0, 1), lambda c: ("LONG", "SHORT")[c]
    if by == "duration":
        seconds = (closed.exit_time - closed.entry_time) / MICROS_PER_SECOND
        bounds = np.array([low for _, low in DURATION_BUCKETS[1:]], dtype=np.float64)
        return np.searchsorted(bounds, seconds, side="right"), lambda c: DURATION_BUCKETS[c][0]
    raise ValueError(f"unknown breakdown key {by!r}")


def _row_values(
    trades: int, wins: int, losses: int, net: float, profit: float, loss: float
) -> dict[str, Any]:
    return {
        "trades": trades,
        "winning_trades": wins,
        "losing_trades": losses,
        "net_profit": net + 0.0,
        "gross_profit": profit + 0.0,
        "gross_loss": loss + 0.0,
        "percent_profitable": 100.0 * wins / trades,
        "profit_factor": profit / abs(loss) if losses else None,
        "avg_trade": net / trades + 0.0,
    }


def breakdown(trades: AnalysisTrades, by: str, zone: ZoneInfo | None = None) -> list[dict]:
    """Rows of the closed trades grouped by ``by`` (one of BREAKDOWN_KEYS), in key order,
    keys with no trade left out. ``zone`` None is UTC."""
    if by not in BREAKDOWN_KEYS:
        raise ValueError(f"unknown breakdown key {by!r}: use one of {', '.join(BREAKDOWN_KEYS)}")
    closed = trades.take(np.flatnonzero(trades.closed))
    if len(closed) == 0:
        return []
    codes, label = _key_codes(closed, by, zone)
    codes = np.asarray(codes, dtype=np.int64)
    low = int(codes.min())
    slot = codes - low
    size = int(slot.max()) + 1
    pnl = closed.pnl_net
    wins, losses = pnl > 0, pnl < 0

    def total(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(slot, weights=weights, minlength=size)

    counts = total()
    win_counts = total(wins.astype(np.float64))
    loss_counts = total(losses.astype(np.float64))
    net = total(pnl)
    profit = total(np.where(wins, pnl, 0.0))
    loss = total(np.where(losses, pnl, 0.0))
    rows = []
    for k in np.flatnonzero(counts).tolist():
        rows.append(
            {
                "key": label(k + low),
                **_row_values(
                    int(counts[k]),
                    int(win_counts[k]),
                    int(loss_counts[k]),
                    float(net[k]),
                    float(profit[k]),
                    float(loss[k]),
                ),
            }
        )
    return rows
