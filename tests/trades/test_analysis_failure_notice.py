"""The ``analysis_failed`` notice goes out once the failure is stored: a client that reads the
run on the notice finds it failed (before, a page could read it first and show it built).
When storing fails, the notice still goes out."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, select

from strategy_analysis.db.models import AnalysisFailure, Run, Strategy
from strategy_analysis.events import Event, EventBus
from strategy_analysis.trades.analysis_failures import record_failure


def _stored_failures(engine: Engine, run_id: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            (row.symbol, row.error)
            for row in conn.execute(
                select(AnalysisFailure.symbol, AnalysisFailure.error)
                .where(AnalysisFailure.run_id == run_id)
                .order_by(AnalysisFailure.symbol)
            )
        ]


def test_the_notice_follows_the_stored_failure(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Strategy).values(strategy_id="S"))
        conn.execute(insert(Run).values(run_id="r1", strategy_id="S"))
    bus = EventBus()
    seen: list[tuple[Event, list[tuple[str, str]]]] = []
    bus.subscribe(lambda event: seen.append((event, _stored_failures(engine, "r1"))))
    record_failure(
        engine, run_id="r1", strategy_id="S", symbols=["NQ", "ES"], reason="boom", event_bus=bus
    )
    [(event, stored_then)] = seen
    assert event.type == "analysis_failed"
    assert event.data["run_id"] == "r1" and event.data["symbols"] == ["ES", "NQ"]
    assert stored_then == [("ES", "boom"), ("NQ", "boom")]


def test_the_notice_goes_out_when_the_failure_cannot_be_stored(tmp_path: Path) -> None:
    no_schema = create_engine(f"sqlite:///{tmp_path / 'blank.db'}")
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    try:
        record_failure(
            no_schema, run_id="r1", strategy_id=None, symbols=[], reason="x", event_bus=bus
        )
    finally:
        no_schema.dispose()
    assert [(event.type, event.data["error"]) for event in seen] == [("analysis_failed", "x")]
