"""Incremental rebuild of a streamed run: only the trades that new executions can change.

Executions appended at the end of an (account, symbol) change nothing before the last
point where that position was flat: the trades closed before it keep their ids (trade
ids are deterministic), prices, lots and excursions. So for a pair whose data changed
only from time ``since`` on (new executions, new or revised bars), each account keeps
its stored trades that closed before ``since``, minus any that share their exit instant
with a later trade's entry (a fill that crosses zero, or a new entry at the same time),
and the rest is rebuilt from the executions after the last kept exit. The run's
statistics are then computed from all its stored trades, as a full rebuild does.

Anything the cut cannot see (a changed execution, a new point value, an order that
fills in an execution's account) must go through the full rebuild: the caller gives
``since`` = None for such pairs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
from sqlalchemy import Connection, Engine, bindparam, text

from ..events import EventBus
from .analysis_failures import RebuildFailed, RunFailures, clear_failures
from .builder import build_trades
from .columns import NO_TIME, TRADE_FIELDS, BuiltTrades, ExecutionColumns
from .excursions import compute_excursions
from .quality.store import assessment_due
from .reading import BarReads, RunContext, load_executions, point_values, run_contexts
from .rebuild import (
    Clock,
    RebuildResult,
    publish_analysis_updated,
    rebuild_trades,
    store_run_statistics,
)
from .run_lock import run_lock
from .run_trades import RunTradesCache, StoredTrade, new_rebuild_token
from .writing import (
    STORED_LOT_FIELDS,
    bulk_insert,
    large_write_cache,
)

log = logging.getLogger(__name__)

Pair = tuple[str, str]


# Closed trades looked at per account before ``since``: the cut needs the last few (more
# only when many trades share their exit instant with a later entry: then all of them).
RECENT_CLOSED = 16


class CutNotFound(Exception):
    """No flat point among the recent closed trades of an account: look at all of them."""


def keep_before(
    trades: list[StoredTrade], since: int, recent: int | None = None
) -> tuple[set[str], dict[str | None, int]]:
    """(ids of the given trades to replace, per account the exit time after which to
    rebuild). ``trades`` holds every trade not closed before ``since`` and at least the
    last ``recent`` (None: all) closed before it of each account.

    An account with no trade to keep is absent from the cuts: all of its executions are
    rebuilt. CutNotFound when an account's ``recent`` closed trades all had to go.
    """
    by_account: dict[str | None, list[StoredTrade]] = defaultdict(list)
    for trade in trades:
        by_account[trade.account_id].append(trade)
    replaced: set[str] = set()
    cuts: dict[str | None, int] = {}
    for account, own in by_account.items():
        candidates = [t for t in own if t.closed and t.exit_time < since]
        later = [t for t in own if not (t.closed and t.exit_time < since)]
        replaced.update(t.trade_id for t in later)
        later_entries = {t.entry_time for t in later}
        fetched = len(candidates)
        candidates.sort(key=lambda t: t.exit_time)
        while candidates:
            cut = candidates[-1].exit_time
            # A trade entered at the instant the last kept one exits may have been opened
            # by the same fill: cut before that instant instead.
            if cut in later_entries:
                dropped = candidates.pop()
                later_entries.add(dropped.entry_time)
                replaced.add(dropped.trade_id)
                continue
            cuts[account] = cut
            break
        else:
            if recent is not None and fetched >= recent:
                raise CutNotFound(account)
    return replaced, cuts


def _delete_trades(conn: Connection, trade_ids: list[str]) -> None:
    if not trade_ids:
        return
    for table in ("trade_lots", "trades"):
        conn.execute(
            text(f"DELETE FROM {table} WHERE trade_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": trade_ids},
        )


def _suffix(
    engine: Engine,
    run: RunContext,
    symbol: str,
    cuts: dict[str | None, int],
    accounts: set[str | None],
) -> ExecutionColumns:
    """Executions of ``symbol`` after each account's cut (all of an account without one).

    An account with no stored trade has only executions newer than any cut (each stored
    execution belongs to a stored trade), so the read starts at the earliest cut unless a
    stored account has none.
    """
    after = min(cuts.values()) if cuts and accounts <= set(cuts) else None
    executions = load_executions(engine, run, [symbol], after=after)
    if not cuts or len(executions) == 0:
        return executions
    bound = np.array([cuts.get(a, NO_TIME) for a in executions.account_id.tolist()], dtype=np.int64)
    keep = executions.exec_time > bound
    return executions if keep.all() else executions.take(np.flatnonzero(keep))


def rebuild_since(
    engine: Engine,
    since: Mapping[Pair, int | None],
    *,
    event_bus: EventBus | None = None,
    cache: RunTradesCache | None = None,
    recent_closed: int = RECENT_CLOSED,
) -> RebuildResult:
    """Rebuild each (run, symbol) from its ``since`` time (microseconds) on; a run with a
    pair whose ``since`` is None is rebuilt in full (those pairs and the others given).
    ``recent_closed``: how many closed trades before ``since`` the cut looks at first.

    ``cache`` keeps each run's stored trades for the next call (run_trades.py). A run
    whose rebuild fails does not stop the others: RebuildFailed at the end names it."""
    by_run: dict[str, dict[str, int | None]] = defaultdict(dict)
    for (run_id, symbol), moment in since.items():
        by_run[str(run_id)][str(symbol)] = moment
    full = [
        (run_id, symbol)
        for run_id, symbols in by_run.items()
        if any(m is None for m in symbols.values())
        for symbol in symbols
    ]
    failures = RunFailures(engine, event_bus)
    result = RebuildResult()
    if full:
        try:
            result = rebuild_trades(engine, full, event_bus=event_bus)
        except RebuildFailed as failed:
            failures.merge(failed)
            result = failed.result
    partial = {
        run_id: symbols
        for run_id, symbols in by_run.items()
        if all(m is not None for m in symbols.values())
    }
    contexts: dict[str, RunContext] = {}
    if partial:
        with engine.connect() as conn:
            contexts = run_contexts(conn, partial)
    for run_id in sorted(partial):
        context = contexts.get(run_id)
        if context is None:
            log.warning("run %s no longer exists: its trades are not rebuilt", run_id)
            continue
        moments = {symbol: int(m) for symbol, m in partial[run_id].items() if m is not None}
        with failures.guard(run_id, context.strategy_id, moments):
            _rebuild_run_since(engine, context, moments, result, event_bus, cache, recent_closed)
    failures.raise_if_any(result)
    return result


def _rebuild_run_since(
    engine: Engine,
    run: RunContext,
    since: dict[str, int],
    result: RebuildResult,
    event_bus: EventBus | None,
    cache: RunTradesCache | None,
    recent_closed: int,
) -> None:
    symbols = sorted(since)
    kept = cache if cache is not None else RunTradesCache()
    with run_lock(engine, run.run_id):
        clock = Clock(result)
        parts: list[BuiltTrades] = []
        replaced: list[str] = []
        executions_read = 0
        with engine.connect() as conn:
            if not run_contexts(conn, [run.run_id]):
                log.warning("run %s was deleted: its trades are not rebuilt", run.run_id)
                return
            values = point_values(conn, symbols)
            run_trades = kept.current(conn, run.run_id)
        for symbol in symbols:
            stored = run_trades.replaceable(symbol, since[symbol], recent_closed)
            try:
                dropped, cuts = keep_before(stored, since[symbol], recent_closed)
            except CutNotFound:
                # Reversals through zero all the way back: every closed trade is looked at.
                log.info(
                    "run %s, %s: no recent flat point, the cut looks further", run.run_id, symbol
                )
                stored = run_trades.replaceable(symbol, since[symbol], None)
                dropped, cuts = keep_before(stored, since[symbol])
            accounts = {t.account_id for t in stored}
            replaced.extend(sorted(dropped))
            executions = _suffix(engine, run, symbol, cuts, accounts)
            executions_read += len(executions)
            clock.lap("load")
            built = build_trades(executions, values, run.run_id, run.strategy_id)
            clock.lap("build")
            # No symbols: bars are read for the built trades' span only (load_bars).
            bars = BarReads(engine, run.run_id, ()).for_trades(built)
            result.bars += sum(len(b) for b in bars.values())
            clock.lap("load")
            compute_excursions(built, bars).assign_to(built)
            clock.lap("excursions")
            parts.append(built)

        token = new_rebuild_token()
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL TIME ZONE 'UTC'"))
            _delete_trades(conn, replaced)
            with large_write_cache(conn):
                for built in parts:
                    bulk_insert(conn, "trades", TRADE_FIELDS, built)
                    bulk_insert(conn, "trade_lots", STORED_LOT_FIELDS, built.lots)
            clock.lap("write")
            run_trades = run_trades.replaced(set(replaced), parts)
            trade_count = store_run_statistics(
                conn, run, run_trades.metrics, token, assess=assessment_due(conn, run.run_id)
            )
            clear_failures(conn, run.run_id, symbols)
        kept.keep(run.run_id, token, run_trades)
        clock.lap("statistics")

    result.pairs += len(symbols)
    result.runs.append(run.run_id)
    result.executions += executions_read
    result.trades += sum(len(b) for b in parts)
    result.lots += sum(len(b.lots) for b in parts)
    log.info(
        "run %s: %d trades of %s rebuilt from %d executions (%d stored trades replaced)",
        run.run_id,
        sum(len(b) for b in parts),
        ", ".join(symbols),
        executions_read,
        len(replaced),
    )
    publish_analysis_updated(event_bus, run, trade_count, symbols)
