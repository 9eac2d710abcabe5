"""The analysis of a run on request: statistics of any subset, breakdowns, Monte Carlo and
run comparison (analytics.md), over the run's stored trades.

The trades are read once per rebuild: one query (on PostgreSQL one binary COPY of one row,
a column per array) into an ``AnalysisTrades``, kept in an ``AnalysisCache`` keyed by the
run's ``rebuild_token`` (stored with the trades in the rebuild's transaction), so the
answers of a run stay fast and never outlive the trades they were computed from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from psycopg import sql as pg_sql
from sqlalchemy import Connection, select, text

from ..db.models import Run, RunStatistics
from ..errors import NotFoundError, UnprocessableError
from ..trades.breakdowns import breakdown
from ..trades.monte_carlo import monte_carlo
from ..trades.pg_binary_copy import FLOAT8, INT4, INT8, decode_array, decode_single_row
from ..trades.reading import copy_out
from ..trades.sql_time import micros_expression
from ..trades.statistics import compute_equity_curve
from ..trades.statistics_sets import (
    COLUMN_NAMES,
    AnalysisTrades,
    as_closed_trades,
    closed_statistics,
    codes_of,
    subset_statistics,
)
from . import runs_query

_FLOATS = (
    "pnl_net",
    "commission",
    "mae",
    "mfe",
    "etd",
    "entry_efficiency",
    "exit_efficiency",
    "total_efficiency",
)
# Runs whose trades a process keeps, and the most trades all of them may hold together.
CACHE_RUNS = 8
CACHE_TRADES = 4_000_000


def _names(conn: Connection, run_id: str) -> tuple[list[str], list[str | None]]:
    """The run's symbols and accounts (None is an account of its own), sorted."""
    rows = (
        conn.execute(
            text("SELECT DISTINCT symbol, account_id FROM trades WHERE run_id = :run_id"),
            {"run_id": run_id},
        )
        .tuples()
        .all()
    )
    symbols: list[str] = sorted({s for s, _ in rows})
    accounts: list[str | None] = sorted({a for _, a in rows if a is not None})
    if any(a is None for _, a in rows):
        accounts.append(None)
    return symbols, accounts


def load_analysis_trades(conn: Connection, run_id: str) -> AnalysisTrades:
    """Every stored trade of the run, open ones included, as columns (one query), the
    closed ones first in the statistics' order."""
    symbols, accounts = _names(conn, run_id)
    if not symbols:
        return AnalysisTrades.empty()
    if conn.dialect.name == "postgresql":
        trades = _load_postgresql(conn, run_id, symbols, accounts).in_statistics_order()
    else:
        trades = _load_sqlite(conn, run_id).in_statistics_order()
    # Kept and shared by requests (whole-run answers get views): nothing may write into them.
    for name in COLUMN_NAMES:
        getattr(trades, name).setflags(write=False)
    return trades


def _load_sqlite(conn: Connection, run_id: str) -> AnalysisTrades:
    floats = ", ".join(_FLOATS)
    rows = conn.execute(
        text(
            "SELECT status = 'CLOSED', side = 'LONG', symbol, account_id,"
            f" {micros_expression('entry_time', 'sqlite')},"
            f" COALESCE({micros_expression('exit_time', 'sqlite')}, 0),"
            f" COALESCE(exit_sequence, 0), {floats} FROM trades WHERE run_id = :run_id"
        ),
        {"run_id": run_id},
    ).fetchall()
    columns = list(zip(*rows, strict=True))
    symbol_code, symbol_names = codes_of(list(columns[2]))
    account_code, account_names = codes_of(list(columns[3]))
    return AnalysisTrades(
        closed=np.array(columns[0], dtype=bool),
        side=np.where(np.array(columns[1], dtype=bool), 1, -1).astype(np.int8),
        symbol_code=symbol_code,
        account_code=account_code,
        entry_time=np.array(columns[4], dtype=np.int64),
        exit_time=np.array(columns[5], dtype=np.int64),
        exit_sequence=np.array(columns[6], dtype=np.int64),
        **{  # type: ignore[arg-type]  # the float columns, by name
            name: np.array(values, dtype=np.float64)
            for name, values in zip(_FLOATS, columns[7:], strict=True)
        },
        symbol_names=symbol_names,
        account_names=account_names,
    )


def _load_postgresql(
    conn: Connection, run_id: str, symbols: list[str], accounts: list[str | None]
) -> AnalysisTrades:
    """One binary COPY of one row, a column per array; symbols and accounts travel as
    their place in the run's sorted lists, not as a text per trade."""
    dbapi = conn.connection.driver_connection

    def literal(value: Any) -> str:
        return pg_sql.Literal(value).as_string(dbapi)

    def codes(column: str, names: list[Any]) -> str:
        present = [n for n in names if n is not None]
        array = "ARRAY[" + ", ".join(literal(n) for n in present) + "]::text[]"
        # 1-based place in the list; NULL (no account) is the place after it
        return f"array_agg(COALESCE(array_position({array}, {column}), {len(present) + 1}) - 1)"

    floats = ", ".join(f"array_agg(COALESCE({name}, 'NaN')::float8)" for name in _FLOATS)
    statement = (
        "SELECT array_agg((status = 'CLOSED')::int4), array_agg((side = 'LONG')::int4),"
        f" {codes('symbol', symbols)}, {codes('account_id', accounts)},"
        f" array_agg({micros_expression('entry_time', 'postgresql')}),"
        f" array_agg(COALESCE({micros_expression('exit_time', 'postgresql')}, 0)),"
        f" array_agg(COALESCE(exit_sequence, 0)::int8), {floats}"
        f" FROM trades WHERE run_id = {literal(run_id)}"
    )
    fields = decode_single_row(copy_out(dbapi, statement, binary=True))
    kinds = (INT4, INT4, INT4, INT4, INT8, INT8, INT8) + (FLOAT8,) * len(_FLOATS)
    closed, long_, symbol, account, entry, exit_, sequence, *numbers = (
        decode_array(field, kind) for field, kind in zip(fields, kinds, strict=True)
    )
    return AnalysisTrades(
        closed=closed.astype(bool),
        side=np.where(long_ == 1, 1, -1).astype(np.int8),
        symbol_code=symbol.astype(np.int64),
        account_code=account.astype(np.int64),
        entry_time=entry.astype(np.int64),
        exit_time=exit_.astype(np.int64),
        exit_sequence=sequence.astype(np.int64),
        **{name: values.astype(np.float64) for name, values in zip(_FLOATS, numbers, strict=True)},  # type: ignore[arg-type]  # the float columns, by name
        symbol_names=tuple(symbols),
        account_names=tuple(accounts),
    )


class AnalysisCache:
    """The trades of the runs this process analysed last, each with the rebuild token it
    was read under. A run rebuilt since (another token) is read again."""

    def __init__(self, max_runs: int = CACHE_RUNS, max_trades: int = CACHE_TRADES) -> None:
        self.max_runs = max_runs
        self.max_trades = max_trades
        self._runs: OrderedDict[str, tuple[str, AnalysisTrades]] = OrderedDict()
        # Answers derived from a run's kept trades, by (run, token, key): dropped with them.
        self._derived: dict[tuple[str, str, Hashable], Any] = {}
        self._guard = threading.Lock()

    def kept(self, run_id: str, token: str, key: Hashable) -> Any | None:
        """What ``derived`` keeps for the run under ``token`` and ``key``; None if nothing."""
        with self._guard:
            return self._derived.get((run_id, token, key))

    def derived(
        self, run_id: str, token: str | None, key: Hashable, compute: Callable[[], Any]
    ) -> Any:
        """``compute()``, kept while the run's trades under ``token`` are: for answers that
        depend on nothing but those trades and ``key``. The caller must not change it."""
        if token is None:
            return compute()
        with self._guard:
            if (run_id, token, key) in self._derived:
                return self._derived[(run_id, token, key)]
        value = compute()
        with self._guard:
            kept = self._runs.get(run_id)
            if kept is not None and kept[0] == token:
                self._derived[(run_id, token, key)] = value
        return value

    def trades(self, conn: Connection, run_id: str, token: str | None) -> AnalysisTrades:
        if token is None:  # stored by no rebuild: nothing tells when it changes
            return load_analysis_trades(conn, run_id)
        with self._guard:
            kept = self._runs.get(run_id)
        if kept is not None and kept[0] == token:
            return kept[1]
        trades = load_analysis_trades(conn, run_id)
        with self._guard:
            self._runs[run_id] = (token, trades)
            self._runs.move_to_end(run_id)
            while len(self._runs) > 1 and (
                len(self._runs) > self.max_runs
                or sum(len(t) for _, t in self._runs.values()) > self.max_trades
            ):
                self._runs.popitem(last=False)
            self._derived = {
                k: v for k, v in self._derived.items() if self._runs.get(k[0], ("",))[0] == k[1]
            }
        return trades


def _stored(conn: Connection, run_id: str) -> tuple[Any, dict[str, Any] | None, str | None]:
    """(updated_at, stored statistics document, rebuild token) of the run."""
    row = conn.execute(
        select(
            RunStatistics.updated_at, RunStatistics.statistics, RunStatistics.rebuild_token
        ).where(RunStatistics.run_id == run_id)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else (None, None, None)


def run_trades(
    conn: Connection, cache: AnalysisCache, run_id: str
) -> tuple[Any, dict[str, Any] | None, AnalysisTrades | None]:
    """(updated_at, stored document, trades) of a run; trades None until it is built."""
    updated_at, document, token = _stored(conn, run_id)
    if document is None:
        return updated_at, None, None
    return updated_at, document, cache.trades(conn, run_id, token)


def subset_of(side: str | None, symbol: str | None, account: str | None) -> dict[str, Any]:
    return {"side": side.upper() if side else None, "symbol": symbol, "account": account}


def run_statistics(
    conn: Connection,
    cache: AnalysisCache,
    run_id: str,
    *,
    side: str | None = None,
    symbol: str | None = None,
    account: str | None = None,
) -> tuple[Any, dict[str, Any] | None]:
    """(updated_at, every statistic of both tables over the subset); None until built.

    The whole run's reconciliation is the stored one; a subset has none."""
    updated_at, document, trades = run_trades(conn, cache, run_id)
    if trades is None:
        return updated_at, None
    stats = subset_statistics(trades, side=side, symbol=symbol, account=account)
    if side is None and symbol is None and account is None:
        stored = runs_query.statistics_of(document) or {}
        stats["reconciliation"] = stored.get("reconciliation")
    return updated_at, stats


class UnknownTimeZoneError(UnprocessableError, ValueError):
    pass


def parse_zone(name: str) -> ZoneInfo | None:
    """The IANA zone named ``name``; None for UTC. UnknownTimeZoneError otherwise."""
    if name in ("UTC", "Etc/UTC", "Z"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZoneError(
            f"unknown time zone {name!r}: use UTC or an IANA name such as America/New_York"
        ) from None


def run_breakdown(
    conn: Connection,
    cache: AnalysisCache,
    run_id: str,
    by: str,
    zone: ZoneInfo | None,
    *,
    side: str | None = None,
    symbol: str | None = None,
    account: str | None = None,
) -> list[dict[str, Any]]:
    """The breakdown rows of the subset's closed trades; none until the run is built."""
    _, _, trades = run_trades(conn, cache, run_id)
    if trades is None:
        return []
    return breakdown(trades.subset(side, symbol, account), by, zone)


def run_monte_carlo(
    conn: Connection,
    cache: AnalysisCache,
    run_id: str,
    simulations: int,
    seed: int,
    *,
    side: str | None = None,
    symbol: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """Monte Carlo over the subset's closed trades in the statistics' order."""
    _, _, trades = run_trades(conn, cache, run_id)
    if trades is None:
        trades = AnalysisTrades.empty()
    closed = trades.subset(side, symbol, account).closed_in_order()
    return monte_carlo(closed.pnl_net, simulations=simulations, seed=seed)


class UnknownRunsError(NotFoundError, LookupError):
    def __init__(self, run_ids: list[str]) -> None:
        super().__init__(", ".join(repr(r) for r in run_ids))
        self.run_ids = run_ids

    @property
    def http_detail(self) -> str:
        return f"no run with id {self.detail}"


def compare_runs(
    conn: Connection,
    cache: AnalysisCache,
    run_ids: list[str],
    max_points: int,
    present: Callable[[dict[str, Any]], Any] = lambda part: part,
) -> list[dict[str, Any]]:
    """Per run, in the order asked: its name, its whole-run statistics (both tables, the
    stored reconciliation) and its equity and drawdown curve (at most ``max_points``
    points, the extremes kept). Statistics and curve are null/empty until it is built.

    ``present`` turns a run's ``{"statistics", "equity"}`` into what the caller answers
    (the same function on every call); its result is kept with the run's trades, so a
    run compared again under the same rebuild costs neither statistics nor curve."""
    rows = conn.execute(
        select(Run.run_id, Run.strategy_id, Run.name).where(Run.run_id.in_(run_ids))
    ).all()
    known = {row.run_id: row for row in rows}
    missing = [r for r in run_ids if r not in known]
    if missing:
        raise UnknownRunsError(missing)
    # The stored document (the whole curve in it) is read only for a run whose part is not
    # kept: its token is enough to find the part, each store of a document writing a new one.
    tokens = dict(
        conn.execute(
            select(RunStatistics.run_id, RunStatistics.rebuild_token).where(
                RunStatistics.run_id.in_(run_ids)
            )
        ).all()
    )
    key = ("compare", max_points)
    answer = []
    for run_id in run_ids:
        token = tokens.get(run_id)
        kept = cache.kept(run_id, token, key) if token is not None else None
        if kept is not None:
            updated_at, part = kept
        else:
            updated_at, document, token = _stored(conn, run_id)
            if document is None:
                part = present({"statistics": None, "equity": []})
            else:
                trades = cache.trades(conn, run_id, token)
                reconciliation = (runs_query.statistics_of(document) or {}).get("reconciliation")

                def compute(
                    trades: AnalysisTrades = trades,
                    reconciliation: Any = reconciliation,
                    updated_at: Any = updated_at,
                ) -> Any:
                    closed = trades.closed_in_order()
                    statistics = closed_statistics(closed, len(trades) - len(closed))
                    statistics["reconciliation"] = reconciliation
                    equity = compute_equity_curve(as_closed_trades(closed), max_points=max_points)
                    return updated_at, present({"statistics": statistics, "equity": equity})

                updated_at, part = cache.derived(run_id, token, key, compute)
        answer.append(
            {
                "run_id": run_id,
                "strategy_id": known[run_id].strategy_id,
                "name": known[run_id].name,
                "updated_at": updated_at,
                **part,
            }
        )
    return answer
