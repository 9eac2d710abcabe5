"""Writing rebuilt trades: a rebuild over stored trades (a merge on PostgreSQL) leaves
exactly what a rebuild into empty tables writes, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import delete, insert, select, text, update

from strategy_analysis.db.engine import session_scope
from strategy_analysis.db.models import Execution, Run, Strategy, Trade, TradeLot
from strategy_analysis.trades import writing
from strategy_analysis.trades.columns import LotMatches
from strategy_analysis.trades.rebuild import rebuild_trades

T0 = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)
TRADE_COLUMNS = [c for c in Trade.__table__.c]
LOT_COLUMNS = [c for c in TradeLot.__table__.c]


def _fill(run_id: str, n: int, symbol: str, side: str, qty: float, price: float) -> Execution:
    return Execution(
        run_id=run_id,
        execution_id=f"{symbol}-{n:04d}",
        order_id=f"o-{symbol}-{n}",
        account_id="A",
        symbol=symbol,
        side=side,
        exec_time=T0 + timedelta(seconds=10 * n),
        price=price,
        quantity=qty,
        fee=0.5,
        sequence=n,
    )


@pytest.fixture
def two_runs(session_factory):
    """R1 trades ES and NQ (scale-ins, partial exits, reversals); R2 trades ES."""
    rng = np.random.default_rng(7)
    with session_scope(session_factory) as s:
        s.add(Strategy(strategy_id="S1"))
        s.flush()
        s.add_all([Run(run_id="R1", strategy_id="S1"), Run(run_id="R2", strategy_id="S1")])
        s.flush()
        fills = []
        for run_id, symbols in (("R1", ("ES", "NQ")), ("R2", ("ES",))):
            for symbol in symbols:
                for n in range(60):
                    side = "BUY" if rng.random() < 0.5 else "SELL"
                    qty = float(rng.integers(1, 4))
                    fills.append(_fill(run_id, n, symbol, side, qty, 100.0 + n % 7))
        s.add_all(fills)
    return session_factory


def _stored(session_factory) -> tuple[list[tuple], list[tuple]]:
    with session_scope(session_factory) as s:
        trades = sorted(tuple(row) for row in s.execute(select(*TRADE_COLUMNS)))
        lots = sorted(tuple(row) for row in s.execute(select(*LOT_COLUMNS)))
    return trades, lots


def _rebuild_from_empty(engine, session_factory) -> tuple[list[tuple], list[tuple]]:
    with engine.begin() as conn:
        conn.execute(delete(TradeLot))
        conn.execute(delete(Trade))
    rebuild_trades(engine)
    return _stored(session_factory)


@pytest.mark.parametrize("merge_min_trades", [0, writing.MERGE_MIN_TRADES], ids=["merge", "small"])
def test_rebuild_over_stored_trades_equals_rebuild_from_empty(engine, two_runs, merge_min_trades):
    rebuild_trades(engine, merge_min_trades=merge_min_trades)
    first = _stored(two_runs)
    assert len(first[0]) > 20 and len(first[1]) > 20

    # Unchanged data: the second rebuild keeps every row as it was.
    rebuild_trades(engine, run_id="R1", merge_min_trades=merge_min_trades)
    assert _stored(two_runs) == first

    # Changes: one price (a trade's pnl and one lot), a removed fill (trades re-split),
    # every NQ fill gone (its trades must go), a new fill at the end (a new trade or lot).
    with session_scope(two_runs) as s:
        s.execute(
            update(Execution)
            .where(Execution.run_id == "R1", Execution.execution_id == "ES-0003")
            .values(price=250.0)
        )
        s.execute(
            delete(Execution).where(Execution.run_id == "R1", Execution.execution_id == "ES-0020")
        )
        s.execute(delete(Execution).where(Execution.run_id == "R1", Execution.symbol == "NQ"))
        s.add(_fill("R1", 99, "ES", "BUY", 5.0, 101.0))
    rebuild_trades(engine, [("R1", "ES"), ("R1", "NQ")], merge_min_trades=merge_min_trades)
    merged = _stored(two_runs)
    assert merged != first
    assert not [t for t in merged[0] if t[1] == "R1" and t[4] == "NQ"]
    # R2 was not part of the rebuild and is untouched.
    assert [t for t in merged[0] if t[1] == "R2"] == [t for t in first[0] if t[1] == "R2"]

    assert _rebuild_from_empty(engine, two_runs) == merged


def test_lot_index_numbers_lots_within_their_trade():
    trade_index = np.array([2, 0, 2, 1, 0, 2], dtype=np.int64)
    n = len(trade_index)
    empty = np.empty(n, dtype=object)
    lots = LotMatches(
        trade_index=trade_index,
        trade_id=empty,
        symbol=empty,
        entry_execution_id=empty,
        exit_execution_id=empty,
        entry_time=np.zeros(n, dtype=np.int64),
        exit_time=np.zeros(n, dtype=np.int64),
        entry_price=np.zeros(n),
        exit_price=np.zeros(n),
        quantity=np.zeros(n),
        points=np.zeros(n),
        pnl_gross=np.zeros(n),
    )
    assert lots.column("lot_index").tolist() == [0, 0, 1, 0, 1, 2]


def test_large_write_refreshes_planner_statistics(engine, session_factory):
    """PostgreSQL: a write that changes most of the trades table analyzes it, so the
    planner does not keep assuming an empty table."""
    if engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    with session_scope(session_factory) as s:
        s.add(Strategy(strategy_id="S1"))
        s.flush()
        s.add(Run(run_id="R1", strategy_id="S1"))
        s.flush()
        # 6,000 round trips: 12,000 fills, alternating buys and sells.
        fills = [
            _fill("R1", n, "ES", "BUY" if n % 2 == 0 else "SELL", 1.0, 100.0 + n % 3)
            for n in range(12_000)
        ]
        columns = [c.key for c in Execution.__table__.c]
        s.execute(insert(Execution), [{k: getattr(f, k) for k in columns} for f in fills])
    with engine.connect() as conn:
        before = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'trades'")
        ).scalar()
    rebuild_trades(engine)
    with engine.connect() as conn:
        after = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'trades'")
        ).scalar()
        stored = conn.execute(select(Trade.trade_id)).all()
    assert len(stored) == 6_000
    assert before <= 0 and after == 6_000


def test_lots_that_change_under_an_unchanged_trade_row_are_rewritten(engine, session_factory):
    """Two exits swap prices: the trade's averages, PnL and counts stay, its lots change.
    The merge compares trades only; the lots' digest in the trade row makes it see this."""
    with session_scope(session_factory) as s:
        s.add(Strategy(strategy_id="S1"))
        s.flush()
        s.add(Run(run_id="R1", strategy_id="S1"))
        s.flush()
        for n, side, price in (
            (0, "BUY", 100.0),
            (1, "BUY", 102.0),
            (2, "SELL", 103.0),
            (3, "SELL", 101.0),
        ):
            s.add(_fill("R1", n, "ES", side, 1.0, price))
    rebuild_trades(engine, merge_min_trades=0)
    trades_before, lots_before = _stored(session_factory)

    with session_scope(session_factory) as s:
        for execution_id, price in (("ES-0002", 101.0), ("ES-0003", 103.0)):
            s.execute(
                update(Execution)
                .where(Execution.run_id == "R1", Execution.execution_id == execution_id)
                .values(price=price)
            )
    rebuild_trades(engine, merge_min_trades=0)
    trades_after, lots_after = _stored(session_factory)

    digest = [c.name for c in TRADE_COLUMNS].index("lots_digest")
    without_digest = [row[:digest] + row[digest + 1 :] for row in trades_before + trades_after]
    assert len(trades_before) == 1 and without_digest[0] == without_digest[1]
    assert trades_before[0][digest] != trades_after[0][digest]
    assert lots_after != lots_before
    assert _rebuild_from_empty(engine, session_factory) == (trades_after, lots_after)
