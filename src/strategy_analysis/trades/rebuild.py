"""Rebuild trades, lot matches and run statistics in the database.

Per run, in ONE transaction, one symbol at a time and within it a window of executions
at a time (``WINDOW_ROWS``, one keyset query each): build the trades up to every
account's last flat point (flat_cut.py; an open position's fills go on to the next
window), read the bars their time span needs, compute excursions, and write them into the
(run, symbol) pair's stored trades and lot matches; each window's fills go to the run's
execution-quality and data-quality assessment (which reads the run's orders once, as
numbers, and the bars around the window's fills); then store the run's statistics and
equity curve from every trade's statistics columns, and the assessment. Memory holds one
window's trade data, the assessment's figures (a few numbers per order and per order
type, flag and symbol) and every trade's few statistics columns; a reader sees the old
trades or the new ones, never a mixture.
When the transaction commits, ``analysis_updated`` is published on the event bus. A run
whose rebuild fails is recorded as failed (analysis_failures.py) and the other runs are still
rebuilt; the call then raises RebuildFailed.
"""

from __future__ import annotations

import ctypes
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

from ..errors import NotFoundError
from ..events import EventBus
from .analysis_failures import RunFailures, clear_failures
from .builder import build_trades
from .columns import ExecutionColumns
from .excursions import compute_excursions
from .flat_cut import concat_executions, up_to_flat
from .quality.assessment import RunAssessment
from .quality.columns import fills_of
from .quality.store import store_run_quality
from .reading import (
    BarReads,
    RunContext,
    StoredTradeMetrics,
    all_run_ids,
    concat_metrics,
    execution_windows,
    existing_pairs,
    load_trade_metrics,
    pairs_of_symbol,
    point_values,
    run_contexts,
)
from .run_lock import run_lock
from .statistics import compute_equity_curve, compute_statistics
from .writing import MERGE_MIN_TRADES, SymbolTradesWriter, large_write_cache, store_statistics

log = logging.getLogger(__name__)

ANALYSIS_UPDATED = "analysis_updated"
PHASES = ("load", "build", "excursions", "write", "quality", "statistics")
# Executions of a symbol read and built at a time: the rebuild's memory follows this
# (plus an open position's fills carried to the next window), not the run's size.
WINDOW_ROWS = 50_000
# The stored equity curve is an envelope of at most this many points (a chart's worth).
EQUITY_POINTS_STORED = 10_000


class UnknownRunError(NotFoundError, LookupError):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id!r} does not exist")
        self.run_id = run_id


@dataclass
class RebuildResult:
    """What a rebuild did, with the time spent in each phase (seconds)."""

    pairs: int = 0
    runs: list[str] = field(default_factory=list)
    executions: int = 0
    trades: int = 0
    lots: int = 0
    bars: int = 0
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    def summary(self) -> str:
        split = ", ".join(f"{phase} {self.timings[phase]:.2f}s" for phase in PHASES)
        return (
            f"rebuilt {self.pairs} (run, symbol) pairs in {len(self.runs)} runs: "
            f"{self.trades} trades, {self.lots} lot matches from {self.executions} executions "
            f"and {self.bars} bars in {self.seconds:.2f}s ({split})"
        )


class Clock:
    def __init__(self, result: RebuildResult) -> None:
        self.result = result
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.result.timings[phase] += now - self.last
        self.last = now


def store_run_statistics(
    conn: Connection,
    run: RunContext,
    metrics: StoredTradeMetrics,
    token: str | None = None,
    *,
    assess: bool = True,
    assessment: RunAssessment | None = None,
    clock: Clock | None = None,
) -> int:
    """Compute and store the run's statistics and equity curve (with the rebuild's
    ``token``, a new one if None) and, when ``assess``, its execution quality and
    data-quality findings: from ``assessment`` (fed some of the run's symbols; the others
    are read here), or all read here when None. ``clock``: laps the statistics and the
    assessment. Returns its closed trades."""
    statistics = compute_statistics(metrics, run.reported_net_pnl, run.reported_trade_count)
    total = statistics["total_trades"]
    document = {
        "statistics": statistics,
        "equity": compute_equity_curve(metrics, max_points=EQUITY_POINTS_STORED),
        "equity_points_total": total + 1 if total else 0,
    }
    store_statistics(conn, run.run_id, document, token)
    if clock is not None:
        clock.lap("statistics")
    if assess:
        # Through the same connection: the findings see the trades this transaction wrote.
        if assessment is None:
            assessment = RunAssessment.of_run(conn, run.run_id)
        assessment.add_unread(conn, run)
        document = assessment.document_of_run(conn, statistics["reconciliation"])
        store_run_quality(conn, run.run_id, document)
    if clock is not None:
        clock.lap("quality")
    return len(metrics.closed)


def publish_analysis_updated(
    event_bus: EventBus | None, run: RunContext, run_trades: int, symbols: Iterable[str]
) -> None:
    """Tell listeners (the web app, over SSE) that the run's analysis was rebuilt."""
    if event_bus is not None:
        event_bus.publish(
            ANALYSIS_UPDATED,
            strategy_id=run.strategy_id,
            run_id=run.run_id,
            trades=run_trades,
            symbols=sorted(symbols),
        )


def _group_by_run(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    by_run: dict[str, set[str]] = defaultdict(set)
    for run_id, symbol in pairs:
        by_run[str(run_id)].add(str(symbol))
    return by_run


def rebuild_trades(
    engine: Engine,
    pairs: Iterable[tuple[str, str]] | None = None,
    *,
    run_id: str | None = None,
    event_bus: EventBus | None = None,
    merge_min_trades: int = MERGE_MIN_TRADES,
    window_rows: int = WINDOW_ROWS,
) -> RebuildResult:
    """Rebuild the given (run_id, symbol) pairs; every pair of ``run_id``; or everything.
    ``merge_min_trades``: see SymbolTradesWriter; ``window_rows``: executions read and
    built at a time (memory follows it, not the run).

    Pairs of runs that no longer exist are skipped. An unknown ``run_id`` given alone
    raises UnknownRunError. Without pairs, runs that have no executions get their (empty)
    statistics too, so a run that reports trades but sent no fills shows the mismatch.
    RebuildFailed, after every other run was rebuilt, names the runs whose rebuild failed.
    """
    with engine.connect() as conn:
        if pairs is None:
            every_run = [run_id] if run_id is not None else all_run_ids(conn)
            if run_id is not None and not run_contexts(conn, every_run):
                raise UnknownRunError(run_id)
            by_run = _group_by_run(existing_pairs(conn, run_id))
            for rid in every_run:
                by_run.setdefault(rid, set())
        else:
            by_run = _group_by_run((r, s) for r, s in pairs if run_id is None or r == run_id)
        contexts = run_contexts(conn, by_run)
    result = RebuildResult()
    failures = RunFailures(engine, event_bus)
    for rid in sorted(by_run):
        context = contexts.get(rid)
        if context is None:
            log.warning("run %s no longer exists: its trades are not rebuilt", rid)
            continue
        with failures.guard(rid, context.strategy_id, by_run[rid]):
            _rebuild_run(
                engine,
                context,
                by_run[rid],
                result,
                event_bus,
                whole_run=pairs is None,
                merge_min_trades=merge_min_trades,
                window_rows=window_rows,
            )
    log.info(result.summary())
    failures.raise_if_any(result)
    return result


def rebuild_symbol(engine: Engine, symbol: str, event_bus: EventBus | None = None) -> RebuildResult:
    """Rebuild every run that traded ``symbol`` (after its point value changed)."""
    with engine.connect() as conn:
        pairs = pairs_of_symbol(conn, symbol)
    return rebuild_trades(engine, pairs, event_bus=event_bus)


def after_import_hook(
    engine: Engine, event_bus: EventBus | None = None
) -> Callable[[Any], RebuildResult | None]:
    """The importer's ``after_import``: rebuild the (run, symbol) pairs an import touched."""

    def rebuild_affected(report: Any) -> RebuildResult | None:
        if getattr(report, "status", None) in ("dry_run", "refused", "failed"):
            return None
        affected = list(getattr(report, "affected", None) or [])
        if not affected:
            return None
        release_free_heap()
        return rebuild_trades(engine, affected, event_bus=event_bus)

    return rebuild_affected


def release_free_heap() -> None:
    """Give the heap memory the process freed back to the system (glibc's malloc_trim).

    An import frees its SQLite page caches and read buffers, but glibc keeps freed memory
    below the top of its heap; the rebuild's arrays then come on top of it (a SQLite
    import of 1M executions left 297 MB resident, 88 MB after the trim). Elsewhere a no-op.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _rebuild_run(
    engine: Engine,
    run: RunContext,
    symbols: set[str],
    result: RebuildResult,
    event_bus: EventBus | None,
    *,
    whole_run: bool,
    merge_min_trades: int,
    window_rows: int,
) -> None:
    # Held from the first read to the commit: a rebuild that started earlier, on older
    # executions, can never overwrite the result of a later one.
    with run_lock(engine, run.run_id):
        clock = Clock(result)
        with engine.connect() as conn:
            if not run_contexts(conn, [run.run_id]):
                log.warning("run %s was deleted: its trades are not rebuilt", run.run_id)
                return
            values = point_values(conn, symbols)
        clock.lap("load")
        # A symbol's window at a time, all in one transaction: memory holds one window's
        # fills, trades and bars (and every trade's few statistics columns, the
        # assessment's few numbers per order), not the run's, while a reader still sees
        # the old trades or the new ones, never a mixture.
        parts: list[StoredTradeMetrics] = []
        executions = trades = lots = 0
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL TIME ZONE 'UTC'"))
            assessment = RunAssessment.reading_ahead(engine, conn, run.run_id)
            clock.lap("quality")
            for symbol in sorted(symbols):
                chunk = _rebuild_symbol(
                    engine,
                    conn,
                    run,
                    symbol,
                    values,
                    result,
                    clock,
                    merge_min_trades,
                    window_rows,
                    assessment,
                )
                parts.append(chunk.metrics)
                # The symbol's windows and fills are freed: back to the system before the
                # next symbol's, not left to fragment the heap under them.
                release_free_heap()
                executions += chunk.executions
                trades += chunk.trades
                lots += chunk.lots
            others = load_trade_metrics(conn, run.run_id, exclude_symbols=symbols)
            metrics = concat_metrics([*parts, others])
            # Held once through the statistics and the assessment's document, not twice.
            del parts, others
            run_trades = store_run_statistics(
                conn, run, metrics, assessment=assessment, clock=clock
            )
            clear_failures(conn, run.run_id, None if whole_run else symbols)
        clock.lap("statistics")

    result.pairs += len(symbols)
    result.runs.append(run.run_id)
    result.executions += executions
    result.trades += trades
    result.lots += lots
    log.info(
        "run %s: %d trades of %s rebuilt from %d executions",
        run.run_id,
        trades,
        ", ".join(sorted(symbols)),
        executions,
    )
    publish_analysis_updated(event_bus, run, run_trades, symbols)


@dataclass
class _SymbolRebuilt:
    metrics: StoredTradeMetrics
    executions: int
    trades: int
    lots: int


def _rebuild_symbol(
    engine: Engine,
    conn: Connection,
    run: RunContext,
    symbol: str,
    values: dict[str, float],
    result: RebuildResult,
    clock: Clock,
    merge_min_trades: int,
    window_rows: int,
    assessment: RunAssessment,
) -> _SymbolRebuilt:
    """Build one symbol's trades of the run and write them in ``conn``'s transaction,
    ``window_rows`` executions at a time (flat_cut.py: each window is built up to every
    account's last flat point, the open positions' fills go on to the next), and feed
    ``assessment`` each window's fills (it reads their bars); only the columns the run's
    statistics need are kept."""
    writer = SymbolTradesWriter(conn, run.run_id, symbol, merge_min_trades)
    parts: list[StoredTradeMetrics] = []
    carried = ExecutionColumns.empty()
    executions = trades = lots = 0
    previous_last: int | None = None
    # PostgreSQL: each window's fills are assessed on a thread of their own while the
    # window is written (the server does that work) and the next one is read and built.
    beside = (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="assess")
        if conn.dialect.name == "postgresql"
        else None
    )
    assessed: Future[None] | None = None
    try:
        windows = execution_windows(engine, run, symbol, window_rows, assessment.order_names)
        for window, last in windows:
            executions += len(window)
            # The run's orders are read from now on, beside this symbol's build and write: not
            # beside its first read, whose memory they would add to.
            assessment.read_ahead()
            fills = fills_of(window)
            pending = concat_executions(carried, window)
            window_span = _span(window)
            del window
            if last:
                ready, carried = pending, ExecutionColumns.empty()
            else:
                now = up_to_flat(pending)
                ready, carried = (
                    pending.take(np.flatnonzero(now)),
                    pending.take(np.flatnonzero(~now)),
                )
            del pending
            # One read of bars for both: the trades enter and exit within the span of their
            # executions; the assessment judges the window's fills by the bars from the last
            # fill of the window before.
            span = _union(_span(ready), window_span, previous_last)
            if window_span is not None:
                previous_last = window_span[1]
            bar_reads = BarReads(engine, run.run_id, [symbol] if span else (), span)
            clock.lap("load")
            built = build_trades(ready, values, run.run_id, run.strategy_id)
            del ready
            clock.lap("build")
            # One window at a time, in order: the one before is complete first.
            if assessed is not None:
                assessed.result()
            if beside is None:
                assessment.add_from(conn, symbol, fills, bars_between=bar_reads.between)
            else:
                assessed = assessment.add_beside(conn, symbol, fills, bar_reads.between, beside)
            del fills
            clock.lap("quality")
            bars_by_symbol = bar_reads.for_trades(built)
            result.bars += sum(len(bars) for bars in bars_by_symbol.values())
            clock.lap("load")
            compute_excursions(built, bars_by_symbol).assign_to(built)
            del bars_by_symbol
            clock.lap("excursions")
            with large_write_cache(conn):
                writer.add(built, more=not last)
            clock.lap("write")
            parts.append(concat_metrics([built]))
            trades += len(built)
            lots += len(built.lots)
            del built
        if assessed is not None:
            assessed.result()
    finally:
        if beside is not None:
            beside.shutdown(wait=True)
    with large_write_cache(conn):
        writer.finish()
    clock.lap("write")
    return _SymbolRebuilt(concat_metrics(parts), executions, trades, lots)


def _span(executions: ExecutionColumns) -> tuple[int, int] | None:
    if not len(executions):
        return None
    return int(executions.exec_time.min()), int(executions.exec_time.max())


def _union(
    trades: tuple[int, int] | None, window: tuple[int, int] | None, before: int | None
) -> tuple[int, int] | None:
    """The span of ``trades``, of ``window`` and from ``before`` on (when a window)."""
    spans = [s for s in (trades, window) if s is not None]
    if window is not None and before is not None:
        spans.append((before, window[1]))
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)
