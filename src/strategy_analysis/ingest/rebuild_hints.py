"""From when a stream batch can have changed each affected (run, symbol)'s trades.

The incremental rebuild (trades/incremental.py) keeps the trades that closed before that
time. A pair gets None (rebuild in full) when the batch changed something a time cannot
bound: a stored execution (it may have moved), a point value, or orders of a run whose
executions may lack an account or strategy (an order fills those in on read). An order
names the signal of the trades its fills belong to: a changed one bounds the time from
which they may change by its submit time (a fill follows its order's submission).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..trades.columns import datetime_to_micros
from .report import ImportReport
from .tables import TableSpec

Pair = tuple[str, str]


class RebuildHints:
    """Collects what a batch wrote, then answers ``since`` per affected pair."""

    def __init__(self, run_id: str | None, defaults: Mapping[str, str | None]) -> None:
        self.run_id = run_id
        self.defaults_complete = all(defaults.get(c) for c in ("strategy_id", "account_id"))
        # symbol -> earliest time of the batch's valid executions and orders (stored text)
        self.first_time: dict[str, str] = {}
        self.bar_ranges: dict[str, tuple[datetime, datetime]] = {}
        self.point_value_symbols: set[str] = set()

    def note_rows(self, spec: TableSpec, rows: list[tuple[Any, ...]]) -> None:
        """Valid rows of a table that names trades: executions by their time; orders by
        their submit time, which bounds the time of the fills whose signal they name."""
        if not spec.names_trades or spec.time_column is None:
            return
        symbol = 1 + spec.columns.index("symbol")
        moment = 1 + spec.columns.index(spec.time_column)
        first = self.first_time
        for row in rows:
            # Stored times are fixed-width text: the text order is the time order.
            if row[symbol] not in first or row[moment] < first[row[symbol]]:
                first[row[symbol]] = row[moment]

    def since(self, report: ImportReport) -> dict[Pair, int | None]:
        counts = report.counts
        changed_orders = counts["orders"].inserted + counts["orders"].updated
        whole_run = counts["executions"].updated > 0 or (
            changed_orders > 0 and not self.defaults_complete
        )
        hints: dict[Pair, int | None] = {}
        for run_id, symbol in report.affected:
            own = run_id == self.run_id
            if symbol in self.point_value_symbols or (own and whole_run):
                hints[(run_id, symbol)] = None
                continue
            moments = []
            if own and symbol in self.first_time:
                moments.append(_micros(self.first_time[symbol]))
            if symbol in self.bar_ranges:
                moments.append(datetime_to_micros(self.bar_ranges[symbol][0]))
            hints[(run_id, symbol)] = min(moments) if moments else None
        return hints


def _micros(stored: str) -> int:
    return datetime_to_micros(datetime.fromisoformat(stored))
