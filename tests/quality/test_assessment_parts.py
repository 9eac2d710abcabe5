"""A symbol's fills fed to the assessment part by part (as the rebuild feeds its windows,
each part with the bars from the part before's last fill to its own last fill) give the
document of the same fills fed at once, to the last bit: slippage and liquidity sums,
fill ratios, time to fill (median, p95), and every finding with its examples."""

from __future__ import annotations

import numpy as np
import pytest

from strategy_analysis.trades.columns import BarColumns
from strategy_analysis.trades.quality.assessment import RunAssessment
from strategy_analysis.trades.quality.checks import RunFacts, SymbolBars
from strategy_analysis.trades.quality.columns import (
    FillColumns,
    OrderColumns,
    order_of_fills,
    symbol_rows,
)
from strategy_analysis.trades.quality.execution import execution_quality

MINUTE = 60_000_000
START = 1_736_150_400_000_000  # 2025-01-06 08:00 UTC, a Monday
SYMBOLS = ("ES", "NQ")
POINT_VALUES = {"ES": 50.0, "NQ": 20.0}


def _orders(rng: np.random.Generator, n: int) -> OrderColumns:
    types = rng.choice(["LIMIT", "STOP", "MARKET", "STOP_LIMIT", "MIT"], n)
    price = np.round(rng.uniform(95, 105, n), 2)
    stop = np.where(rng.random(n) < 0.5, np.round(rng.uniform(95, 105, n), 2), np.nan)
    return OrderColumns(
        order_id=np.array([f"o{i}" for i in range(n)], dtype=object),
        symbol=rng.choice(SYMBOLS, n).astype(object),
        order_type=types.astype(object),
        status=rng.choice(["FILLED", "CANCELED", "WORKING", "PARTIALLY_FILLED"], n).astype(object),
        quantity=rng.integers(1, 4, n).astype(float),
        price=np.where(rng.random(n) < 0.1, np.nan, price),
        stop_price=stop,
        submit_time=START + rng.integers(0, 3 * 24 * 60, n) * MINUTE,
    )


def _fills(rng: np.random.Generator, orders: OrderColumns, n: int) -> FillColumns:
    order = rng.integers(0, len(orders), n)
    order_id = orders.order_id[order].copy()
    order_id[rng.random(n) < 0.05] = "missing"
    # Mostly the order's own symbol; a few fills name an order of another symbol.
    symbol = np.where(rng.random(n) < 0.95, orders.symbol[order], rng.choice(SYMBOLS, n))
    time = orders.submit_time[order] + rng.integers(0, 40 * MINUTE, n)
    at = np.lexsort((np.arange(n), time, symbol))
    return FillColumns(
        execution_id=np.array([f"x{i}" for i in range(n)], dtype=object)[at],
        order_id=order_id[at],
        symbol=symbol.astype(object)[at],
        side=rng.choice(np.array([1, -1], dtype=np.int8), n)[at],
        exec_time=time[at],
        price=np.round(rng.uniform(94, 106, n), 2)[at],
        quantity=rng.uniform(0.1, 3, n)[at],
        fee=rng.uniform(0, 2, n)[at],
        liquidity_flag=rng.choice(np.array(["MAKER", "TAKER", "", None], dtype=object), n)[at],
    )


def _bars(rng: np.random.Generator) -> BarColumns:
    """Minute bars over four days with holes of a few hours on weekdays."""
    starts = START - 60 * MINUTE + np.arange(5 * 24 * 60) * MINUTE
    keep = np.ones(len(starts), dtype=bool)
    for hole in rng.integers(0, len(starts) - 400, 6):
        keep[hole : hole + int(rng.integers(150, 400))] = False
    starts = starts[keep]
    low = rng.uniform(94, 100, len(starts))
    return BarColumns(
        timeframe=np.full(len(starts), "1m", dtype=object),
        start_time=starts,
        end_time=starts + MINUTE,
        high=low + rng.uniform(0, 6, len(starts)),
        low=low,
    )


def _over(bars: BarColumns, first: int, last: int) -> SymbolBars:
    """As load_bars: from the last bar starting at or before ``first`` to ``last``."""
    starts = bars.start_time
    before = starts[starts <= first]
    lowest = before.max() if len(before) else first
    rows = np.flatnonzero((starts >= lowest) & (starts <= last))
    return SymbolBars(
        "1m",
        BarColumns(*(column[rows] for column in (bars.timeframe, bars.start_time,
                                                   bars.end_time, bars.high, bars.low))),
    )  # fmt: skip


def _document(orders, fills, bars, part_rows: int | None):
    assessment = RunAssessment("R", orders)
    for symbol, rows in symbol_rows(fills.symbol).items():
        symbol_fills = fills.take(rows)
        size = part_rows or len(rows)
        previous_last: int | None = None
        for begin in range(0, len(rows), size):
            part = symbol_fills.take(np.arange(begin, min(begin + size, len(rows))))
            times = part.exec_time
            first = int(times.min()) if previous_last is None else previous_last
            assessment.add(symbol, part, _over(bars[symbol], first, int(times.max())),
                           POINT_VALUES[symbol])  # fmt: skip
            previous_last = int(times.max())
    facts = RunFacts("R", completed=True, instrument_symbols={"ES"}, reconciliation=None)
    return assessment.document(facts)


@pytest.mark.parametrize("part_rows", [1, 7, 61])
def test_a_symbol_fed_in_parts_gives_the_document_of_its_fills_at_once(part_rows):
    rng = np.random.default_rng(part_rows)
    orders = _orders(rng, 400)
    fills = _fills(rng, orders, 1500)
    bars = {symbol: _bars(rng) for symbol in SYMBOLS}
    whole = _document(orders, fills, bars, None)
    checks = {finding["check"] for finding in whole["findings"]}
    assert {"fill_outside_bar", "execution_without_order", "bar_gap"} <= checks
    assert {"overfilled_order", "order_left_working", "point_value_missing"} <= checks
    assert _document(orders, fills, bars, part_rows) == whole

    # Each symbol's figures are execution_quality over its orders and all of its fills
    # at once (a fill naming an order of another symbol counts as one without an order).
    for symbol, rows in symbol_rows(fills.symbol).items():
        own = np.flatnonzero(orders.symbol == symbol)
        symbol_fills = fills.take(rows)
        expected = execution_quality(
            orders.take(own),
            symbol_fills,
            order_of_fills(orders.take(own), symbol_fills),
            np.full(len(rows), POINT_VALUES[symbol]),
        )
        assert whole["execution_quality"]["symbols"][symbol] == expected
        assert expected["time_to_fill"]["orders"] > 10
