"""The data-quality checks' edges on hand-made columns: weekends and session breaks are
no bar gap; a fill is judged against the bar that contains it; the verdict."""

from __future__ import annotations

import numpy as np

from strategy_analysis.trades.columns import NO_TIME, BarColumns
from strategy_analysis.trades.quality.checks import SymbolBars, bar_gaps, iso, verdict

MIN = 60_000_000
HOUR = 60 * MIN


def _t(text: str) -> int:
    return int(np.datetime64(text, "us").astype(np.int64))


def _minute_bars(*starts: str) -> SymbolBars:
    start = np.array([_t(s) for s in starts], dtype=np.int64)
    n = len(start)
    return SymbolBars(
        "1m",
        BarColumns(
            timeframe=np.full(n, "1m", dtype=object),
            start_time=start,
            end_time=np.full(n, NO_TIME),
            high=np.full(n, 2.0),
            low=np.full(n, 1.0),
        ),
    )


def test_a_weekend_is_no_gap_a_weekday_hole_is():
    # Friday 22:00 -> Sunday 23:00 holds a Saturday; Sunday 23:01 -> Monday 10:00 and
    # Monday 10:01 -> 13:00 do not.
    bars = _minute_bars(
        "2025-01-03T21:59", "2025-01-05T23:00", "2025-01-06T10:00", "2025-01-06T13:00"
    )
    gaps = bar_gaps(bars, _t("2025-01-03T21:59"), _t("2025-01-06T13:00"))
    assert iso(gaps) == ["2025-01-05T23:01:00Z", "2025-01-06T10:01:00Z"]


def test_a_session_break_up_to_two_hours_is_no_gap():
    bars = _minute_bars("2025-01-06T21:59", "2025-01-06T23:59", "2025-01-07T00:00")
    assert len(bar_gaps(bars, _t("2025-01-06T21:59"), _t("2025-01-07T00:00"))) == 0


def test_only_bars_overlapping_the_fills_span_count():
    bars = _minute_bars("2025-01-06T08:00", "2025-01-06T12:00", "2025-01-06T12:01")
    # The hole 08:01 -> 12:00 ends before the first fill: not the run's.
    assert len(bar_gaps(bars, _t("2025-01-06T12:00:30"), _t("2025-01-06T12:01:30"))) == 0


def test_verdict_from_the_worst_severity():
    assert verdict([]) == "clean"
    assert verdict([{"severity": "info"}]) == "clean"
    assert verdict([{"severity": "info"}, {"severity": "warning"}]) == "warnings"
    assert verdict([{"severity": "warning"}, {"severity": "error"}]) == "errors"
