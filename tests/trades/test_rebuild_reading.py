"""What a rebuild reads, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import numpy as np
import pytest
from trades.trade_factories import T0, at

from strategy_analysis.db.engine import session_scope
from strategy_analysis.db.models import Bar, Execution, Run, Strategy
from strategy_analysis.trades.builder import build_trades
from strategy_analysis.trades.columns import NO_TIME
from strategy_analysis.trades.reading import (
    BarReads,
    finest_timeframe_of,
    load_bars,
    load_executions,
    run_contexts,
)


def _execution(execution_id, side, seconds, *, seq, account="A", symbol="ES", strategy=None):
    return Execution(
        run_id="R",
        execution_id=execution_id,
        order_id=f"o-{execution_id}",
        strategy_id=strategy,
        account_id=account,
        symbol=symbol,
        side=side,
        exec_time=T0 + timedelta(seconds=seconds),
        price=100.0 + seq,
        quantity=1,
        fee=0.5,
        sequence=seq,
    )


def _bar(seconds, high, low, *, timeframe="1m", symbol="ES", end=None):
    return Bar(
        symbol=symbol,
        timeframe=timeframe,
        start_time=T0 + timedelta(seconds=seconds),
        end_time=None if end is None else T0 + timedelta(seconds=end),
        open=low,
        high=high,
        low=low,
        close=high,
        volume=1,
    )


def _seed(session_factory, executions, bars=()):
    with session_scope(session_factory) as s:
        s.add(Strategy(strategy_id="S"))
        s.flush()
        s.add(Run(run_id="R", strategy_id="S", account_id=None))
        s.flush()
        s.add_all(executions)
        s.add_all(bars)


def _run(engine):
    with engine.connect() as conn:
        return run_contexts(conn, ["R"])["R"]


@pytest.mark.parametrize(
    "odd",
    ["plain", "unit\x1fseparator", "\x1erecord mark", ""],
    ids=["plain", "separator", "marker", "empty"],
)
def test_texts_nulls_and_separator_characters_are_read_exactly(engine, session_factory, odd):
    _seed(
        session_factory,
        [
            _execution(f"id-{odd}", "BUY", 0, seq=1, account=odd),
            _execution("x2", "SELL", 1, seq=2, account=None, strategy=odd or None),
            _execution(f"{odd}-x3", "BUY", 2, seq=3, account="A", symbol=f"N{odd}"),
        ],
    )
    columns = load_executions(engine, _run(engine))
    # Ordered by symbol, then time.
    assert columns.execution_id.tolist() == [f"id-{odd}", "x2", f"{odd}-x3"]
    assert columns.account_id.tolist() == [odd, None, "A"]
    assert columns.symbol.tolist() == ["ES", "ES", f"N{odd}"]
    assert columns.strategy_id.tolist() == ["S", odd or "S", "S"]
    assert columns.side.tolist() == [1, -1, 1]
    assert columns.price.tolist() == [101.0, 102.0, 103.0]
    assert columns.fee.tolist() == [0.5, 0.5, 0.5]
    assert columns.exec_time.tolist() == [at(0), at(1), at(2)]
    assert columns.sequence.tolist() == [1, 2, 3]


def test_no_executions_read_as_empty_columns(engine, session_factory):
    _seed(session_factory, [])
    assert len(load_executions(engine, _run(engine))) == 0


def test_finest_timeframe_of_none_one_and_several(engine, session_factory):
    _seed(
        session_factory,
        [],
        [
            _bar(0, 2.0, 1.0, symbol="ONE"),
            _bar(60, 2.0, 1.0, symbol="ONE"),
            _bar(0, 2.0, 1.0, symbol="MANY", timeframe="5m"),
            _bar(0, 2.0, 1.0, symbol="MANY", timeframe="Tick 500", end=10),
            _bar(10, 2.0, 1.0, symbol="MANY", timeframe="Tick 500", end=25),
            _bar(0, 2.0, 1.0, symbol="MANY", timeframe="1h"),
        ],
    )
    with engine.connect() as conn:
        assert finest_timeframe_of(conn, "NONE") is None
        assert finest_timeframe_of(conn, "ONE") == "1m"
        assert finest_timeframe_of(conn, "MANY") == "Tick 500"


def _assert_same_bars(expected, actual):
    assert expected.keys() == actual.keys()
    for symbol in expected:
        for f in fields(expected[symbol]):
            want, got = getattr(expected[symbol], f.name), getattr(actual[symbol], f.name)
            assert got.dtype == want.dtype, (symbol, f.name)
            assert got.tolist() == want.tolist(), (symbol, f.name)


def test_bars_read_alongside_executions_equal_load_bars_over_the_trades(engine, session_factory):
    """An early open trade (account B) and a late one widen the executions' span beyond the
    closed trades; bars outside the trades' span, a coarser timeframe and bars with and
    without an end must come out as load_bars gives them."""
    _seed(
        session_factory,
        [
            _execution("b1", "BUY", 30, seq=1, account="B"),
            _execution("e1", "BUY", 150, seq=2),
            _execution("x1", "SELL", 250, seq=3),
            _execution("e2", "SELL", 300, seq=4),
            _execution("x2", "BUY", 420, seq=5),
            _execution("late", "BUY", 700, seq=6),
            _execution("n1", "BUY", 100, seq=7, symbol="NQ"),
        ],
        [
            *(_bar(s, 110.0 + s / 60, 90.0 - s / 60) for s in range(0, 900, 60) if s != 240),
            _bar(130, 500.0, 1.0, timeframe="5m"),
            _bar(240, 120.0, 80.0, end=290),
            # NQ has bars but only an open trade: none are read for it.
            _bar(60, 2.0, 1.0, symbol="NQ"),
        ],
    )
    run = _run(engine)
    reads = BarReads(engine, run.run_id, ["ES", "NQ"])
    built = build_trades(load_executions(engine, run), {}, run.run_id, run.strategy_id)
    assert int(built.closed.sum()) == 2
    got = reads.for_trades(built)

    with engine.connect() as conn:
        _, expected = load_bars(conn, "ES", at(150), at(420))
    _assert_same_bars({"ES": expected}, got)
    # From the bar holding the first entry (120) to the one starting at the last exit (420).
    assert got["ES"].start_time.tolist() == [at(s) for s in (120, 180, 240, 300, 360, 420)]
    assert got["ES"].end_time.tolist() == [NO_TIME, NO_TIME, at(290), NO_TIME, NO_TIME, NO_TIME]
    assert set(got["ES"].timeframe.tolist()) == {"1m"}
    assert got["ES"].high.tolist() == [112.0, 113.0, 120.0, 115.0, 116.0, 117.0]


def test_bar_reads_without_closed_trades_or_bars(engine, session_factory):
    _seed(
        session_factory,
        [_execution("e1", "BUY", 10, seq=1), _execution("x1", "SELL", 20, seq=2)],
    )
    run = _run(engine)
    built = build_trades(load_executions(engine, run), {}, run.run_id, run.strategy_id)
    assert BarReads(engine, run.run_id, ["ES"]).for_trades(built) == {}
    assert BarReads(engine, run.run_id, []).for_trades(built) == {}


def test_first_entry_before_every_bar_starts_at_the_first_bar(engine, session_factory):
    _seed(
        session_factory,
        [_execution("e1", "BUY", 10, seq=1), _execution("x1", "SELL", 200, seq=2)],
        [_bar(60, 3.0, 1.0), _bar(120, 4.0, 2.0), _bar(240, 5.0, 1.0)],
    )
    run = _run(engine)
    built = build_trades(load_executions(engine, run), {}, run.run_id, run.strategy_id)
    got = BarReads(engine, run.run_id, ["ES"]).for_trades(built)
    assert got["ES"].start_time.tolist() == [at(60), at(120)]
    assert np.array_equal(got["ES"].low, [1.0, 2.0])
