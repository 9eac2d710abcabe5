"""The stream's rebuilds in a child process: same trades, events that reach the server's
bus through the event log, and a child that dies is replaced by the next rebuild."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer
from sqlalchemy import Engine, text

from strategy_analysis.events import Event
from strategy_analysis.ingest.stream import store_batch
from strategy_analysis.jobs.rebuild_process import ProcessRebuilds
from strategy_analysis.jobs.shared_events import SharedEventBus
from strategy_analysis.trades.rebuild import ANALYSIS_UPDATED, rebuild_trades

RUN = {"run_id": "child", "strategy_id": "S", "account_id": "A1"}


def _batch(first: int) -> dict[str, Any]:
    executions = [
        {
            "execution_id": f"E{n}",
            "order_id": f"O{n}",
            "symbol": "ES",
            "side": "BUY" if n % 2 == 0 else "SELL",
            "exec_time_utc": f"2025-01-06T14:{n // 60:02d}:{n % 60:02d}Z",
            "price": 100.0 + n,
            "quantity": 1.0,
        }
        for n in range(first, first + 4)
    ]
    return {"schema_version": "1.1", "run": RUN, "executions": executions}


def _trades(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT * FROM trades WHERE run_id = 'child' ORDER BY trade_id")
            )
        ]


@pytest.fixture
def rebuilds(engine: Engine) -> Any:
    process = ProcessRebuilds.for_engine(engine)
    if process is None:
        assert engine.dialect.name == "sqlite"
        pytest.skip("the server rebuilds in a child process on PostgreSQL only")
    process.start()
    yield process
    process.stop()


def test_a_child_rebuild_is_heard_on_the_servers_bus(engine: Engine, rebuilds: Any) -> None:
    bus = SharedEventBus(engine)
    seen: list[Event] = []
    bus.subscribe(seen.append)
    bus.start()
    try:
        for first in (0, 4):
            since = store_batch(engine, _batch(first)).rebuild_from
            result = rebuilds(since)
            assert result.runs == ["child"]
        deadline = time.monotonic() + 10
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        bus.stop()
    assert [(e.type, e.data["run_id"], e.data["trades"]) for e in seen] == [
        (ANALYSIS_UPDATED, "child", 2),
        (ANALYSIS_UPDATED, "child", 4),
    ]
    assert all(e.id is not None for e in seen)  # stored by the child, read by the server
    streamed = _trades(engine)
    rebuild_trades(engine, run_id="child")
    assert len(streamed) == 4 and streamed == _trades(engine)


def test_a_child_that_died_is_replaced(engine: Engine, rebuilds: Any) -> None:
    since = store_batch(engine, _batch(0)).rebuild_from
    rebuilds(since)
    for pid in list(rebuilds._executor()._processes):
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(Exception, match="terminated abruptly"):
        rebuilds(since)
    since = store_batch(engine, _batch(4)).rebuild_from
    assert rebuilds(since).trades > 0
    assert len(_trades(engine)) == 4


def test_the_child_ends_with_a_killed_server(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the server rebuilds in a child process on PostgreSQL only")
    with LiveServer(database_url, tmp_path) as live_server:
        _the_child_ends_with(live_server)


def _the_child_ends_with(live_server: LiveServer) -> None:
    deadline = time.monotonic() + 30
    while not (children := live_server.children()):
        assert time.monotonic() < deadline, "the server started no rebuild process"
        time.sleep(0.1)
    live_server.kill()
    deadline = time.monotonic() + 10
    while alive := {pid for pid in children if Path(f"/proc/{pid}").exists()}:
        assert time.monotonic() < deadline, f"processes {alive} outlived the killed server"
        time.sleep(0.1)
