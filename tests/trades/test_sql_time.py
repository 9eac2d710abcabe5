"""Stored SQLite time texts read back as microseconds, a fraction close to the next
second included (SQLite's strftime('%s') rounds it up)."""

from __future__ import annotations

import sqlite3

import pytest

from strategy_analysis.trades.sql_time import micros_expression


@pytest.mark.parametrize(
    ("stored", "micros"),
    [
        ("2025-01-06 01:36:42.999644", 1736127402_999644),
        ("2025-01-06 01:36:42.999500", 1736127402_999500),
        ("2025-01-06 01:36:42.000001", 1736127402_000001),
        ("1969-12-31 23:59:59.999999", -1),
    ],
)
def test_sqlite_text_to_micros(stored, micros):
    with sqlite3.connect(":memory:") as conn:
        value = conn.execute(
            f"SELECT {micros_expression('t', 'sqlite')} FROM (SELECT ? AS t)", (stored,)
        ).fetchone()
    assert value[0] == micros
