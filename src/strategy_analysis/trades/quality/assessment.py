"""A run's execution quality (the run's and each symbol's) and data-quality findings
with its verdict, as one document.

``RunAssessment`` is fed one symbol at a time, a symbol in parts (the rebuild hands it
each window of a symbol's fills as it reads it, and the assessment reads the bars around
them): what outlives a part is a few numbers per order (read once, as numbers: codes,
keys, quantities, times) and per order type, flag and symbol, the findings' counts and
first examples, and the few long holes between bars. Every sum runs fill by fill in the
fills' order (``np.add.at``), so a symbol fed in parts gives the figures of its fills at
once, to the last bit; medians and percentiles are taken over per-order times when the
symbol is complete. ``assess`` feeds it from columns in memory and ``assess_run`` from
the database, symbol by symbol."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from ..columns import BarColumns
from ..order_names import OrderNames, rows_of_keys
from ..reading import RunContext, execution_windows, finest_timeframe_of, load_bars
from ..timeframes import timeframe_seconds
from .checks import MAX_EXAMPLES, FillFindings, RunFacts, SymbolBars, find_issues, verdict
from .columns import (
    FillColumns,
    OrderColumns,
    concat_fills,
    fills_of,
    symbol_rows,
)
from .execution import (
    NO_FILL,
    Coded,
    flags_of,
    grouped,
    liquidity_rows,
    slippage_parts,
    slippage_rows,
    time_to_fill,
)
from .held_orders import HeldOrders, keyed_or_by_id, read_held_orders
from .reading import (
    instruments_of,
    open_trade_ids,
    order_ids_of_keys,
    run_context,
    run_status,
    traded_symbols,
)

DEFAULT_POINT_VALUE = 1.0
# Executions of a symbol read at a time for the assessment alone (add_unread).
UNREAD_WINDOW_ROWS = 50_000
# A symbol's finest timeframe and load_bars' bars over [first, last] (reading.BarReads).
BarsBetween = Callable[[str, int, int], tuple[str | None, BarColumns]]
_NO_ROWS = np.empty(0, dtype=np.int64)


class _SlippageTally:
    """Per order type code: executions with a reference price, slippage in points and in
    currency, each summed fill by fill in the fills' order (np.add.at: the sums of a
    symbol fed in parts are those of its fills at once, to the last bit)."""

    def __init__(self, n_types: int) -> None:
        self.totals = (np.zeros(n_types, dtype=np.int64), np.zeros(n_types), np.zeros(n_types))

    def add(
        self,
        reference: np.ndarray,
        fills: FillColumns,
        order_row: np.ndarray,
        point_value: np.ndarray,
        order_type: Coded,
    ) -> None:
        codes, points, currency = slippage_parts(
            reference, fills, order_row, point_value, order_type
        )
        count, points_total, currency_total = self.totals
        np.add.at(count, codes, 1)
        np.add.at(points_total, codes, points)
        np.add.at(currency_total, codes, currency)

    def merge(self, other: _SlippageTally) -> None:
        for total, part in zip(self.totals, other.totals, strict=True):
            np.add(total, part, out=total)


class _LiquidityTally:
    """Per liquidity flag: executions, quantity and fees, summed fill by fill."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._code: dict[str, int] = {}
        self.count = np.zeros(0, dtype=np.int64)
        self.quantity = np.zeros(0)
        self.fees = np.zeros(0)

    def add(self, fills: FillColumns) -> None:
        flag = flags_of(fills)
        for name in flag.names:
            if name not in self._code:
                self._code[name] = len(self.names)
                self.names.append(name)
        n = len(self.names)
        if len(self.count) < n:
            grow = n - len(self.count)
            self.count = np.append(self.count, np.zeros(grow, dtype=np.int64))
            self.quantity = np.append(self.quantity, np.zeros(grow))
            self.fees = np.append(self.fees, np.zeros(grow))
        codes = np.array([self._code[name] for name in flag.names], dtype=np.int64)[flag.codes]
        np.add.at(self.count, codes, 1)
        np.add.at(self.quantity, codes, fills.quantity)
        np.add.at(self.fees, codes, fills.fee)

    def sums(self) -> dict[str, tuple[int, float, float]]:
        """Per flag with executions, in the flags' order (liquidity_sums)."""
        return {
            name: (int(self.count[i]), float(self.quantity[i]), float(self.fees[i]))
            for name, i in sorted(self._code.items())
            if self.count[i]
        }


class _SymbolTally:
    """A symbol's figures summed over the parts fed so far."""

    def __init__(self, n_types: int) -> None:
        self.executions = 0
        # Over fills whose order is of the symbol (its figures), and over every fill with
        # a known order (the run's).
        self.slippage = _SlippageTally(n_types)
        self.run_slippage = _SlippageTally(n_types)
        self.liquidity = _LiquidityTally()
        # Rows of orders of other symbols its fills name, and those fills' quantities.
        self.elsewhere: list[np.ndarray] = []
        self.elsewhere_quantity: list[np.ndarray] = []


class RunAssessment:
    """The assessment of one run, fed its fills symbol by symbol, a symbol's in parts one
    after the other. Of a symbol only its figures and what the checks found stay; of the
    run, per order its codes, quantity, submit and first fill times, filled quantity and
    reference price (and its key or id, to name examples)."""

    def __init__(
        self,
        run_id: str,
        orders: OrderColumns | HeldOrders | Future[HeldOrders],
        conn: Connection | None = None,
    ) -> None:
        """``orders``: the run's, or their read under way (taken when first needed);
        ``conn``: reads the ids of orders read by key alone (examples, a key shared)."""
        self.run_id = run_id
        self._conn = conn
        self._pending: Future[HeldOrders] | None = None
        self._reader: Engine | None = None
        self._order_names: OrderNames | None = None
        self._fills = FillFindings()
        self.symbols: dict[str, dict[str, Any]] = {}
        # Symbols with an instrument row (fed through ``add_from``).
        self.instrument_symbols: set[str] = set()
        self._executions = 0
        self._liquidity: dict[str, list[float]] = {}
        # The symbol being fed (its parts come one after the other) and its figures so far.
        self._current: str | None = None
        self._tally: _SymbolTally | None = None
        self._point_values: dict[str, float] = {}
        self._timeframes: dict[str, str | None] = {}
        # Fills of the symbol being fed held till its last part (_unnamed_timeframe).
        self._held_symbol: str | None = None
        self._held: list[FillColumns] = []
        if isinstance(orders, Future):
            self._pending = orders
        else:
            self._take_orders(HeldOrders.of(orders) if isinstance(orders, OrderColumns) else orders)

    def _take_orders(self, orders: HeldOrders) -> None:
        orders = keyed_or_by_id(orders, self._conn, self.run_id)
        # The orders' keys sorted, and the row of each.
        self._keys = orders.sorted_keys
        self._order_names = orders.order_names
        # Of the orders, only numbers stay: their texts as codes, their prices as the
        # reference, their keys once (sorted, in ``_keys``).
        self._status, self._order_type = orders.status, orders.order_type
        self._order_symbol_code = orders.symbol.codes
        self._symbol_code = {str(name): code for code, name in enumerate(orders.symbol.names)}
        self._reference = orders.reference
        self._order_id = orders.order_id
        self._quantity, self._submit_time = orders.quantity, orders.submit_time
        self._n_orders = len(orders)
        del orders
        self._every_order: dict[Any, int] | None = None
        # Per order: the first time of the fills that name it, of any symbol (the run's
        # figures) and of its own symbol (its symbol's figures); the quantity of those of
        # its own symbol, and per symbol (rarely any) the rows and quantities of orders of
        # other symbols its fills name.
        self._first_fill = np.full(self._n_orders, NO_FILL, dtype=np.int64)
        self._first_own = np.full(self._n_orders, NO_FILL, dtype=np.int64)
        self._filled_own = np.zeros(self._n_orders)
        self._filled_elsewhere: list[tuple[np.ndarray, np.ndarray]] = []
        self._slippage = _SlippageTally(len(self._order_type.names))

    def order_names(self) -> OrderNames | None:
        """The run's orders' names by key once its orders are read with them (None till
        then, or when they were read without): what its executions are read by
        (reading.execution_windows). Called from the windows' reading thread."""
        pending = self._pending
        if pending is None:
            return self._order_names
        if pending.done() and pending.exception() is None:
            return pending.result().order_names
        return None

    def _ready(self) -> None:
        self.read_ahead()
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._take_orders(pending.result())

    @classmethod
    def of_run(cls, conn: Connection, run_id: str) -> RunAssessment:
        """Ready to be fed the run's fills: its orders read (on PostgreSQL by key, without
        their ids, a chunk at a time)."""
        return cls(run_id, read_held_orders(conn, run_id), conn)

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

        def read() -> HeldOrders:
            # One snapshot for the chunks of the read.
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as own:
                # By id, when it comes to that, read here: the rebuild's connection is its own.
                return keyed_or_by_id(read_held_orders(own, run_id), own, run_id)

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="order-read")
        self._pending = pool.submit(read)
        pool.shutdown(wait=False)

    def _own_rows(self, symbol: str) -> np.ndarray:
        """The rows of the symbol's orders, in their order."""
        code = self._symbol_code.get(symbol)
        return _NO_ROWS if code is None else np.flatnonzero(self._order_symbol_code == code)

    def _order_rows(self, symbol: str, fills: FillColumns) -> np.ndarray:
        """Per fill, its order's row (-1: no stored order has its id): by key when both
        were read with keys (PostgreSQL), one binary search per fill."""
        if self._keys is not None and fills.order_key is not None:
            return rows_of_keys(*self._keys, fills.order_key)
        return self._order_rows_by_id(symbol, fills)

    def _order_rows_by_id(self, symbol: str, fills: FillColumns) -> np.ndarray:
        """Looked up among the symbol's orders; a fill naming no order of its symbol among
        all of the run's."""
        order_id = self._order_id
        if order_id is None:
            raise ValueError("fills read without order keys need the orders read with ids")
        own = self._own_rows(symbol)
        ids = dict(zip(order_id[own].tolist(), own.tolist(), strict=True))
        order_ids = fills.order_id.tolist()
        rows = np.fromiter(map(ids.get, order_ids, repeat(-1)), dtype=np.int64, count=len(fills))
        del ids
        elsewhere = np.flatnonzero(rows < 0)
        if len(elsewhere):
            if self._every_order is None:
                self._every_order = dict(zip(order_id.tolist(), range(self._n_orders), strict=True))
            every = self._every_order
            rows[elsewhere] = [every.get(order_ids[i], -1) for i in elsewhere.tolist()]
        return rows

    def add(self, symbol: str, fills: FillColumns, bars: SymbolBars, point_value: float) -> None:
        """Fills of one symbol in their order, its finest bars around them (from the last
        fill of its part before, when any) and its point value. A symbol may come in
        parts, one after the other: its figures are complete when another symbol comes
        or the document is made."""
        if not len(fills):
            return
        self._ready()
        if symbol != self._current:
            self._finish_symbol()
            self._current = symbol
            self._tally = _SymbolTally(len(self._order_type.names))
        tally = self._tally
        assert tally is not None
        order_row = self._order_rows(symbol, fills)
        known = np.flatnonzero(order_row >= 0)
        rows = order_row[known]
        np.minimum.at(self._first_fill, rows, fills.exec_time[known])
        # A fill whose order is of another symbol counts, for its symbol's figures, as
        # one without a known order.
        code = self._symbol_code.get(symbol, -1)
        is_own = self._order_symbol_code[rows] == code
        own = known[is_own]
        if not is_own.all():
            tally.elsewhere.append(order_row[known[~is_own]])
            tally.elsewhere_quantity.append(fills.quantity[known[~is_own]])
        np.add.at(self._filled_own, order_row[own], fills.quantity[own])
        np.minimum.at(self._first_own, order_row[own], fills.exec_time[own])
        own_row = np.full(len(fills), -1, dtype=np.int64)
        own_row[own] = order_row[own]
        values = np.full(len(fills), point_value)
        tally.run_slippage.add(self._reference, fills, order_row, values, self._order_type)
        tally.slippage.add(self._reference, fills, own_row, values, self._order_type)
        tally.liquidity.add(fills)
        tally.executions += len(fills)
        self._fills.add(symbol, fills, order_row, bars)
        self._executions += len(fills)

    def _finish_symbol(self) -> None:
        """The symbol being fed is complete: its figures."""
        symbol, tally = self._current, self._tally
        if symbol is None or tally is None:
            return
        self._current = self._tally = None
        self._slippage.merge(tally.run_slippage)
        if tally.elsewhere:
            rows, at = np.unique(np.concatenate(tally.elsewhere), return_inverse=True)
            quantity = np.bincount(at, weights=np.concatenate(tally.elsewhere_quantity))
            self._filled_elsewhere.append((rows, quantity))
        self.symbols[symbol] = self._symbol_figures(symbol, tally)

    def _symbol_figures(self, symbol: str, tally: _SymbolTally) -> dict[str, Any]:
        """Execution quality of the symbol's orders and fills (a fill whose order is of
        another symbol counts as one without a known order)."""
        own = self._own_rows(symbol)
        ordered = self._quantity[own]
        filled = self._filled_own[own]
        liquidity = tally.liquidity.sums()
        for flag, (count, quantity, fees) in liquidity.items():
            totals = self._liquidity.setdefault(flag, [0, 0.0, 0.0])
            totals[0] += count
            totals[1] += quantity
            totals[2] += fees
        return {
            "orders": len(own),
            "executions": tally.executions,
            "by_status": grouped(self._status.take(own), "status", ordered, filled),
            "by_order_type": grouped(self._order_type.take(own), "order_type", ordered, filled),
            "slippage": slippage_rows(self._order_type.names, *tally.slippage.totals),
            "time_to_fill": time_to_fill(self._submit_time[own], self._first_own[own]),
            "liquidity": liquidity_rows(liquidity),
        }

    def add_from(
        self,
        conn: Connection,
        symbol: str,
        fills: FillColumns,
        bars: SymbolBars | None = None,
        bars_between: BarsBetween | None = None,
    ) -> None:
        """``add``, the symbol's instrument read through ``conn`` (once), and its bars
        around the fills too when not given (from the last fill of the symbol's part
        before, when any): by ``bars_between`` (load_bars' answer over a span) when
        given, else by load_bars through ``conn``."""
        if not len(fills):
            return
        if self._held_symbol not in (None, symbol):
            self._add_held(conn)
        if bars is None and self._unnamed_timeframe(conn, symbol):
            # The bars' length is their typical one (and a bar's end may be the next one's
            # start): the symbol's bars are read once, over all of its fills, held till then.
            self._held_symbol = symbol
            self._held.append(fills)
            return
        point_value = self._point_value(conn, symbol)
        if bars is None:
            times = fills.exec_time
            first = self._fills.last_time(symbol)
            first = int(times.min()) if first is None else first
            if bars_between is None:
                bars = SymbolBars(*load_bars(conn, symbol, first, int(times.max())))
            else:
                bars = SymbolBars(*bars_between(symbol, first, int(times.max())))
        self.add(symbol, fills, bars, point_value)

    def add_beside(
        self,
        conn: Connection,
        symbol: str,
        fills: FillColumns,
        bars_between: BarsBetween,
        pool: ThreadPoolExecutor,
    ) -> Future[None]:
        """``add_from`` on ``pool``'s one thread when nothing of it reads through ``conn``
        any more (the symbol's instrument and timeframe are read here first; orders read
        ahead are read by their own connection), else here. The caller waits for it before it feeds the next part or
        asks for the document, and keeps ``conn`` to itself meanwhile."""
        if len(fills):
            if self._held_symbol in (None, symbol) and not self._unnamed_timeframe(conn, symbol):
                self._point_value(conn, symbol)
                # add_from finds all it reads through conn known: it does not use it.
                return pool.submit(self.add_from, conn, symbol, fills, None, bars_between)
            self.add_from(conn, symbol, fills, bars_between=bars_between)
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def _point_value(self, conn: Connection, symbol: str) -> float:
        if symbol not in self._point_values:
            values = instruments_of(conn, [symbol])
            self.instrument_symbols.update(values)
            self._point_values[symbol] = values.get(symbol, DEFAULT_POINT_VALUE)
        return self._point_values[symbol]

    def _unnamed_timeframe(self, conn: Connection, symbol: str) -> bool:
        if symbol not in self._timeframes:
            self._timeframes[symbol] = finest_timeframe_of(conn, symbol)
        timeframe = self._timeframes[symbol]
        return timeframe is not None and timeframe_seconds(timeframe) is None

    def _add_held(self, conn: Connection) -> None:
        """The fills held of a symbol whose bars have no named length, at once."""
        symbol, held = self._held_symbol, self._held
        self._held_symbol, self._held = None, []
        if symbol is not None:
            fills = concat_fills(held)
            times = fills.exec_time
            bars = SymbolBars(*load_bars(conn, symbol, int(times.min()), int(times.max())))
            self.add_from(conn, symbol, fills, bars)

    def add_unread(self, conn: Connection, run: RunContext) -> None:
        """Every traded symbol of the run not fed yet, read through ``conn`` one at a time."""
        self._add_held(conn)
        for symbol in traded_symbols(conn, run.run_id):
            if symbol not in self.symbols and symbol != self._current:
                # Its committed executions, a window at a time (their symbol is not
                # being rebuilt): memory follows the window, not the symbol.
                windows = execution_windows(
                    conn.engine, run, symbol, UNREAD_WINDOW_ROWS, self.order_names
                )
                for window, _ in windows:
                    self.add_from(conn, symbol, fills_of(window))

    def _order_ids(self, rows: np.ndarray) -> list[Any]:
        """The ids of the orders at the first MAX_EXAMPLES of ``rows``."""
        rows = rows[:MAX_EXAMPLES]
        if self._order_id is not None:
            return self._order_id[rows].tolist()
        assert self._conn is not None and self._keys is not None
        sorted_keys, sorted_rows = self._keys
        at = np.flatnonzero(np.isin(sorted_rows, rows))
        key_of = dict(zip(sorted_rows[at].tolist(), sorted_keys[at].tolist(), strict=True))
        keys = [key_of[row] for row in rows.tolist()]
        ids = order_ids_of_keys(self._conn, self.run_id, keys)
        return [ids[key] for key in keys]

    def document(self, facts: RunFacts) -> dict[str, Any]:
        """{"verdict", "findings", "execution_quality": {"run": ..., "symbols": {...}}}."""
        self._ready()
        self._finish_symbol()
        filled = self._filled_own.copy()
        for rows, quantity in self._filled_elsewhere:
            filled[rows] += quantity
        findings = find_issues(
            facts, self._quantity, self._status, filled, self._fills, self._order_ids
        )
        quantity = self._quantity
        for symbol in self._symbol_code:
            if symbol not in self.symbols:
                self.symbols[symbol] = self._symbol_figures(
                    symbol, _SymbolTally(len(self._order_type.names))
                )
        run = {
            "orders": self._n_orders,
            "executions": self._executions,
            "by_status": grouped(self._status, "status", quantity, filled),
            "by_order_type": grouped(self._order_type, "order_type", quantity, filled),
            "slippage": slippage_rows(self._order_type.names, *self._slippage.totals),
            "time_to_fill": time_to_fill(self._submit_time, self._first_fill),
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
        self._add_held(conn)
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
