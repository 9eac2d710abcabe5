"""What an import's merges changed beyond their counts: the run's data time span and the
(run, symbol) pairs whose trades the rebuild recomputes.

Each merged table's result is noted as it comes (``note``); ``affected_pairs`` then adds
what only the database can tell: every run that trades a re-valued symbol, every run whose
data time the new or changed bars cover, and every symbol of a run the import closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, literal, select, union_all

from ..contract.timestamps import shifted
from ..db.models import Execution, Run
from ..db.types import stored_instant
from .store.upsert_base import MergeResult
from .tables import TableSpec
from .tuning import DEFAULT_TUNING

Pair = tuple[str, str]


class ImportChanges:
    def __init__(self, probes_per_query: int = DEFAULT_TUNING.traded_probes_per_query) -> None:
        # Existence probes sent in one statement (ImportTuning.traded_probes_per_query).
        self.probes_per_query = probes_per_query
        self.affected: set[Pair] = set()
        self.point_value_symbols: set[str] = set()
        # Runs this import closed (RUNNING -> COMPLETED/FAILED): their data-quality checks
        # of working orders and open trades change, so their trades are rebuilt.
        self.closed_runs: set[str] = set()
        # Bars inserted or changed: (symbol) -> (first start, last start) of the staged bars.
        self.bar_ranges: dict[str, tuple[datetime, datetime]] = {}
        # The data time of the rows merged (bars excepted), which widens the run's.
        self.first_time: datetime | None = None
        self.last_time: datetime | None = None

    def note(self, spec: TableSpec, run_id: str | None, result: MergeResult) -> None:
        """A merged table's affected pairs, re-valued symbols and times."""
        if spec.run_scoped and run_id is not None and spec.names_trades:
            self.affected.update((run_id, symbol) for symbol in result.symbols)
        self.point_value_symbols |= result.point_value_symbols
        if spec.shared_by_range:
            # Market data shared by runs (bars): it does not move a run's data times.
            if result.inserted or result.updated:
                self._note_bar_range(result.symbols, result.first_time, result.last_time)
        else:
            self._note_data_times(result.first_time, result.last_time)

    def _note_data_times(self, first: Any, last: Any) -> None:
        for value in (first, last):
            moment = stored_instant(value)
            if moment is None:
                continue
            self.first_time = moment if self.first_time is None else min(self.first_time, moment)
            self.last_time = moment if self.last_time is None else max(self.last_time, moment)

    def _note_bar_range(self, symbols: set[str], first: Any, last: Any) -> None:
        first_at, last_at = stored_instant(first), stored_instant(last)
        if first_at is None or last_at is None:
            return
        for symbol in symbols:
            known = self.bar_ranges.get(symbol)
            if known is None:
                self.bar_ranges[symbol] = (first_at, last_at)
            else:  # widened for this symbol only
                self.bar_ranges[symbol] = (min(known[0], first_at), max(known[1], last_at))

    def affected_pairs(self, conn: Connection) -> list[Pair]:
        """The affected (run, symbol) pairs, sorted, including every run that trades a
        re-valued symbol and every run whose time the new or changed bars cover."""
        if self.bar_ranges:
            self.affected |= self._runs_covered_by_new_bars(conn)
        if self.point_value_symbols:
            # Per run, a probe of the (run_id, symbol, ...) index, not a scan of executions.
            runs = conn.execute(select(Run.run_id)).scalars().all()
            symbols = sorted(self.point_value_symbols)
            pairs = [(r, symbol) for symbol in symbols for r in runs]
            self.affected |= _traded(conn, pairs, self.probes_per_query)
        for run_id in sorted(self.closed_runs):
            traded = conn.execute(
                select(Execution.symbol).where(Execution.run_id == run_id).distinct()
            ).scalars()
            self.affected.update((run_id, symbol) for symbol in traded)
        return sorted(self.affected)

    def _runs_covered_by_new_bars(self, conn: Connection) -> set[Pair]:
        """(run, symbol) pairs whose excursions may change because bars of the symbol
        arrived or changed within the run's data time (bars may come after their trades)."""
        queries = [
            # Bars are known by their start; one that starts before a run's first fill may
            # still contain it: a day of slack covers the longest named timeframe ('1d').
            select(Run.run_id, literal(symbol, String).label("symbol")).where(
                Run.first_data_time <= shifted(last, timedelta(days=1)),
                Run.last_data_time >= shifted(first, -timedelta(days=1)),
            )
            for symbol, (first, last) in self.bar_ranges.items()
        ]
        if not queries:
            return set()
        # One round trip for all the symbols.
        rows = conn.execute(queries[0] if len(queries) == 1 else union_all(*queries))
        pairs = [(run_id, symbol) for run_id, symbol in rows]
        return _traded(conn, pairs, self.probes_per_query)


def _traded(conn: Connection, pairs: list[Pair], per_query: int) -> set[Pair]:
    """The (run, symbol) pairs whose run has executions of the symbol. Each pair is its
    own probe with the run as a value: on PostgreSQL the planner then looks into that
    run's partition alone (a probe correlated with a runs table is planned over every
    partition, which costs a stream batch ~100 ms per 300 partitions)."""
    found: set[Pair] = set()
    for start in range(0, len(pairs), per_query):
        probes = [
            select(literal(run_id, String), literal(symbol, String)).where(
                select(Execution.run_id)
                .where(Execution.run_id == run_id, Execution.symbol == symbol)
                .exists()
            )
            for run_id, symbol in pairs[start : start + per_query]
        ]
        query = probes[0] if len(probes) == 1 else union_all(*probes)
        found.update((run_id, symbol) for run_id, symbol in conn.execute(query))
    return found
