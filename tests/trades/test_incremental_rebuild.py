"""The incremental rebuild of a streamed run equals a full rebuild (SQLite and PostgreSQL).

Random fill streams (two accounts, two symbols, scale-ins, reversals through zero, fills
at the same instant) arrive as stream batches, in order or not, with their bars before or
after their trades, their orders (which name the trades' signals) with them or a batch
later, sometimes a retry and sometimes a changed execution; after each batch
the pairs it touched are rebuilt from the batch's ``since``. At the end the stored trades,
lot matches and run statistics must equal what a full rebuild of the run stores.
"""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, text

from strategy_analysis.db.models import Instrument
from strategy_analysis.ingest.stream import ingest_batch, store_batch
from strategy_analysis.trades import incremental
from strategy_analysis.trades.incremental import (
    CutNotFound,
    StoredTrade,
    keep_before,
    rebuild_since,
)
from strategy_analysis.trades.reading import METRIC_FIELDS
from strategy_analysis.trades.rebuild import rebuild_trades
from strategy_analysis.trades.run_trades import RunTradesCache, load_run_trades

START = datetime(2025, 1, 6, 14, 0, tzinfo=UTC)
ACCOUNTS = ("A1", "A2")
SYMBOLS = ("ES", "NQ")

fills = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.sampled_from(SYMBOLS),
        st.sampled_from(("BUY", "SELL")),
        st.integers(1, 3),  # quantity
        st.integers(0, 40),  # seconds after the previous fill (0: the same instant)
        st.integers(0, 20),  # price step
    ),
    min_size=1,
    max_size=40,
)


def _time(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")


# An execution's order: with a client tag, without one (its id is the signal), or unknown.
CLIENT_TAGS = ("Entry", None, "no order")


def _stream(
    drawn: list[tuple[Any, ...]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Executions in time order, the one-minute bars that cover them and the orders of
    some of them (by execution id)."""
    executions, orders, clock = [], {}, 0
    for n, (account, symbol, side, quantity, step, price) in enumerate(drawn):
        clock += step
        executions.append(
            {
                "execution_id": f"E{n}",
                "order_id": f"O{n}",
                "account_id": account,
                "symbol": symbol,
                "side": side,
                "exec_time_utc": _time(clock),
                "price": 100.0 + price * 0.1,
                "quantity": float(quantity),
                "fee": 0.5 * quantity,
            }
        )
        tag = CLIENT_TAGS[n % len(CLIENT_TAGS)]
        if tag != "no order":
            orders[f"E{n}"] = {
                "order_id": f"O{n}",
                "account_id": account,
                "symbol": symbol,
                "side": side,
                "order_type": "MARKET",
                "submit_time_utc": _time(clock),
                "quantity": float(quantity),
                "status": "FILLED",
                "client_tag": tag,
            }
    bars = [
        {
            "symbol": symbol,
            "timeframe": "1m",
            "start_time_utc": _time(minute * 60),
            "open": 102.0,
            "high": 106.0 + (minute % 3),
            "low": 98.0 - (minute % 2),
            "close": 102.5,
            "volume": 10.0,
        }
        for symbol in SYMBOLS
        for minute in range(clock // 60 + 1)
    ]
    return executions, bars, orders


def _ids(batch: dict[str, Any]) -> set[str]:
    return {e["execution_id"] for e in batch.get("executions", [])}


def _snapshot(engine: Engine, run_id: str) -> tuple[Any, ...]:
    with engine.connect() as conn:
        trades = conn.execute(
            text("SELECT * FROM trades WHERE run_id = :r ORDER BY trade_id"), {"r": run_id}
        ).all()
        lots = conn.execute(
            text("SELECT * FROM trade_lots WHERE run_id = :r ORDER BY trade_id, lot_index"),
            {"r": run_id},
        ).all()
        statistics = conn.execute(
            text("SELECT statistics FROM run_statistics WHERE run_id = :r"), {"r": run_id}
        ).scalar()
    return [tuple(r) for r in trades], [tuple(r) for r in lots], statistics


# Examples per case. The rules of the rebuild are the same on both databases and SQLite's
# examples cost a third of PostgreSQL's (its rebuilds are round trips to the server): SQLite
# draws the many streams, PostgreSQL fewer, which with EDGE_STREAMS still run each of its
# statements on cuts, same-instant fills, reversals, late orders and bars, retries and a
# changed execution.
EXAMPLES = {"sqlite": 40, "postgresql": 15}
# (recent, drawn, cuts, out_of_order, bars_late, orders_late, retry, change): streams every
# case runs before the drawn ones, whatever hypothesis draws. Two accounts on two symbols; fills at one instant
# (a reversal through zero among them, a cut between two of them), an entry at the instant
# of an exit, and reversals later on.
EDGE_FILLS = [
    ("A1", "ES", "BUY", 2, 0, 0),
    ("A1", "ES", "SELL", 3, 0, 5),
    ("A2", "NQ", "SELL", 1, 0, 3),
    ("A1", "ES", "BUY", 1, 10, 2),
    ("A1", "ES", "BUY", 1, 0, 4),
    ("A1", "NQ", "BUY", 1, 0, 1),
    ("A2", "NQ", "BUY", 3, 40, 8),
    ("A2", "ES", "SELL", 2, 5, 12),
    ("A1", "ES", "SELL", 1, 30, 20),
    ("A1", "NQ", "SELL", 1, 0, 0),
    ("A2", "NQ", "SELL", 2, 15, 10),
    ("A2", "ES", "BUY", 2, 0, 9),
    ("A1", "ES", "SELL", 2, 7, 6),
    ("A1", "ES", "BUY", 1, 0, 6),
]
EDGE_STREAMS = [
    (1, EDGE_FILLS, [1, 3, 5, 8, 10, 12], True, True, True, True, True),
    (incremental.RECENT_CLOSED, EDGE_FILLS, [2, 4, 6, 9, 11], False, False, False, False, False),
]


# recent is drawn with the stream: each combination with cached comes up about 20 times on
# SQLite (a parameter for recent too gave 40 of each for twice the cost). One database per
# case: a PostgreSQL database that holds the runs of many more examples makes each one slower.
@pytest.mark.parametrize("cached", [False, True], ids=["read", "cached"])
def test_incremental_equals_full_rebuild(engine: Engine, cached: bool) -> None:
    @settings(
        max_examples=EXAMPLES[engine.dialect.name],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        recent=st.sampled_from([incremental.RECENT_CLOSED, 1]),
        drawn=fills,
        cuts=st.lists(st.integers(1, 39), max_size=6),
        shuffle=st.randoms(use_true_random=False),
        out_of_order=st.booleans(),
        bars_late=st.booleans(),
        orders_late=st.booleans(),
        retry=st.booleans(),
        change=st.booleans(),
    )
    def check(**stream: Any) -> None:
        _stream_equals_full_rebuild(engine, cached, **stream)

    for n, (recent, drawn, cuts, *flags) in enumerate(EDGE_STREAMS):
        _stream_equals_full_rebuild(engine, cached, recent, drawn, cuts, random.Random(n), *flags)
    check()


def _stream_equals_full_rebuild(
    engine: Engine,
    cached: bool,
    recent: int,
    drawn: list[tuple[Any, ...]],
    cuts: list[int],
    shuffle: Any,
    out_of_order: bool,
    bars_late: bool,
    orders_late: bool,
    retry: bool,
    change: bool,
) -> None:
    run_id = f"inc-{uuid.uuid4().hex[:12]}"
    run = {"run_id": run_id, "strategy_id": "S", "account_id": "A1", "mode": "live"}
    executions, bars, orders = _stream(drawn)
    bounds = sorted({0, len(executions), *(c for c in cuts if c < len(executions))})
    chunks = [executions[a:b] for a, b in itertools.pairwise(bounds)]
    if out_of_order:
        shuffle.shuffle(chunks)
    batches = [{"schema_version": "1.1", "run": run, "executions": c} for c in chunks]
    # The orders of a chunk's fills come with it, or with the next batch (after the fills).
    for k, chunk in enumerate(chunks):
        own = [orders[e["execution_id"]] for e in chunk if e["execution_id"] in orders]
        if orders_late and k + 1 < len(batches):
            batches[k + 1]["orders"] = batches[k + 1].get("orders", []) + own
        elif orders_late:
            batches.append({"schema_version": "1.1", "run": run, "orders": own})
        else:
            batches[k]["orders"] = own
    bar_batch = {"schema_version": "1.1", "run": run, "bars": bars}
    batches = [*batches, bar_batch] if bars_late else [bar_batch, *batches]
    if retry:
        batches.append(batches[len(batches) // 2])
    if change:
        # Right after the batch that stored it: a changed execution rebuilds the run in
        # full, and the batches after it are rebuilt from that.
        moved = dict(executions[len(executions) // 2], price=99.0)
        at = next(k for k, b in enumerate(batches) if moved["execution_id"] in _ids(b)) + 1
        batches.insert(at, {"schema_version": "1.1", "run": run, "executions": [moved]})
    # The run stays open: a batch that closes it (COMPLETED) rebuilds the whole run in full
    # (its quality checks change), which would hide what the incremental rebuilds did.

    # cached: the run's stored trades kept between rebuilds, as the stream's scheduler does
    cache = RunTradesCache() if cached else None
    for batch in batches:
        stored = store_batch(engine, batch)
        report, since = stored.report, stored.rebuild_from
        assert report.status == "succeeded", report.error
        assert set(since) == set(report.affected)
        if since:
            # recent=1: the cut must often look at every closed trade of the pair (CutNotFound)
            rebuild_since(engine, since, cache=cache, recent_closed=recent)

    streamed = _snapshot(engine, run_id)
    rebuild_trades(engine, run_id=run_id)
    assert streamed == _snapshot(engine, run_id)


def test_a_streamed_run_rebuilds_only_its_tail(engine: Engine) -> None:
    """Flat, then a round trip per batch: each rebuild replaces only the open trade."""
    run = {"run_id": "tail", "strategy_id": "S", "account_id": "A1"}
    drawn = [("A1", "ES", side, 1, 10, n) for n in range(12) for side in ("BUY", "SELL")]
    executions, bars, _ = _stream(drawn)
    ingest_batch(engine, {"schema_version": "1.1", "run": run, "bars": bars})
    rebuilt = []
    for start in range(0, len(executions), 3):
        batch = {"schema_version": "1.1", "run": run, "executions": executions[start : start + 3]}
        since = store_batch(engine, batch).rebuild_from
        assert all(moment is not None for moment in since.values())
        rebuilt.append(rebuild_since(engine, since).executions)
    # Each batch's rebuild reads at most the fills of the trade left open plus the new ones.
    assert max(rebuilt[1:]) <= 4
    incremental = _snapshot(engine, "tail")
    assert len(incremental[0]) == 12
    rebuild_trades(engine, run_id="tail")
    assert incremental == _snapshot(engine, "tail")


def test_the_cut_avoids_an_instant_shared_with_a_later_entry() -> None:
    trades = [
        StoredTrade("t1", "A", True, 0, 10),
        StoredTrade("t2", "A", True, 20, 30),
        # opened at t2's exit instant (a reversal through zero)
        StoredTrade("t3", "A", True, 30, 40),
        StoredTrade("t4", "A", False, 50, -1),
        StoredTrade("u1", "B", True, 5, 15),
    ]
    assert keep_before(trades, 45) == ({"t4"}, {"A": 40, "B": 15})
    assert keep_before(trades, 35) == ({"t2", "t3", "t4"}, {"A": 10, "B": 15})
    assert keep_before(trades, 25) == ({"t2", "t3", "t4"}, {"A": 10, "B": 15})
    assert keep_before(trades, 10) == ({"t1", "t2", "t3", "t4", "u1"}, {})
    # only the last closed trade of A was read, and it cannot be kept
    with pytest.raises(CutNotFound):
        keep_before([t for t in trades if t.trade_id != "t1"], 35, recent=1)


def _tail_batches(run: dict[str, Any], rounds: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    drawn = [("A1", "ES", side, 1, 10, n) for n in range(rounds) for side in ("BUY", "SELL")]
    executions, bars, _ = _stream(drawn)
    batches = [
        {"schema_version": "1.1", "run": run, "executions": executions[start : start + 3]}
        for start in range(0, len(executions), 3)
    ]
    return {"schema_version": "1.1", "run": run, "bars": bars}, batches


def _metrics(trades: Any) -> dict[str, list[Any]]:
    """The kept or read trades by id, comparable whatever their order."""
    order = sorted(range(len(trades)), key=lambda i: trades.trade_id[i])
    columns = {
        "symbol": trades.symbol,
        "account_id": trades.account_id,
        **{name: getattr(trades.metrics, name) for name in METRIC_FIELDS},
    }
    return {
        "trade_id": [trades.trade_id[i] for i in order],
        **{name: [repr(column[i]) for i in order] for name, column in columns.items()},
    }


def test_the_kept_trades_are_the_stored_ones(engine: Engine) -> None:
    """Consecutive rebuilds use the trades the previous one kept, and those equal what
    the database holds."""
    run = {"run_id": "kept", "strategy_id": "S", "account_id": "A1"}
    bar_batch, batches = _tail_batches(run, 10)
    ingest_batch(engine, bar_batch)
    cache = RunTradesCache()
    for batch in batches:
        since = store_batch(engine, batch).rebuild_from
        rebuild_since(engine, since, cache=cache)
    assert cache.misses == 1 and cache.hits == len(batches) - 1
    with engine.connect() as conn:
        kept, stored = cache.current(conn, "kept"), load_run_trades(conn, "kept")
    assert cache.hits == len(batches)
    assert len(stored) == 10
    assert _metrics(kept) == _metrics(stored)


def test_kept_trades_of_a_run_rebuilt_elsewhere_are_not_used(engine: Engine) -> None:
    """Another rebuild (a full one here; another process's alike) stores a new token: the
    kept trades, priced with the old point value, must not feed the next statistics."""
    run = {"run_id": "elsewhere", "strategy_id": "S", "account_id": "A1"}
    bar_batch, batches = _tail_batches(run, 8)
    ingest_batch(engine, bar_batch)
    cache = RunTradesCache()
    for batch in batches[:-1]:
        since = store_batch(engine, batch).rebuild_from
        rebuild_since(engine, since, cache=cache)
    with engine.begin() as conn:
        conn.execute(insert(Instrument).values(symbol="ES", point_value=50.0))
    rebuild_trades(engine, run_id="elsewhere")
    misses = cache.misses
    since = store_batch(engine, batches[-1]).rebuild_from
    rebuild_since(engine, since, cache=cache)
    assert cache.misses == misses + 1
    streamed = _snapshot(engine, "elsewhere")
    rebuild_trades(engine, run_id="elsewhere")
    assert streamed == _snapshot(engine, "elsewhere")
