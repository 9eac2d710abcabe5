"""A run's execution quality (the run's and each symbol's) and data-quality findings
with its verdict, as one document.

``RunAssessment`` is fed one symbol at a time (the rebuild hands it each symbol's fills
and bars as it reads them, so nothing is read twice and only the run's orders and a few
numbers per order outlive a symbol); ``assess`` feeds it from columns in memory and
``assess_run`` from the database, symbol by symbol."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from ..columns import BarColumns
from ..reading import RunContext, load_bars, read_executions
from .checks import MAX_EXAMPLES, FillFindings, RunFacts, SymbolBars, find_issues, verdict
from .columns import NO_ORDER, FillColumns, OrderColumns, fills_of, symbol_rows
from .execution import (
    NO_FILL,
    Coded,
    Codes,
    execution_quality,
    flags_of,
    grouped,
    liquidity_rows,
    slippage_rows,
    slippage_sums,
    time_to_fill,
)
from .reading import (
    instruments_of,
    open_trade_ids,
    order_ids_of_keys,
    read_orders,
    run_context,
    run_status,
    traded_symbols,
)

DEFAULT_POINT_VALUE = 1.0
_NO_ROWS = np.empty(0, dtype=np.int64)


class RunAssessment:
    """The assessment of one run, fed its fills symbol by symbol (each symbol once, with
    all of its fills). Of a symbol only its figures and what the checks found stay; of
    the run, its orders and per order the filled quantity and first fill time."""

    def __init__(
        self,
        run_id: str,
        orders: OrderColumns | Future[OrderColumns],
        conn: Connection | None = None,
    ) -> None:
        """``orders``: the run's, or their read under way (taken when first needed);
        ``conn``: reads the ids of orders read by key alone (examples, a key shared)."""
        self.run_id = run_id
        self._conn = conn
        self._pending: Future[OrderColumns] | None = None
        self._reader: Engine | None = None
        self._fills = FillFindings()
        self.symbols: dict[str, dict[str, Any]] = {}
        # Symbols with an instrument row (fed through ``add_from``).
        self.instrument_symbols: set[str] = set()
        self._executions = 0
        self._liquidity: dict[str, list[float]] = {}
        if isinstance(orders, Future):
            self._pending = orders
        else:
            self._take_orders(orders)

    def _take_orders(self, orders: OrderColumns) -> None:
        run_id, conn = self.run_id, self._conn
        # The orders' keys sorted, and the row of each.
        self._keys: tuple[np.ndarray, np.ndarray] | None = None
        if orders.key is not None:
            order = np.argsort(orders.key, kind="stable")
            keys = orders.key[order]
            if (keys[1:] == keys[:-1]).any() or (len(keys) and keys[0] == NO_ORDER):
                # Two orders share a key (or one has the one of no order): by id instead.
                assert conn is not None
                orders = read_orders(conn, run_id)
                orders.key = None
            else:
                self._keys = (keys, order)
        self.orders = orders
        self._status = Coded.of(orders.status)
        self._order_type = Coded.of(orders.order_type)
        self._order_symbols = symbol_rows(orders.symbol)
        self._every_order: dict[Any, int] | None = None
        self._filled = np.zeros(len(orders))
        self._first_fill = np.full(len(orders), NO_FILL, dtype=np.int64)
        n_types = len(self._order_type.names)
        self._slippage = (np.zeros(n_types, dtype=np.int64), np.zeros(n_types), np.zeros(n_types))

    def _ready(self) -> None:
        self.read_ahead()
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._take_orders(pending.result())

    @classmethod
    def of_run(cls, conn: Connection, run_id: str) -> RunAssessment:
        """Ready to be fed the run's fills: its orders read (one query; on PostgreSQL by
        key, without their ids)."""
        return cls(run_id, read_orders(conn, run_id, ids=False), conn)

    @classmethod
    def reading_ahead(cls, engine: Engine, conn: Connection, run_id: str) -> RunAssessment:
        """``of_run``, the orders read, from ``read_ahead`` on, through a connection of
        their own when the database serves several (PostgreSQL): the rebuild does not
        wait for them."""
        if engine.dialect.name != "postgresql":
            return cls.of_run(conn, run_id)
        assessment = cls(run_id, Future(), conn)
        assessment._reader = engine
        return assessment

    def read_ahead(self) -> None:
        """Start reading the orders (once), if they are to be read ahead."""
        engine, self._reader = self._reader, None
        if engine is None:
            return
        run_id = self.run_id

        def read() -> OrderColumns:
            with engine.connect() as own:
                return read_orders(own, run_id, ids=False)

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="order-read")
        self._pending = pool.submit(read)
        pool.shutdown(wait=False)

    def _order_rows(self, symbol: str, fills: FillColumns) -> np.ndarray:
        """Per fill, its order's row (-1: no stored order has its id): by key when both
        were read with keys (PostgreSQL), one binary search per fill."""
        if self._keys is not None and fills.order_key is not None:
            keys, rows = self._keys
            if not len(keys):
                return np.full(len(fills), -1, dtype=np.int64)
            at = np.minimum(np.searchsorted(keys, fills.order_key), len(keys) - 1)
            return np.where(keys[at] == fills.order_key, rows[at], -1)
        return self._order_rows_by_id(symbol, fills)

    def _order_rows_by_id(self, symbol: str, fills: FillColumns) -> np.ndarray:
        """Looked up among the symbol's orders; a fill naming no order of its symbol among
        all of the run's."""
        if self.orders.order_id is None:
            raise ValueError("fills read without order keys need the orders read with ids")
        own = self._order_symbols.get(symbol, _NO_ROWS)
        ids = dict(zip(self.orders.order_id[own].tolist(), own.tolist(), strict=True))
        order_ids = fills.order_id.tolist()
        rows = np.fromiter(map(ids.get, order_ids, repeat(-1)), dtype=np.int64, count=len(fills))
        del ids
        elsewhere = np.flatnonzero(rows < 0)
        if len(elsewhere):
            if self._every_order is None:
                self._every_order = dict(
                    zip(self.orders.order_id.tolist(), range(len(self.orders)), strict=True)
                )
            every = self._every_order
            rows[elsewhere] = [every.get(order_ids[i], -1) for i in elsewhere.tolist()]
        return rows

    def add(self, symbol: str, fills: FillColumns, bars: SymbolBars, point_value: float) -> None:
        """One symbol's fills (all of them, in their order), its finest bars around them
        and its point value."""
        if not len(fills):
            return
        self._ready()
        order_row = self._order_rows(symbol, fills)
        known = order_row >= 0
        self._filled += np.bincount(
            order_row[known], weights=fills.quantity[known], minlength=len(self.orders)
        )
        np.minimum.at(self._first_fill, order_row[known], fills.exec_time[known])
        values = np.full(len(fills), point_value)
        for total, part in zip(
            self._slippage,
            slippage_sums(self.orders, fills, order_row, values, self._order_type),
            strict=True,
        ):
            total += part
        self._fills.add(symbol, fills, order_row, bars)
        self._executions += len(fills)
        self.symbols[symbol] = self._symbol_figures(symbol, fills, order_row, values)

    def _symbol_figures(
        self, symbol: str, fills: FillColumns, order_row: np.ndarray, point_value: np.ndarray
    ) -> dict[str, Any]:
        """Execution quality of the symbol's orders and fills (a fill whose order is of
        another symbol counts as one without a known order)."""
        own = self._order_symbols.get(symbol, _NO_ROWS)
        # One more row than orders, left -1: a fill without a known order (-1) stays so.
        renumbered = np.full(len(self.orders) + 1, -1, dtype=np.int64)
        renumbered[own] = np.arange(len(own))
        sub_row = renumbered[order_row]
        codes = Codes(self._status.take(own), self._order_type.take(own), flags_of(fills))
        figures = execution_quality(self.orders.take(own), fills, sub_row, point_value, codes)
        for row in figures["liquidity"]:
            totals = self._liquidity.setdefault(row["liquidity_flag"], [0, 0.0, 0.0])
            totals[0] += row["executions"]
            totals[1] += row["quantity"]
            totals[2] += row["fees"]
        return figures

    def add_from(
        self, conn: Connection, symbol: str, fills: FillColumns, bars: SymbolBars | None = None
    ) -> None:
        """``add``, the symbol's instrument read through ``conn``, and its bars around the
        fills too when not given."""
        if not len(fills):
            return
        values = instruments_of(conn, [symbol])
        self.instrument_symbols.update(values)
        if bars is None:
            times = fills.exec_time
            bars = SymbolBars(*load_bars(conn, symbol, int(times.min()), int(times.max())))
        self.add(symbol, fills, bars, values.get(symbol, DEFAULT_POINT_VALUE))

    def add_unread(self, conn: Connection, run: RunContext) -> None:
        """Every traded symbol of the run not fed yet, read through ``conn`` one at a time."""
        for symbol in traded_symbols(conn, run.run_id):
            if symbol not in self.symbols:
                self.add_from(conn, symbol, fills_of(read_executions(conn, run, [symbol])))

    def _order_ids(self, rows: np.ndarray) -> list[Any]:
        """The ids of the orders at the first MAX_EXAMPLES of ``rows``."""
        rows = rows[:MAX_EXAMPLES]
        if self.orders.order_id is not None:
            return self.orders.order_id[rows].tolist()
        assert self._conn is not None and self.orders.key is not None
        keys = self.orders.key[rows].tolist()
        ids = order_ids_of_keys(self._conn, self.run_id, keys)
        return [ids[key] for key in keys]

    def document(self, facts: RunFacts) -> dict[str, Any]:
        """{"verdict", "findings", "execution_quality": {"run": ..., "symbols": {...}}}."""
        self._ready()
        findings = find_issues(facts, self.orders, self._filled, self._fills, self._order_ids)
        orders = self.orders
        for symbol in self._order_symbols:
            if symbol not in self.symbols:
                self.symbols[symbol] = self._symbol_figures(
                    symbol, FillColumns.empty(), _NO_ROWS, np.empty(0)
                )
        run = {
            "orders": len(orders),
            "executions": self._executions,
            "by_status": grouped(self._status, "status", orders.quantity, self._filled),
            "by_order_type": grouped(self._order_type, "order_type", orders.quantity, self._filled),
            "slippage": slippage_rows(self._order_type.names, *self._slippage),
            "time_to_fill": time_to_fill(orders.submit_time, self._first_fill),
            "liquidity": liquidity_rows(
                {flag: (int(c), q, f) for flag, (c, q, f) in sorted(self._liquidity.items())}
            ),
        }
        return {
            "verdict": verdict(findings),
            "findings": findings,
            "execution_quality": {
                "run": run,
                "symbols": {symbol: self.symbols[symbol] for symbol in sorted(self.symbols)},
            },
        }

    def document_of_run(
        self,
        conn: Connection,
        reconciliation: Mapping[str, Any] | None,
        open_trades: list[str] | None = None,
    ) -> dict[str, Any]:
        """``document`` with the run's status read through ``conn``, and its open trades
        (None: read from the trades table)."""
        facts = RunFacts(
            run_id=self.run_id,
            completed=run_status(conn, self.run_id) == "COMPLETED",
            instrument_symbols=self.instrument_symbols,
            reconciliation=reconciliation,
            open_trade_ids=open_trade_ids(conn, self.run_id)
            if open_trades is None
            else open_trades,
        )
        return self.document(facts)


def assess(
    facts: RunFacts,
    orders: OrderColumns,
    fills: FillColumns,
    point_values: Mapping[str, float],
    bars: Mapping[str, SymbolBars],
    fill_symbols: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """The document of these orders and fills, the fills taken symbol by symbol (a symbol
    without bars: none)."""
    assessment = RunAssessment(facts.run_id, orders)
    by_symbol = symbol_rows(fills.symbol) if fill_symbols is None else fill_symbols
    no_bars = SymbolBars(None, BarColumns(*(np.empty(0) for _ in range(5))))
    for symbol in sorted(by_symbol):
        assessment.add(
            symbol,
            fills.take(by_symbol[symbol]),
            bars.get(symbol, no_bars),
            point_values.get(symbol, DEFAULT_POINT_VALUE),
        )
    return assessment.document(facts)


def assess_run(
    conn: Connection,
    run_id: str,
    reconciliation: Mapping[str, Any] | None,
    open_trades: list[str] | None = None,
) -> dict[str, Any]:
    """Read the run's orders, then its fills, bars and instruments symbol by symbol,
    through ``conn``, and assess them. ``open_trades``: the run's open trade ids (None:
    read from the trades table)."""
    assessment = RunAssessment.of_run(conn, run_id)
    assessment.add_unread(conn, run_context(conn, run_id))
    return assessment.document_of_run(conn, reconciliation, open_trades)
