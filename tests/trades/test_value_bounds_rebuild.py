"""The rebuild takes every value the import accepts: a run whose fills, bars and
instrument sit on the edges of the ranges (contract.values) rebuilds, and the values just
outside them are rejected at the import, never stored to fail every later rebuild."""

from __future__ import annotations

import math

from sqlalchemy import Engine, func, select

from strategy_analysis.contract.values import MAX_AMOUNT, MAX_QUANTITY, MIN_QUANTITY
from strategy_analysis.db.models import Execution, Trade
from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.trades.rebuild import rebuild_trades

RUN = "edges"


def _fill(n: int, side: str, quantity: float, price: float, **values: object) -> dict:
    fill = {
        "execution_id": f"E{n}",
        "order_id": f"O{n}",
        "symbol": "EDGE",
        "side": side,
        "exec_time_utc": f"2025-01-06T10:00:{n:02d}Z",
        "price": price,
        "quantity": quantity,
    }
    return {**fill, **values}


def _bar(minute: int, low: float, high: float) -> dict:
    return {
        "symbol": "EDGE",
        "timeframe": "1m",
        "start_time_utc": f"2025-01-06T{10 + minute // 60:02d}:{minute % 60:02d}:00Z",
        "open": low,
        "high": high,
        "low": low,
        "close": high,
        "volume": MAX_AMOUNT,
        "open_interest": -MAX_AMOUNT,
    }


def test_a_run_on_the_edges_of_every_range_rebuilds(engine: Engine) -> None:
    smallest_price = 5e-324  # the smallest positive double: any price above 0 is taken
    fills = [
        _fill(0, "BUY", MAX_QUANTITY, smallest_price, fee=MAX_AMOUNT),
        _fill(1, "SELL", MAX_QUANTITY, MAX_AMOUNT),
        _fill(2, "BUY", MIN_QUANTITY, MAX_AMOUNT, fee=0),
        _fill(3, "SELL", MIN_QUANTITY, smallest_price),
        _fill(4, "SELL", MAX_QUANTITY, 1.0),
        _fill(5, "BUY", MAX_QUANTITY, 2.0),
        # the times at either end of years 1-9999, on a symbol of their own
        _fill(6, "BUY", 1, 1.0, exec_time_utc="0001-01-01T00:00:00Z", symbol="EDGE TIMES"),
        _fill(
            7,
            "SELL",
            1,
            1.0,
            exec_time_utc="9999-12-31T22:59:59.999999-01:00",
            symbol="EDGE TIMES",
        ),
    ]
    report = ingest_batch(
        engine,
        {
            "run": {"run_id": RUN, "strategy_id": "S"},
            "instruments": [{"symbol": "EDGE", "point_value": MAX_AMOUNT, "tick_size": MAX_AMOUNT}],
            "bars": [_bar(0, -MAX_AMOUNT, MAX_AMOUNT), _bar(1, smallest_price, 1.0)],
            "executions": fills,
        },
    )
    assert report.rejected == [], report.rejected
    result = rebuild_trades(engine, run_id=RUN)
    assert not getattr(result, "failed", None)
    with engine.connect() as conn:
        trades = conn.execute(select(func.count()).select_from(Trade)).scalar_one()
        pnls = conn.execute(select(Trade.pnl_net).where(Trade.run_id == RUN)).scalars().all()
    assert trades == 4
    assert all(p is not None and math.isfinite(p) for p in pnls)


def test_values_just_outside_the_ranges_are_rejected_with_their_record(engine: Engine) -> None:
    outside = [
        ("quantity", 1e-10),
        ("quantity", math.nextafter(MIN_QUANTITY, 0)),
        ("quantity", math.nextafter(MAX_QUANTITY, math.inf)),
        ("quantity", 1e308),
        ("price", math.nextafter(MAX_AMOUNT, math.inf)),
        ("price", 1e308),
        ("fee", 1e16),
    ]
    fills = [
        {**_fill(n, "BUY", 1, 1.0), column: value} for n, (column, value) in enumerate(outside)
    ]
    report = ingest_batch(
        engine, {"run": {"run_id": RUN}, "executions": [*fills, _fill(50, "BUY", 1, 1.0)]}
    )
    assert report.counts["executions"].inserted == 1
    assert sorted(r.position for r in report.rejected) == list(range(len(outside)))
    for rejected, (column, _) in zip(report.rejected, outside, strict=True):
        assert rejected.reason.startswith(f"{column}: must be"), rejected.reason
    rebuild_trades(engine, run_id=RUN)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(Execution)).scalar_one()
        trades = conn.execute(select(func.count()).select_from(Trade)).scalar_one()
    assert (stored, trades) == (1, 1)
