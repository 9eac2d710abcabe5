"""The trades page's total: from the run's stored statistics where they can tell, by
counting otherwise; equal to the count either way (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from strategy_analysis.db.models import RunStatistics, Trade
from strategy_analysis.services.trades_query import TradeFilters, list_trades

from .factories import RUN_ID, seed_run


def _count(conn, filters: TradeFilters) -> int:
    return conn.execute(filters.apply(select(func.count()).select_from(Trade))).scalar_one()


@pytest.mark.parametrize(
    "filters",
    [
        TradeFilters(run_id=RUN_ID),
        TradeFilters(run_id=RUN_ID, status="CLOSED"),
        TradeFilters(run_id=RUN_ID, status="OPEN"),
        TradeFilters(run_id=RUN_ID, side="LONG"),
        TradeFilters(symbol="ES 12-25"),
    ],
    ids=["run", "run-closed", "run-open", "run-side", "symbol"],
)
def test_total_equals_the_count(engine, filters):
    seed_run(engine)
    with engine.connect() as conn:
        # limit 1: the page does not hold the whole result, so the total is looked up.
        _, total = list_trades(conn, filters, sort=None, limit=1, offset=0)
        assert total == _count(conn, filters)
        _, at_end = list_trades(conn, filters, sort=None, limit=1, offset=total)
    assert at_end == total


def test_total_comes_from_the_stored_statistics(engine):
    seed_run(engine)
    with engine.begin() as conn:
        stored = conn.execute(
            select(RunStatistics.statistics).where(RunStatistics.run_id == RUN_ID)
        ).scalar_one()
        # Statistics that disagree with the table show which one answered.
        stored["statistics"]["total_trades"] = 40
        stored["statistics"]["open_trades"] = 2
        conn.execute(
            update(RunStatistics).where(RunStatistics.run_id == RUN_ID).values(statistics=stored)
        )
    with engine.connect() as conn:
        assert list_trades(conn, TradeFilters(run_id=RUN_ID), sort=None, limit=1, offset=0)[1] == 42
        closed = TradeFilters(run_id=RUN_ID, status="CLOSED")
        assert list_trades(conn, closed, sort=None, limit=1, offset=0)[1] == 40


def test_statistics_without_open_count_fall_back_to_counting(engine):
    seed_run(engine)
    with engine.begin() as conn:
        conn.execute(
            update(RunStatistics)
            .where(RunStatistics.run_id == RUN_ID)
            .values(statistics={"statistics": {"total_trades": 40}})
        )
    with engine.connect() as conn:
        filters = TradeFilters(run_id=RUN_ID)
        assert list_trades(conn, filters, sort=None, limit=1, offset=0)[1] == _count(conn, filters)
