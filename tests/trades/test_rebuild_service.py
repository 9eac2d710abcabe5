"""The rebuild service on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from trades.trade_factories import T0

from strategy_analysis.db.engine import session_scope
from strategy_analysis.db.models import (
    Bar,
    Execution,
    Instrument,
    Order,
    Run,
    RunStatistics,
    Strategy,
    Trade,
    TradeLot,
)
from strategy_analysis.events import EventBus
from strategy_analysis.trades import rebuild as rebuild_module
from strategy_analysis.trades.reading import existing_pairs
from strategy_analysis.trades.rebuild import (
    UnknownRunError,
    after_import_hook,
    rebuild_symbol,
    rebuild_trades,
)
from strategy_analysis.trades.trade_ids import trade_id


def t(seconds: float):
    return T0 + timedelta(seconds=seconds)


def execution(
    run_id,
    execution_id,
    side,
    qty,
    price,
    seconds,
    *,
    seq,
    symbol="ES",
    fee=0.0,
    account="A",
    order_id=None,
):
    return Execution(
        run_id=run_id,
        execution_id=execution_id,
        order_id=order_id or f"o-{execution_id}",
        account_id=account,
        symbol=symbol,
        side=side,
        exec_time=t(seconds),
        price=price,
        quantity=qty,
        fee=fee,
        sequence=seq,
    )


def minute_bar(symbol, seconds, high, low, timeframe="1m"):
    return Bar(
        symbol=symbol,
        timeframe=timeframe,
        start_time=t(seconds),
        open=(high + low) / 2,
        high=high,
        low=low,
        close=(high + low) / 2,
        volume=10,
    )


@pytest.fixture
def seeded(session_factory):
    """Run R1: an ES long (pv 50) with a reversal into a short, and an open NQ trade."""
    with session_scope(session_factory) as s:
        s.add(Strategy(strategy_id="S1", name="Stacked"))
        s.flush()
        s.add(
            Run(
                run_id="R1",
                strategy_id="S1",
                account_id="RunAcct",
                reported_net_pnl=440.0,
                reported_trade_count=2,
            )
        )
        s.add(Instrument(symbol="ES", point_value=50.0))
        s.flush()
        s.add_all(
            [
                execution("R1", "e1", "BUY", 2, 100.0, 60, seq=1, fee=2.0),
                # sells 3: closes the long (2) and opens a short (1); fee 3 split 2 : 1
                execution("R1", "r1", "SELL", 3, 103.0, 120, seq=2, fee=3.0),
                execution("R1", "c1", "BUY", 1, 101.0, 180, seq=3, fee=1.0),
                execution("R1", "n1", "BUY", 1, 20000.0, 90, seq=4, symbol="NQ"),
            ]
        )
        s.add_all(
            [
                minute_bar("ES", 0, 200.0, 1.0),
                minute_bar("ES", 60, 101.0, 99.0),
                minute_bar("ES", 120, 104.0, 100.5),
                minute_bar("ES", 180, 300.0, 0.5),  # starts at the short's exit: excluded
                minute_bar("ES", 0, 500.0, 0.1, timeframe="5m"),
            ]
        )
    return session_factory


def trades_by_id(session_factory):
    with session_scope(session_factory) as s:
        return {tr.trade_id: tr for tr in s.scalars(select(Trade))}


def test_rebuild_writes_trades_lots_statistics_and_publishes(engine, seeded):
    bus = EventBus()
    events = []
    bus.subscribe(events.append)
    result = rebuild_trades(engine, event_bus=bus)
    assert (result.pairs, result.runs, result.trades, result.lots) == (2, ["R1"], 3, 2)

    trades = trades_by_id(seeded)
    long = trades[trade_id("R1", "A", "ES", "e1", split=False)]
    short = trades[trade_id("R1", "A", "ES", "r1", split=True)]
    open_nq = trades[trade_id("R1", "A", "NQ", "n1", split=False)]
    assert (long.side, long.status, long.quantity) == ("LONG", "CLOSED", 2.0)
    assert (long.entry_time, long.exit_time) == (t(60), t(120))
    assert long.pnl_gross == 300.0  # 3 points x 2 x 50
    assert long.commission == 4.0 and long.pnl_net == 296.0
    # Bars [60,120) only: high 101, low 99
    assert (long.mfe_points, long.mae_points) == (1.0, 1.0)
    assert (long.mfe, long.mae, long.etd) == (100.0, 100.0, 100.0 - 300.0)
    assert (short.side, short.entry_price, short.exit_price) == ("SHORT", 103.0, 101.0)
    assert short.pnl_gross == 100.0 and short.commission == 2.0 and short.pnl_net == 98.0
    # Bar [120,180): high 104, low 100.5
    assert (short.mfe_points, short.mae_points) == (2.5, 1.0)
    assert short.strategy_id == "S1" and short.point_value == 50.0 and short.duration_seconds == 60
    assert open_nq.status == "OPEN" and open_nq.exit_time is None and open_nq.pnl_net is None
    assert open_nq.point_value == 1.0 and open_nq.mfe is None

    with session_scope(seeded) as s:
        lots = s.scalars(select(TradeLot).order_by(TradeLot.entry_time)).all()
        assert [(lot.entry_execution_id, lot.exit_execution_id, lot.quantity) for lot in lots] == [
            ("e1", "r1", 2.0),
            ("r1", "c1", 1.0),
        ]
        doc = s.get(RunStatistics, "R1").statistics
        run = s.get(Run, "R1")
        assert run.analysis_updated_at is not None
    stats = doc["statistics"]
    assert stats["total_trades"] == 2 and stats["open_trades"] == 1
    assert stats["net_profit"] == 394.0
    assert stats["reconciliation"]["net_pnl_difference"] == pytest.approx(-46.0)
    assert stats["reconciliation"]["matches"] is False
    assert [p["equity"] for p in doc["equity"]] == [0.0, 296.0, 394.0]
    assert doc["equity"][0]["time"] == "2025-01-06T14:31:00.000000Z"
    assert [
        (e.type, e.data["run_id"], e.data["strategy_id"], e.data["trades"]) for e in events
    ] == [("analysis_updated", "R1", "S1", 3)]


def test_sqlite_times_are_written_in_the_storage_format(engine, seeded):
    rebuild_trades(engine)
    with engine.connect() as conn:
        value = conn.execute(
            text("SELECT CAST(entry_time AS TEXT) FROM trades ORDER BY entry_time LIMIT 1")
        ).scalar()
    if engine.dialect.name == "sqlite":
        assert value == "2025-01-06 14:31:00.000000"
    else:
        assert value.startswith("2025-01-06 14:31:00")


def test_rebuilding_twice_is_identical(engine, seeded):
    rebuild_trades(engine)
    first = {k: (v.pnl_net, v.exit_time, v.mfe) for k, v in trades_by_id(seeded).items()}
    rebuild_trades(engine)
    assert {k: (v.pnl_net, v.exit_time, v.mfe) for k, v in trades_by_id(seeded).items()} == first


def test_only_the_given_pairs_are_rebuilt(engine, seeded):
    rebuild_trades(engine)
    with session_scope(seeded) as s:
        s.execute(update(Trade).where(Trade.symbol == "NQ").values(commission=123.0))
        s.add(execution("R1", "c2", "SELL", 1, 99.0, 240, seq=5))
    result = rebuild_trades(engine, [("R1", "ES")])
    assert result.pairs == 1
    trades = trades_by_id(seeded)
    assert [tr.commission for tr in trades.values() if tr.symbol == "NQ"] == [123.0]
    assert len([tr for tr in trades.values() if tr.symbol == "ES"]) == 3
    with session_scope(seeded) as s:
        stats = s.get(RunStatistics, "R1").statistics["statistics"]
    # The run's statistics cover the untouched NQ pair too.
    assert (stats["total_trades"], stats["open_trades"]) == (2, 2)


def test_point_value_change_rebuilds_the_symbol(engine, seeded):
    rebuild_trades(engine)
    with session_scope(seeded) as s:
        s.execute(update(Instrument).where(Instrument.symbol == "ES").values(point_value=5.0))
    result = rebuild_symbol(engine, "ES")
    assert result.pairs == 1
    long = trades_by_id(seeded)[trade_id("R1", "A", "ES", "e1", split=False)]
    assert long.pnl_gross == 30.0 and long.point_value == 5.0


def test_trades_of_removed_executions_disappear(engine, seeded):
    rebuild_trades(engine)
    with session_scope(seeded) as s:
        s.execute(delete(Execution).where(Execution.symbol == "NQ"))
    rebuild_trades(engine, run_id="R1")
    assert {tr.symbol for tr in trades_by_id(seeded).values()} == {"ES"}


def test_a_runs_pairs_are_its_traded_symbols_and_those_of_its_stale_trades(engine, seeded):
    with session_scope(seeded) as s:
        s.add(Run(run_id="R2", strategy_id="S1"))
        s.flush()
        s.add_all(
            [
                execution("R2", "y1", "BUY", 1, 10.0, 0, seq=1, symbol="YM"),
                execution("R2", "y2", "SELL", 1, 11.0, 1, seq=2, symbol="YM"),
                execution("R1", "z1", "BUY", 1, 10.0, 0, seq=5, symbol="ZB"),
            ]
        )
    rebuild_trades(engine)
    with session_scope(seeded) as s:
        s.execute(delete(Execution).where(Execution.symbol.in_(["NQ", "ZB"])))
        s.execute(delete(Execution).where(Execution.run_id == "R2"))
    with engine.connect() as conn:
        # NQ and ZB: trades left of executions that are gone; YM: another run's only.
        assert existing_pairs(conn, "R1") == [("R1", "ES"), ("R1", "NQ"), ("R1", "ZB")]
        assert existing_pairs(conn, "R2") == [("R2", "YM")]
        assert existing_pairs(conn, "R3") == []
        assert existing_pairs(conn) == [
            ("R1", "ES"),
            ("R1", "NQ"),
            ("R1", "ZB"),
            ("R2", "YM"),
        ]


def test_account_falls_back_to_the_order_then_the_run(engine, session_factory):
    with session_scope(session_factory) as s:
        s.add(Strategy(strategy_id="S1"))
        s.flush()
        s.add(Run(run_id="R2", strategy_id="S1", account_id="RunAcct"))
        s.flush()
        s.add(
            Order(
                run_id="R2",
                order_id="o1",
                strategy_id="OrderStrategy",
                account_id="OrderAcct",
                symbol="ES",
                side="BUY",
                order_type="MARKET",
                submit_time=t(0),
                quantity=1,
                status="FILLED",
            )
        )
        s.add_all(
            [
                execution("R2", "a", "BUY", 1, 10.0, 0, seq=1, account=None, order_id="o1"),
                execution("R2", "b", "SELL", 1, 11.0, 1, seq=2, account=None, order_id="o1"),
                execution("R2", "c", "BUY", 1, 10.0, 2, seq=3, account=None, order_id="missing"),
            ]
        )
    rebuild_trades(engine, run_id="R2")
    trades = trades_by_id(session_factory)
    by_first = {tr.first_execution_id: tr for tr in trades.values()}
    assert by_first["a"].account_id == "OrderAcct" and by_first["a"].strategy_id == "OrderStrategy"
    assert by_first["c"].account_id == "RunAcct" and by_first["c"].strategy_id == "S1"


def test_a_failed_write_keeps_the_old_trades(engine, seeded, monkeypatch):
    rebuild_trades(engine)
    before = trades_by_id(seeded)
    real_finish = rebuild_module.SymbolTradesWriter.finish

    def write_then_fail(self):
        real_finish(self)
        raise RuntimeError("disk full")

    with session_scope(seeded) as s:
        s.execute(update(Instrument).where(Instrument.symbol == "ES").values(point_value=1.0))
    monkeypatch.setattr(rebuild_module.SymbolTradesWriter, "finish", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        rebuild_trades(engine)
    after = trades_by_id(seeded)
    assert {k: v.pnl_gross for k, v in after.items()} == {k: v.pnl_gross for k, v in before.items()}


def test_unknown_run(engine):
    with pytest.raises(UnknownRunError, match="'nope'"):
        rebuild_trades(engine, run_id="nope")
    assert rebuild_trades(engine, [("gone", "ES")]).pairs == 0


class _Report:
    def __init__(self, affected, status="succeeded"):
        self.affected = affected
        self.status = status


def test_after_import_hook_rebuilds_affected_pairs(engine, seeded):
    bus = EventBus()
    events = []
    bus.subscribe(events.append)
    hook = after_import_hook(engine, bus)
    assert hook(_Report([])) is None
    assert hook(_Report([("R1", "ES")], status="dry_run")) is None
    result = hook(_Report([("R1", "ES")]))
    assert result.pairs == 1 and result.trades == 2
    assert {tr.symbol for tr in trades_by_id(seeded).values()} == {"ES"}
    assert len(events) == 1 and events[0].data["symbols"] == ["ES"]


def test_awkward_texts_survive_the_bulk_paths(engine, session_factory):
    """Tabs, backslashes, newlines and non-ASCII in ids; a missing account stays missing."""
    odd_ids = ["tab\there", "back\\slash", "new\nline", "Jürgen-€-1", "\\N"]
    with session_scope(session_factory) as s:
        s.add(Strategy(strategy_id="S1"))
        s.flush()
        s.add(Run(run_id="Rü", strategy_id="S1", account_id=None))
        s.flush()
        s.add_all(
            execution(
                "Rü",
                eid,
                "BUY" if i % 2 == 0 else "SELL",
                1,
                10.0 + i,
                i,
                seq=i,
                account=None,
                symbol="ÉS\\1",
            )
            for i, eid in enumerate(odd_ids[:4])
        )
        s.add(
            execution("Rü", odd_ids[4], "BUY", 1, 10.0, 10, seq=9, account="Kontø", symbol="ÉS\\1")
        )
    rebuild_trades(engine)
    trades = trades_by_id(session_factory)
    assert sorted(
        (tr.first_execution_id, tr.account_id, tr.symbol) for tr in trades.values()
    ) == sorted(
        [
            ("tab\there", None, "ÉS\\1"),
            ("new\nline", None, "ÉS\\1"),
            ("\\N", "Kontø", "ÉS\\1"),
        ]
    )
    assert trades[trade_id("Rü", None, "ÉS\\1", "tab\there", split=False)].pnl_gross == 1.0
    with session_scope(session_factory) as s:
        lots = s.scalars(select(TradeLot).order_by(TradeLot.entry_time)).all()
        assert [(lot.entry_execution_id, lot.exit_execution_id) for lot in lots] == [
            ("tab\there", "back\\slash"),
            ("new\nline", "Jürgen-€-1"),
        ]


def test_concurrent_rebuilds_of_one_run_serialise(engine, seeded):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: rebuild_trades(engine, run_id="R1"), range(4)))
    assert [r.trades for r in results] == [3, 3, 3, 3]
    assert len(trades_by_id(seeded)) == 3
