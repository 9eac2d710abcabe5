"""A run's execution quality (the run's and each symbol's) and data-quality findings
with its verdict, as one document: computed from columns (``assess``) or read from the
database and computed (``assess_run``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy import Connection

from .checks import RunFacts, SymbolBars, find_issues, verdict
from .columns import FillColumns, OrderColumns, order_of_fills, symbol_rows
from .execution import Codes, execution_quality, filled_quantities
from .reading import (
    bars_around,
    instruments_of,
    open_trade_ids,
    read_fills,
    read_orders,
    run_status,
)

DEFAULT_POINT_VALUE = 1.0


def _symbol_subset(
    symbol: str,
    orders: OrderColumns,
    fills: FillColumns,
    order_row: np.ndarray,
    order_rows: np.ndarray,
    fill_rows: np.ndarray,
    point_value: np.ndarray,
    codes: Codes,
) -> dict[str, Any]:
    """Execution quality of one symbol's orders and fills (a fill whose order is of
    another symbol counts as one without a known order)."""
    renumbered = np.full(len(orders), -1, dtype=np.int64)
    renumbered[order_rows] = np.arange(len(order_rows))
    rows = order_row[fill_rows]
    sub_row = np.full(len(rows), -1, dtype=np.int64)
    known = rows >= 0
    sub_row[known] = renumbered[rows[known]]
    return execution_quality(
        orders.take(order_rows),
        fills.take(fill_rows),
        sub_row,
        point_value[fill_rows],
        codes.take(order_rows, fill_rows),
    )


def assess(
    facts: RunFacts,
    orders: OrderColumns,
    fills: FillColumns,
    point_values: Mapping[str, float],
    bars: Mapping[str, SymbolBars],
    fill_symbols: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """{"verdict", "findings", "execution_quality": {"run": ..., "symbols": {...}}}."""
    order_row = order_of_fills(orders, fills)
    filled = filled_quantities(len(orders), fills, order_row)
    by_symbol = symbol_rows(fills.symbol) if fill_symbols is None else fill_symbols
    findings = find_issues(facts, orders, fills, order_row, filled, by_symbol, bars)
    point_value = np.full(len(fills), DEFAULT_POINT_VALUE)
    for symbol, rows in by_symbol.items():
        point_value[rows] = point_values.get(symbol, DEFAULT_POINT_VALUE)
    codes = Codes.of(orders, fills)
    order_symbols = symbol_rows(orders.symbol)
    empty = np.empty(0, dtype=np.int64)
    symbols = {
        symbol: _symbol_subset(
            symbol,
            orders,
            fills,
            order_row,
            order_symbols.get(symbol, empty),
            by_symbol.get(symbol, empty),
            point_value,
            codes,
        )
        for symbol in sorted(set(order_symbols) | set(by_symbol))
    }
    return {
        "verdict": verdict(findings),
        "findings": findings,
        "execution_quality": {
            "run": execution_quality(orders, fills, order_row, point_value, codes),
            "symbols": symbols,
        },
    }


def assess_run(
    conn: Connection,
    run_id: str,
    reconciliation: Mapping[str, Any] | None,
    open_trades: list[str] | None = None,
) -> dict[str, Any]:
    """Read the run's orders, fills, bars and instruments through ``conn`` and assess
    them. ``open_trades``: the run's open trade ids (None: read from the trades table)."""
    orders = read_orders(conn, run_id)
    fills = read_fills(conn, run_id)
    by_symbol = symbol_rows(fills.symbol)
    point_values = instruments_of(conn, by_symbol)
    facts = RunFacts(
        run_id=run_id,
        completed=run_status(conn, run_id) == "COMPLETED",
        instrument_symbols=set(point_values),
        reconciliation=reconciliation,
        open_trade_ids=open_trade_ids(conn, run_id) if open_trades is None else open_trades,
    )
    bars = bars_around(conn, fills, by_symbol)
    return assess(facts, orders, fills, point_values, bars, by_symbol)
