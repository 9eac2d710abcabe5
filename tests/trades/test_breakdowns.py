"""Breakdowns by every key, by hand, in UTC and across New York's DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trades.analysis_factories import analysis_trades, micros

from strategy_analysis.trades.breakdowns import BREAKDOWN_KEYS, breakdown, utc_offsets

NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def keyed(rows):
    return {row["key"]: row for row in rows}


TRADES = [
    # Monday 2024-12-30 (ISO 2025-W01), 14:30 -> 14:30:59
    dict(entry=utc(2024, 12, 30, 14, 30), exit=utc(2024, 12, 30, 14, 30, 59), pnl=10.0,
         side="LONG", symbol="NQ", account="A2"),
    # Sunday 2024-12-29 (ISO 2024-W52), 23:00 -> 2025-01-02 (Thursday) 01:00, 3 days
    dict(entry=utc(2024, 12, 29, 23), exit=utc(2025, 1, 2, 1), pnl=-4.0,
         side="SHORT", symbol="ES", account="A1"),
    # 2025-01-02 09:05 -> 09:06 exactly one minute
    dict(entry=utc(2025, 1, 2, 9, 5), exit=utc(2025, 1, 2, 9, 6), pnl=6.0,
         side="LONG", symbol="ES", account="A1"),
    # 2025-02-03 09:00 -> 2025-02-10 09:00, seven days
    dict(entry=utc(2025, 2, 3, 9), exit=utc(2025, 2, 10, 9), pnl=0.0,
         side="SHORT", symbol="ES", account=None),
    dict(entry=utc(2025, 2, 11, 9), exit=None, pnl=None),  # open: never counted
]  # fmt: skip


def test_every_key_by_hand_in_utc():
    trades = analysis_trades(TRADES)
    day = breakdown(trades, "day")
    assert [r["key"] for r in day] == ["2024-12-30", "2025-01-02", "2025-02-10"]
    assert keyed(day)["2025-01-02"] == {
        "key": "2025-01-02",
        "trades": 2,
        "winning_trades": 1,
        "losing_trades": 1,
        "net_profit": 2.0,
        "gross_profit": 6.0,
        "gross_loss": -4.0,
        "percent_profitable": 50.0,
        "profit_factor": 1.5,
        "avg_trade": 1.0,
    }
    # exit weeks: 2024-12-30 and 2025-01-02 are both in 2025-W01; 2025-02-10 is W07
    week = keyed(breakdown(trades, "week"))
    assert list(week) == ["2025-W01", "2025-W07"] and week["2025-W01"]["trades"] == 3
    assert [r["key"] for r in breakdown(trades, "month")] == ["2024-12", "2025-01", "2025-02"]
    year = keyed(breakdown(trades, "year"))
    assert (year["2024"]["trades"], year["2025"]["trades"]) == (1, 3)
    # entry hours 14, 23, 9, 9: numeric order, unpadded
    hour = breakdown(trades, "hour")
    assert [(r["key"], r["trades"]) for r in hour] == [("9", 2), ("14", 1), ("23", 1)]
    # entry weekdays: Monday, Sunday, Thursday, Monday
    weekday = breakdown(trades, "weekday")
    assert [(r["key"], r["trades"]) for r in weekday] == [("1", 2), ("4", 1), ("7", 1)]
    symbol = breakdown(trades, "symbol")
    assert [(r["key"], r["net_profit"]) for r in symbol] == [("ES", 2.0), ("NQ", 10.0)]
    assert keyed(symbol)["NQ"]["profit_factor"] is None  # no loser
    account = breakdown(trades, "account")
    assert [(r["key"], r["trades"]) for r in account] == [("A1", 2), ("A2", 1), ("", 1)]
    side = keyed(breakdown(trades, "side"))
    assert (side["LONG"]["net_profit"], side["SHORT"]["net_profit"]) == (16.0, -4.0)
    assert side["SHORT"]["percent_profitable"] == 0.0 and side["SHORT"]["profit_factor"] == 0.0
    duration = breakdown(trades, "duration")
    assert [(r["key"], r["trades"]) for r in duration] == [
        ("<1m", 1), ("1-5m", 1), ("1-7d", 1), (">=7d", 1)
    ]  # fmt: skip


def test_every_key_adds_up_to_the_closed_trades():
    trades = analysis_trades(TRADES)
    for by in BREAKDOWN_KEYS:
        rows = breakdown(trades, by)
        assert sum(r["trades"] for r in rows) == 4, by
        assert sum(r["net_profit"] for r in rows) == pytest.approx(12.0), by
    assert breakdown(analysis_trades([TRADES[-1]]), "day") == []
    with pytest.raises(ValueError, match="unknown breakdown key"):
        breakdown(trades, "minute")


def test_new_york_across_both_dst_changes():
    rows = [
        # EST (-5): 2024-03-08 14:30 UTC is 09:30; exit 2024-03-10 04:30 UTC is 03-09 23:30
        dict(entry=utc(2024, 3, 8, 14, 30), exit=utc(2024, 3, 10, 4, 30), pnl=1.0),
        # EDT (-4) from 2024-03-10 07:00 UTC: 13:30 UTC is 09:30; exit 04:30 UTC is 00:30
        dict(entry=utc(2024, 3, 11, 13, 30), exit=utc(2024, 3, 12, 4, 30), pnl=2.0),
        # 2024-11-03: 05:30 UTC is 01:30 EDT, 06:30 UTC (after 06:00) is 01:30 EST
        dict(entry=utc(2024, 11, 3, 5, 30), exit=utc(2024, 11, 3, 5, 45), pnl=4.0),
        dict(entry=utc(2024, 11, 3, 6, 30), exit=utc(2024, 11, 4, 4, 30), pnl=8.0),
    ]
    trades = analysis_trades(rows)
    hour = breakdown(trades, "hour", NEW_YORK)
    assert [(r["key"], r["trades"], r["net_profit"]) for r in hour] == [
        ("1", 2, 12.0),
        ("9", 2, 3.0),
    ]
    day = breakdown(trades, "day", NEW_YORK)
    assert [r["key"] for r in day] == ["2024-03-09", "2024-03-12", "2024-11-03"]
    assert keyed(day)["2024-11-03"]["net_profit"] == 12.0  # 01:45 EDT and 23:30 EST
    # in UTC the same trades fall elsewhere
    assert [r["key"] for r in breakdown(trades, "hour")] == ["5", "6", "13", "14"]
    assert [r["key"] for r in breakdown(trades, "day")] == [
        "2024-03-10", "2024-03-12", "2024-11-03", "2024-11-04"
    ]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40 * 365 * 86_400), min_size=1, max_size=50),
    st.sampled_from(["America/New_York", "Europe/London", "Australia/Lord_Howe",
                     "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham"]),
)  # fmt: skip
def test_offsets_agree_with_zoneinfo_at_every_instant(seconds, name):
    zone = ZoneInfo(name)
    base = datetime(1995, 1, 1, tzinfo=UTC)
    instants = [base + timedelta(seconds=s, microseconds=s % 997) for s in seconds]
    offsets = utc_offsets(np.array([micros(t) for t in instants], dtype=np.int64), zone)
    expected = [t.astimezone(zone).utcoffset() // timedelta(microseconds=1) for t in instants]
    assert offsets.tolist() == expected
