"""The debounced rebuild of stream batches: which ``since`` each pair is rebuilt from."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine

from strategy_analysis.events import EventBus
from strategy_analysis.jobs.rebuild_scheduler import RebuildScheduler
from strategy_analysis.jobs.retry import RetryPolicy
from strategy_analysis.trades import incremental

PAIR = ("run-1", "ES")


class Recorder(list):
    """The ``since`` maps the rebuild was called with; fails ``failures`` times first."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0
        self.error: Exception = RuntimeError("database went away")
        self.lock = threading.Lock()

    def __call__(
        self, engine: Any, since: Any, *, event_bus: Any = None, cache: Any = None
    ) -> None:
        with self.lock:
            self.append(dict(since))
            if self.failures:
                self.failures -= 1
                raise self.error


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(incremental, "rebuild_since", recorder)
    return recorder


def _settle(scheduler: RebuildScheduler, count: int, calls: list[Any]) -> None:
    deadline = time.monotonic() + 5
    while (len(calls) < count or not scheduler.idle()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(calls) == count


def test_the_earliest_since_wins_and_none_means_full(calls: Recorder) -> None:
    scheduler = RebuildScheduler(None, EventBus(), debounce_seconds=0.2)  # type: ignore[arg-type]
    scheduler.start()
    try:
        scheduler.add([PAIR], since={PAIR: 100})
        scheduler.add([PAIR], since={PAIR: 50})
        scheduler.add([PAIR], since={PAIR: 70}, immediate=True)
        _settle(scheduler, 1, calls)
        assert calls[-1] == {PAIR: 50}

        scheduler.add([PAIR], since={PAIR: 10})
        scheduler.add([PAIR], immediate=True)  # a batch that gave no since
        _settle(scheduler, 2, calls)
        assert calls[-1] == {PAIR: None}
    finally:
        scheduler.stop()


def test_after_a_failed_rebuild_the_next_one_is_full(calls: Recorder) -> None:
    calls.failures = 1
    scheduler = RebuildScheduler(None, EventBus(), debounce_seconds=0.0)  # type: ignore[arg-type]
    scheduler.start()
    try:
        scheduler.add([PAIR], since={PAIR: 100}, immediate=True)
        _settle(scheduler, 1, calls)
        scheduler.add([PAIR], since={PAIR: 200}, immediate=True)
        _settle(scheduler, 2, calls)
        assert calls == [{PAIR: 100}, {PAIR: None}]
        scheduler.add([PAIR], since={PAIR: 300}, immediate=True)
        _settle(scheduler, 3, calls)
        assert calls[-1] == {PAIR: 300}
    finally:
        scheduler.stop()


def test_a_closing_batch_is_rebuilt_before_other_due_pairs(calls: Recorder) -> None:
    """Several runs streaming keep the rebuild busy: the pairs of a batch that closes its
    run go first, the other due pairs right after."""
    scheduler = RebuildScheduler(None, EventBus(), debounce_seconds=0.0)  # type: ignore[arg-type]
    other = [("run-2", "ES"), ("run-3", "NQ")]
    scheduler.add(other, since={pair: 5 for pair in other})
    scheduler.add([PAIR], since={PAIR: 7}, immediate=True)
    scheduler.start()
    try:
        _settle(scheduler, 3, calls)
        assert calls[0] == {PAIR: 7}
        # one run at a time, the earliest due first
        assert calls[1:] == [{pair: 5} for pair in other]
    finally:
        scheduler.stop()


@pytest.mark.parametrize(("failures", "attempts"), [(2, 3), (10, 2)])
def test_transient_failures_are_tried_again_without_a_new_batch_up_to_the_attempts(
    calls: Recorder, engine: Engine, failures: int, attempts: int
) -> None:
    calls.failures = failures
    calls.error = sqlite3.OperationalError("database is locked")
    retry = RetryPolicy(attempts=attempts, first_delay=0.05)
    scheduler = RebuildScheduler(engine, EventBus(), debounce_seconds=0.0, retry=retry)
    scheduler.start()
    try:
        scheduler.add([PAIR], since={PAIR: 100}, immediate=True)
        made = min(failures + 1, attempts)
        _settle(scheduler, made, calls)
        # Tried again in full, as after any failure.
        assert calls == [{PAIR: 100}] + [{PAIR: None}] * (made - 1)
        time.sleep(0.3)
        assert len(calls) == made and scheduler.idle()
    finally:
        scheduler.stop()
