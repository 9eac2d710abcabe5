"""Data-quality findings of a run (analytics.md "Data quality"), from columns.

Each finding: ``check``, ``severity`` (error, warning, info), ``count`` (records: symbols,
executions, orders, trades, gaps) and up to 20 ``examples`` (the records' keys). The
verdict is ``errors`` when a finding is an error, else ``warnings`` when one is a
warning, else ``clean``: info findings (a trade open at the end, a hole in the bars, a
symbol without bars) are facts about the data, not faults in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from ..columns import BarColumns
from ..excursions import bar_ends, timeframe_length_micros
from .columns import FillColumns
from .execution import Coded

MAX_EXAMPLES = 20
TERMINAL_STATUSES = ("FILLED", "CANCELED", "REJECTED", "EXPIRED")
# A filled quantity above the order's by less than this is float noise, not an overfill.
_QUANTITY_TOLERANCE = 1e-9
_MICROS = 1_000_000
_DAY = 86_400 * _MICROS
_TWO_HOURS = 2 * 3_600 * _MICROS
# 1970-01-01 was a Thursday: (day + 3) % 7 is the weekday with Monday 0, Saturday 5.
_SATURDAY = 5

# check -> severity, in the contract's order (the order findings are listed in).
CHECKS = {
    "point_value_missing": "error",
    "reconciliation_mismatch": "error",
    "fill_outside_bar": "warning",
    "execution_without_order": "warning",
    "overfilled_order": "warning",
    "order_left_working": "warning",
    "open_at_end": "info",
    "bar_gap": "info",
    "no_bars": "info",
    # Beyond the contract's list: a dry run whose trades could not be built (the rebuild
    # after the import would fail the same way) says so instead of failing itself.
    "trades_not_built": "error",
}


@dataclass
class RunFacts:
    """What the checks need besides orders, fills and bars."""

    run_id: str
    completed: bool
    # Symbols with an instrument row (a point value).
    instrument_symbols: set[str]
    # The statistics' reconciliation (None: the strategy reported nothing to compare).
    reconciliation: Mapping[str, Any] | None
    open_trade_ids: list[str] = field(default_factory=list)


@dataclass
class SymbolBars:
    """A symbol's finest bars (sorted by start) around its fills; timeframe None: no bars."""

    timeframe: str | None
    bars: BarColumns


def _finding(check: str, count: int, examples: Iterable[Any]) -> dict[str, Any]:
    listed: list[Any] = []
    for example in examples:
        if len(listed) == MAX_EXAMPLES:
            break
        listed.append(str(example))
    return {"check": check, "severity": CHECKS[check], "count": int(count), "examples": listed}


def trades_not_built(reason: str) -> dict[str, Any]:
    """The finding of a run whose trades cannot be built; the example is the reason."""
    return _finding("trades_not_built", 1, [reason])


def iso(micros: Iterable[int]) -> list[str]:
    """ISO 8601 UTC with a ``Z``, as the API writes times (no fraction when whole)."""
    found = []
    for value in micros:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(value))
        found.append(moment.isoformat().replace("+00:00", "Z"))
    return found


def _outside_bars(fills: FillColumns, rows: np.ndarray, bars: SymbolBars) -> np.ndarray:
    """Rows of ``fills`` (among ``rows``) whose price lies outside [low, high] of the
    finest bar containing their time (start <= t < end); fills in no bar are not judged."""
    if bars.timeframe is None or not len(bars.bars):
        return rows[:0]
    b = bars.bars
    ends = bar_ends(bars.timeframe, b)
    times = fills.exec_time[rows]
    at = np.searchsorted(b.start_time, times, side="right") - 1
    inside = at >= 0
    at = np.where(inside, at, 0)
    inside &= times < ends[at]
    price = fills.price[rows]
    outside = inside & ((price < b.low[at]) | (price > b.high[at]))
    return rows[outside]


def _holds_saturday(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whether [start, end) holds an instant of a Saturday (UTC), per pair."""
    first_day = start // _DAY
    last_day = (end - 1) // _DAY
    to_saturday = (_SATURDAY - (first_day + 3) % 7) % 7
    return first_day + to_saturday <= last_day


def bar_gaps(bars: SymbolBars, first: int, last: int) -> np.ndarray:
    """Starts of the holes (the earlier bar's end) between consecutive finest bars that
    overlap [first, last], each longer than 3 bar lengths and 2 hours and holding no
    Saturday."""
    if bars.timeframe is None or len(bars.bars) < 2:
        return np.empty(0, dtype=np.int64)
    b = bars.bars
    ends = bar_ends(bars.timeframe, b)
    overlapping = (b.start_time <= last) & (ends > first)
    starts = b.start_time[overlapping]
    ends = ends[overlapping]
    if len(starts) < 2:
        return np.empty(0, dtype=np.int64)
    length = timeframe_length_micros(bars.timeframe, b.start_time, b.end_time) or 0.0
    hole_start = ends[:-1]
    hole_end = starts[1:]
    gap = hole_end - hole_start
    long = (gap > 3 * length) & (gap > _TWO_HOURS)
    return hole_start[long & ~_holds_saturday(hole_start, hole_end)]


@dataclass
class Examples:
    """How many records a check found and the keys of the first MAX_EXAMPLES, gathered
    part by part (symbol by symbol) in the order the parts come."""

    count: int = 0
    keys: list[Any] = field(default_factory=list)

    def add(self, keys: np.ndarray) -> None:
        self.count += len(keys)
        room = MAX_EXAMPLES - len(self.keys)
        if room > 0:
            self.keys.extend(keys[:room].tolist())


@dataclass
class _GapScan:
    """The holes between one symbol's finest bars of a named timeframe, its bars given part
    by part (each part: the bars over the span from the last fill of the part before to
    its own last fill, so consecutive parts share a bar at most): only the few holes long
    enough to count are kept until the symbol's first and last fill times are known."""

    first: int
    last_bar: tuple[int, int] | None = None
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def add(self, bars: SymbolBars) -> None:
        b = bars.bars
        if bars.timeframe is None or not len(b):
            return
        starts, ends = b.start_time, bar_ends(bars.timeframe, b)
        if self.last_bar is not None:
            new = starts > self.last_bar[0]
            starts = np.concatenate([[self.last_bar[0]], starts[new]])
            ends = np.concatenate([[self.last_bar[1]], ends[new]])
        self.last_bar = (int(starts[-1]), int(ends[-1]))
        if len(starts) < 2:
            return
        length = timeframe_length_micros(bars.timeframe, b.start_time, b.end_time) or 0.0
        hole_start, hole_end = ends[:-1], starts[1:]
        gap = hole_end - hole_start
        long = (gap > 3 * length) & (gap > _TWO_HOURS)
        long &= ~_holds_saturday(hole_start, hole_end)
        self.starts.extend(hole_start[long].tolist())
        self.ends.extend(hole_end[long].tolist())

    def gaps(self, last: int) -> list[int]:
        """As bar_gaps over the bars that overlap [first, last]: a hole between two of
        them starts after ``first`` and ends at or before ``last``."""
        return [
            s for s, e in zip(self.starts, self.ends, strict=True) if s > self.first and e <= last
        ]


@dataclass
class FillFindings:
    """What the checks find in the fills, gathered symbol by symbol, and within a symbol
    part by part (its fills in their order, each part with the bars over the span from
    the part before's last fill to its own last fill)."""

    traded: list[str] = field(default_factory=list)
    outside_bars: Examples = field(default_factory=Examples)
    without_order: Examples = field(default_factory=Examples)
    gaps: list[int] = field(default_factory=list)
    bare: list[str] = field(default_factory=list)
    _symbol: str | None = None
    _scan: _GapScan | None = None
    _last: int = 0

    def add(self, symbol: str, fills: FillColumns, order_row: np.ndarray, bars: SymbolBars) -> None:
        """Fills of one traded symbol (a symbol's parts one after the other), each one's
        order row (-1: no stored order has its id), its finest bars around them."""
        if not len(fills):
            return
        times = fills.exec_time
        if symbol != self._symbol:
            self.finish()
            self._symbol = symbol
            self.traded.append(symbol)
            if bars.timeframe is None:
                self.bare.append(symbol)
            self._scan = _GapScan(int(times.min()))
        rows = np.arange(len(fills))
        self.outside_bars.add(fills.execution_id[_outside_bars(fills, rows, bars)])
        self.without_order.add(fills.execution_id[order_row < 0])
        assert self._scan is not None
        self._scan.add(bars)
        self._last = max(self._last, int(times.max()))

    def last_time(self, symbol: str) -> int | None:
        """The last fill time fed of ``symbol`` when it is the symbol being fed."""
        return self._last if symbol == self._symbol else None

    def finish(self) -> None:
        """The symbol being fed is complete: its bar gaps are known."""
        if self._scan is not None:
            self.gaps.extend(self._scan.gaps(self._last))
        self._symbol, self._scan, self._last = None, None, 0


def find_issues(
    facts: RunFacts,
    ordered: np.ndarray,
    status: Coded,
    filled: np.ndarray,
    fills: FillFindings,
    order_ids: Callable[[np.ndarray], Iterable[Any]],
) -> list[dict[str, Any]]:
    """Every finding of the run, in the contract's order of checks.

    Per order: ``ordered`` its quantity, ``status`` its status coded, ``filled`` its
    fills' quantity; ``fills``: what the fills' checks found; ``order_ids``: the ids of
    the orders at the first MAX_EXAMPLES of some rows."""
    found: list[dict[str, Any]] = []
    fills.finish()
    traded = sorted(fills.traded)

    missing = [s for s in traded if s not in facts.instrument_symbols]
    if missing:
        found.append(_finding("point_value_missing", len(missing), missing))

    reconciliation = facts.reconciliation
    if reconciliation is not None and not reconciliation.get("matches", True):
        found.append(_finding("reconciliation_mismatch", 1, [facts.run_id]))

    for check, examples in (
        ("fill_outside_bar", fills.outside_bars),
        ("execution_without_order", fills.without_order),
    ):
        if examples.count:
            found.append(_finding(check, examples.count, examples.keys))

    over = np.flatnonzero(filled > ordered + _QUANTITY_TOLERANCE)
    if len(over):
        found.append(_finding("overfilled_order", len(over), order_ids(over)))

    if facts.completed:
        working = np.flatnonzero(~status.members(TERMINAL_STATUSES))
        if len(working):
            found.append(_finding("order_left_working", len(working), order_ids(working)))
        if facts.open_trade_ids:
            found.append(_finding("open_at_end", len(facts.open_trade_ids), facts.open_trade_ids))

    if fills.gaps:
        gaps = sorted(fills.gaps)
        found.append(_finding("bar_gap", len(gaps), iso(gaps[:MAX_EXAMPLES])))

    bare = sorted(fills.bare)
    if bare:
        found.append(_finding("no_bars", len(bare), bare))
    return found


def verdict(findings: Iterable[Mapping[str, Any]]) -> str:
    severities = {f["severity"] for f in findings}
    if "error" in severities:
        return "errors"
    if "warning" in severities:
        return "warnings"
    return "clean"
