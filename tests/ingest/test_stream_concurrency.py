"""Stream batches of different runs go in side by side: one run's batches wait for each
other, another run's (of the same strategy) do not, and no shared row is held locked."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from ingest.export_factory import execution, order
from sqlalchemy import Engine, text

from strategy_analysis.events import EventBus
from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.jobs.rebuild_scheduler import RebuildScheduler
from strategy_analysis.services.stream_ingest import batch_run_id, ingest_stream_batch
from strategy_analysis.trades.run_lock import RunLocks


def _batch(run_id: str, name: str = "Stacked", n: int = 1, **run: Any) -> dict[str, Any]:
    return {
        "schema_version": "1.1",
        "run": {"run_id": run_id, "strategy_id": "S1", "strategy_name": name, **run},
        "orders": [order(f"O{n}")],
        "executions": [execution(f"E{n}", order_id=f"O{n}")],
    }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_strategy_row_is_not_held_by_an_unchanged_upsert(engine: Engine) -> None:
    """A batch of run B (same strategy, unchanged) is not kept waiting by an open batch of
    run A: the strategy row is only locked when the batch changes it."""
    assert ingest_batch(engine, _batch("run-A")).status == "succeeded"
    held = threading.Event()
    release = threading.Event()

    def hold_open() -> None:
        from strategy_analysis.ingest.run_rows import RunRows

        original = RunRows.update_run_times

        def wait_inside(self: Any, run_id: str) -> None:
            original(self, run_id)
            if run_id == "run-A":
                held.set()
                release.wait(10)

        RunRows.update_run_times = wait_inside  # type: ignore[method-assign]
        try:
            ingest_batch(engine, _batch("run-A", n=2))
        finally:
            RunRows.update_run_times = original  # type: ignore[method-assign]

    thread = threading.Thread(target=hold_open)
    thread.start()
    try:
        assert held.wait(10)
        started = time.perf_counter()
        report = ingest_batch(engine, _batch("run-B"))
        assert report.status == "succeeded", report.error
        assert time.perf_counter() - started < 1.5
    finally:
        release.set()
        thread.join(10)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM strategies")).scalars().all() == ["Stacked"]


def test_a_changed_strategy_is_updated_and_an_absent_name_kept(engine: Engine) -> None:
    assert ingest_batch(engine, _batch("run-A")).status == "succeeded"
    assert ingest_batch(engine, _batch("run-B", name="Renamed", n=2)).status == "succeeded"
    batch = _batch("run-C", n=3)
    del batch["run"]["strategy_name"]
    assert ingest_batch(engine, batch).status == "succeeded"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM strategies")).scalars().all() == ["Renamed"]


def test_run_locks_serialise_one_run_only() -> None:
    locks = RunLocks()
    order_seen: list[str] = []
    inside = threading.Event()

    def hold(run_id: str, wait: float) -> None:
        with locks.hold(run_id):
            order_seen.append(f"in {run_id}")
            inside.set()
            time.sleep(wait)
            order_seen.append(f"out {run_id}")

    first = threading.Thread(target=hold, args=("R1", 0.3))
    first.start()
    assert inside.wait(5)
    other = threading.Thread(target=hold, args=("R2", 0.0))
    same = threading.Thread(target=hold, args=("R1", 0.0))
    other.start()
    other.join(5)
    same.start()
    same.join(5)
    first.join(5)
    assert order_seen.index("out R2") < order_seen.index("out R1")  # R2 did not wait
    assert order_seen.index("in R1", 1) > order_seen.index("out R1")  # the second R1 did
    assert len(locks) == 0  # no lock is kept for runs that are not streaming


def test_batch_run_id_names_the_lock() -> None:
    assert batch_run_id({"run": {"run_id": " R1 "}}) == "R1"
    assert batch_run_id({"run": {"run_id": 7}}) == "7"
    assert batch_run_id({"run": {"run_id": True}}) is None
    assert batch_run_id({"run": None}) is None
    assert batch_run_id([]) is None


def test_two_runs_streamed_side_by_side_store_everything(engine: Engine) -> None:
    scheduler = RebuildScheduler(engine, EventBus(), 0.05)
    locks = RunLocks()
    errors: list[BaseException] = []

    def stream(run_id: str) -> None:
        try:
            for n in range(20):
                report = ingest_stream_batch(
                    engine, _batch(run_id, n=n), scheduler=scheduler, locks=locks
                )
                assert report.status == "succeeded", report.error
        except BaseException as exc:  # noqa: BLE001 - checked below
            errors.append(exc)

    threads = [threading.Thread(target=stream, args=(r,)) for r in ("run-A", "run-B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with engine.connect() as conn:
        counts = conn.execute(
            text("SELECT run_id, count(*), count(DISTINCT sequence) FROM executions GROUP BY 1")
        ).all()
    assert sorted(tuple(c) for c in counts) == [("run-A", 20, 20), ("run-B", 20, 20)]
