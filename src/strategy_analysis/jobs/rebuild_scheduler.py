"""Debounced trade rebuilds after stream batches.

A strategy streams many small batches; rebuilding a (run, symbol) after each one would
redo the same work many times. Batches add their affected pairs here; a pair is rebuilt
``debounce`` seconds after it first became dirty (so a steady stream still sees its trades
within about that delay), immediately when a batch closes the run, and then before the
other due pairs (several runs streaming keep the thread busy). One thread runs the
rebuilds, one run's pairs at a time, so a pair is never rebuilt twice at the same time;
a pair dirtied again during its rebuild is rebuilt once more afterwards.

A batch may say from when each pair's trades can have changed (``since``, microseconds):
the pair is then rebuilt incrementally from there (trades/incremental.py), which keeps a
long streamed run's rebuild as small as the data that arrived (the run's stored trades,
which its statistics need, stay in memory between rebuilds). Without it, or when any
batch since the last rebuild gave None, the pair is rebuilt in full.

A rebuild that fails is recorded on its runs (trades/analysis_failures.py), also when it
fails outside any one run (the database out of reach, the child process killed); its
pairs are rebuilt in full next time. A transient failure (db/errors.py) makes them due
again after the RetryPolicy's pause, up to its attempts.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from functools import partial

from sqlalchemy import Engine

from ..events import EventBus
from ..trades.analysis_failures import RebuildFailed, record_failures
from ..trades.run_trades import RunTradesCache
from .boundary import run_guarded
from .rebuild_process import ProcessRebuilds
from .retry import RetryPolicy, worth_retrying

log = logging.getLogger(__name__)

SWITCH_INTERVAL_SECONDS = 0.0005

Pair = tuple[str, str]


class RebuildScheduler:
    """The rebuilds run in this process's thread, or, given ``process``, in that child
    process, which starts and stops with the scheduler (``for_engine`` chooses)."""

    def __init__(
        self,
        engine: Engine,
        event_bus: EventBus,
        debounce_seconds: float,
        process: ProcessRebuilds | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.event_bus = event_bus
        self.debounce = max(0.0, debounce_seconds)
        self.process = process
        self.retry = retry or RetryPolicy()
        # Transient failures in a row per pair (reset by a successful rebuild).
        self._retries: dict[Pair, int] = {}
        # What failed the rebuild in progress.
        self._failure: BaseException | None = None
        self._due: dict[Pair, float] = {}
        # Earliest change per dirty pair (None: rebuild in full).
        self._since: dict[Pair, int | None] = {}
        # Pairs of batches that closed their run: rebuilt before the other due pairs.
        self._urgent: set[Pair] = set()
        # Pairs whose last rebuild failed: their stored trades may miss any change since
        # an earlier rebuild, so the next one is full.
        self._failed: set[Pair] = set()
        self._cond = threading.Condition()
        self._stopping = False
        self._busy = False
        self._thread: threading.Thread | None = None
        self.rebuilds = 0
        # The stored trades of the runs rebuilt last (in this process; a child process
        # keeps its own): a streamed run's next incremental rebuild does not read them all
        # again.
        self.run_trades = RunTradesCache() if process is None else None

    @classmethod
    def for_engine(
        cls,
        engine: Engine,
        event_bus: EventBus,
        debounce_seconds: float,
        retry: RetryPolicy | None = None,
        child_process: bool = True,
    ) -> RebuildScheduler:
        """As the server runs it: on PostgreSQL the rebuilds go to a child process, off
        the GIL the stream batches need, unless ``child_process`` is false; on SQLite they
        stay here (rebuild_process.py)."""
        process = ProcessRebuilds.for_engine(engine) if child_process else None
        return cls(engine, event_bus, debounce_seconds, process, retry)

    def add(
        self,
        pairs: Iterable[Pair],
        *,
        immediate: bool = False,
        since: Mapping[Pair, int | None] | None = None,
    ) -> None:
        now = time.monotonic()
        due_at = now if immediate else now + self.debounce
        with self._cond:
            for run_id, symbol in pairs:
                pair = (str(run_id), str(symbol))
                # Keep the earlier deadline: more batches do not postpone a rebuild.
                self._due[pair] = min(self._due.get(pair, due_at), due_at)
                if immediate:
                    self._urgent.add(pair)
                moment = (since or {}).get(pair)
                if pair in self._failed:
                    self._failed.discard(pair)
                    moment = None
                if pair in self._since:
                    known = self._since[pair]
                    moment = None if known is None or moment is None else min(known, moment)
                self._since[pair] = moment
            self._cond.notify()

    def start(self) -> None:
        # A rebuild computes in Python for a while; a batch waiting on the database
        # needs the GIL back when its answer arrives, and by default gets it only after
        # up to 5 ms, several times per batch.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_SECONDS))
        if self.process is not None:
            self.process.start()
        self._thread = threading.Thread(target=self._loop, name="trade-rebuild", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.process is not None:
            self.process.stop()

    def idle(self) -> bool:
        with self._cond:
            return not self._due and not self._busy

    def _take_due(self) -> dict[Pair, int | None] | None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                ready = [pair for pair, due in self._due.items() if due <= now]
                urgent = [pair for pair in ready if pair in self._urgent]
                if urgent:
                    ready = urgent
                if ready:
                    # One run at a time: a closing batch waits for one run's rebuild at
                    # most, not for every run that came due with it.
                    run_id = min(ready, key=lambda pair: self._due[pair])[0]
                    ready = [pair for pair in ready if pair[0] == run_id]
                    self._urgent.difference_update(ready)
                    for pair in ready:
                        del self._due[pair]
                    self._busy = True
                    return {pair: self._since.pop(pair, None) for pair in ready}
                wait = min(self._due.values()) - now if self._due else None
                self._cond.wait(wait)
            return None

    def _rebuild(self, since: Mapping[Pair, int | None]) -> None:
        if self.process is not None:
            self.process(since)
            return
        from ..trades import incremental

        incremental.rebuild_since(
            self.engine, since, event_bus=self.event_bus, cache=self.run_trades
        )

    def _rebuild_noting_failure(self, since: Mapping[Pair, int | None]) -> None:
        self._failure = None
        try:
            self._rebuild(since)
        except BaseException as exc:
            self._failure = exc
            raise

    def _record_failure(self, pairs: Mapping[Pair, int | None], message: str) -> None:
        if isinstance(self._failure, RebuildFailed):
            return  # recorded on each of its runs already
        record_failures(self.engine, pairs, message, self.event_bus)

    def _after_failure(self, pairs: Mapping[Pair, int | None]) -> None:
        """Under the condition: rebuild the pairs in full next time, and soon again when
        the failure was transient (until the attempts are spent)."""
        self._failed.update(pairs)
        failure = self._failure
        if failure is None or not worth_retrying(failure):
            return
        due_at = time.monotonic()
        for pair in pairs:
            failed = self._retries.get(pair, 0) + 1
            self._retries[pair] = failed
            if failed >= self.retry.attempts:
                log.warning("rebuild of %s failed %d times in a row: not tried again", pair, failed)
                continue
            pair_due = due_at + self.retry.delay(failed)
            self._due[pair] = min(self._due.get(pair, pair_due), pair_due)
            self._since[pair] = None  # in full, as _failed would make it
            self._failed.discard(pair)
        self._cond.notify()

    def _loop(self) -> None:
        while (pairs := self._take_due()) is not None:
            started = time.perf_counter()
            ok = run_guarded(
                f"trade rebuild of {len(pairs)} (run, symbol) pairs",
                partial(self._rebuild_noting_failure, pairs),
                partial(self._record_failure, pairs),
            )
            with self._cond:
                self._busy = False
                if ok:
                    for pair in pairs:
                        self._retries.pop(pair, None)
                else:
                    self._after_failure(pairs)
            self.rebuilds += 1
            if ok:
                log.info(
                    "rebuilt trades of %d (run, symbol) pairs in %.3f s",
                    len(pairs),
                    time.perf_counter() - started,
                )
