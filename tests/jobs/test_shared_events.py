"""The event bus through the database, on both databases: what one process publishes
reaches another's subscribers in id order; a replay gives what a client missed; the
PostgreSQL listener comes back after its connection is killed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import Engine, func, select, update

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import StoredEvent
from strategy_analysis.events import Event
from strategy_analysis.jobs.shared_events import SharedEventBus


class Heard:
    def __init__(self, bus: SharedEventBus) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()
        bus.subscribe(self._add)

    def _add(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait(self, found: Callable[[list[Event]], bool], timeout: float = 10.0) -> list[Event]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not found(self.events):
                left = deadline - time.monotonic()
                assert left > 0, f"not heard: {[(e.id, e.type) for e in self.events]}"
                self._cond.wait(left)
            return list(self.events)


@pytest.fixture
def listening(database_url: str) -> Iterator[SharedEventBus]:
    """A server's bus: its own engine, its listener started."""
    engine = make_engine(database_url)
    bus = SharedEventBus(engine, retention_seconds=3600)
    bus.start()
    try:
        yield bus
    finally:
        bus.stop()
        engine.dispose()


def test_another_process_events_reach_the_listener_in_order(
    engine: Engine, listening: SharedEventBus
) -> None:
    heard = Heard(listening)
    publisher = SharedEventBus(engine)  # as the CLI: publishes, never listens
    sent = [publisher.publish("analysis_updated", run_id=f"r{n}", trades=n) for n in range(5)]
    events = heard.wait(lambda seen: len(seen) >= 5)
    assert [e.id for e in events] == [e.id for e in sent]
    assert [e.id for e in events] == sorted({e.id for e in events})
    assert [(e.type, e.data) for e in events] == [
        ("analysis_updated", {"run_id": f"r{n}", "trades": n}) for n in range(5)
    ]


def test_concurrent_publishers_are_heard_whole_and_in_id_order(
    database_url: str, listening: SharedEventBus
) -> None:
    heard = Heard(listening)
    engines = [make_engine(database_url) for _ in range(3)]
    try:
        threads = [
            threading.Thread(
                target=lambda bus=SharedEventBus(e), k=k: [
                    bus.publish("import_finished", import_id=k * 100 + n) for n in range(20)
                ]
            )
            for k, e in enumerate(engines)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for e in engines:
            e.dispose()
    events = heard.wait(lambda seen: len(seen) >= 60)
    assert sorted(e.data["import_id"] for e in events) == sorted(
        k * 100 + n for k in range(3) for n in range(20)
    )
    assert [e.id for e in events] == sorted(e.id for e in events)  # type: ignore[type-var]


def test_progress_is_not_stored(engine: Engine, listening: SharedEventBus) -> None:
    heard = Heard(listening)
    listening.publish("job_progress", job_id="j", done=1, total=2)
    [event] = heard.wait(lambda seen: len(seen) >= 1)
    assert (event.type, event.id, event.data) == (
        "job_progress",
        None,
        {"job_id": "j", "done": 1, "total": 2},
    )
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(StoredEvent)).scalar_one() == 0


def test_progress_of_another_process_crosses_on_postgresql_only(
    engine: Engine, listening: SharedEventBus
) -> None:
    heard = Heard(listening)
    SharedEventBus(engine).publish("job_progress", job_id="j", done=5, total=9)
    SharedEventBus(engine).publish("job_finished", job_id="j", status="succeeded", import_id=1)
    events = heard.wait(lambda seen: any(e.type == "job_finished" for e in seen))
    kinds = [e.type for e in events]
    # SQLite: one server per file, and the CLI draws its own progress bar.
    expected = (
        ["job_progress", "job_finished"]
        if engine.dialect.name == "postgresql"
        else ["job_finished"]
    )
    assert kinds == expected


def test_a_replay_gives_what_was_missed_or_says_some_are_gone(
    engine: Engine, listening: SharedEventBus
) -> None:
    first = listening.publish("analysis_updated", run_id="a")
    missed = [listening.publish("analysis_updated", run_id=r) for r in ("b", "c")]
    assert first.id is not None

    replay = listening.replay(first.id)
    assert not replay.missed_some
    assert [(e.id, e.data["run_id"]) for e in replay.events] == [
        (e.id, e.data["run_id"]) for e in missed
    ]
    assert replay.newest_id == missed[-1].id

    fresh = listening.replay(None)
    assert (fresh.events, fresh.newest_id, fresh.missed_some) == ([], missed[-1].id, False)
    assert listening.replay(10**9).missed_some  # not an id of this database

    # Older than the retention window: pruned, the newest kept, the client told to reload.
    with engine.begin() as conn:
        conn.execute(update(StoredEvent).values(created_at=datetime(2025, 1, 6, tzinfo=UTC)))
    # A server's bus prunes when it first publishes (then once a minute).
    newest = SharedEventBus(engine, retention_seconds=3600).publish("analysis_updated", run_id="d")
    with engine.connect() as conn:
        kept = conn.execute(select(StoredEvent.id)).scalars().all()
    assert kept == [newest.id]
    gone = listening.replay(first.id)
    assert gone.missed_some and gone.events == [] and gone.newest_id == newest.id
    assert not listening.replay(newest.id).missed_some


def test_the_postgresql_listener_reconnects_and_catches_up(
    database_url: str, engine: Engine, listening: SharedEventBus
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite is polled: there is no listening connection")
    heard = Heard(listening)
    publisher = SharedEventBus(engine)
    publisher.publish("analysis_updated", run_id="before")
    heard.wait(lambda seen: len(seen) == 1)
    libpq = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        ).fetchall()
    assert killed == [(True,)]
    # Published while the listener has no connection: read once it is back.
    publisher.publish("analysis_updated", run_id="while away")
    events = heard.wait(lambda seen: len(seen) == 2, timeout=15)
    assert events[1].data["run_id"] == "while away"
