"""A run's stored trades as columns, kept in memory between incremental rebuilds.

An incremental rebuild needs, per (run, symbol), the stored trades it may replace, and
for the run's statistics every stored trade of the run. Read from the database each
time, that costs more than rebuilding the new data once a streamed run holds tens of
thousands of trades. So the rebuild that writes a run's trades keeps them here, with the
token it stored in ``run_statistics.rebuild_token`` in the same transaction; the next
rebuild uses them only while the stored token is still that one (no rebuild of this
process or another wrote the run since), and reads them again otherwise.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg import sql as pg_sql
from sqlalchemy import Connection, text

from .columns import NO_TIME, BuiltTrades
from .pg_binary_copy import INT4, decode_array, decode_single_row, split_text
from .reading import (
    METRIC_FIELDS,
    StoredTradeMetrics,
    copy_out,
    metric_arrays_sql,
    metric_columns_sql,
    metrics_from_arrays,
    metrics_from_columns,
)


@dataclass(frozen=True)
class StoredTrade:
    trade_id: str
    account_id: str | None
    closed: bool
    entry_time: int
    exit_time: int


def new_rebuild_token() -> str:
    return uuid.uuid4().hex


@dataclass
class RunTrades:
    """Every stored trade of one run: its id, symbol and account, and the metrics the
    run's statistics need. Order carries no meaning."""

    trade_id: np.ndarray  # object
    symbol: np.ndarray  # object
    account_id: np.ndarray  # object; None is an account of its own
    metrics: StoredTradeMetrics

    def __len__(self) -> int:
        return len(self.trade_id)

    def replaceable(self, symbol: str, since: int, recent: int | None) -> list[StoredTrade]:
        """The trades of ``symbol`` a rebuild from ``since`` may replace (open, or closed
        at or after it) and, per account, the last ``recent`` (None: all) closed before it."""
        rows = np.flatnonzero(self.symbol == symbol)
        closed = self.metrics.closed[rows]
        before = closed & (self.metrics.exit_time[rows] < since)
        chosen = [rows[~before]]
        candidates = rows[before]
        accounts = self.account_id[candidates]
        for account in set(accounts.tolist()):
            own = candidates[[a == account for a in accounts.tolist()]]
            if recent is not None and len(own) > recent:
                own = own[np.argsort(self.metrics.exit_time[own], kind="stable")[-recent:]]
            chosen.append(own)
        picked = np.concatenate(chosen)
        m = self.metrics
        return [
            StoredTrade(
                trade_id=trade_id,
                account_id=account,
                closed=is_closed,
                entry_time=entry,
                exit_time=exit_ if is_closed else NO_TIME,
            )
            for trade_id, account, is_closed, entry, exit_ in zip(
                self.trade_id[picked].tolist(),
                self.account_id[picked].tolist(),
                m.closed[picked].tolist(),
                m.entry_time[picked].tolist(),
                m.exit_time[picked].tolist(),
                strict=True,
            )
        ]

    def replaced(self, removed: set[str], added: list[BuiltTrades]) -> RunTrades:
        """These trades without ``removed`` (ids) and with ``added``."""
        keep = np.fromiter(
            (t not in removed for t in self.trade_id.tolist()), dtype=bool, count=len(self)
        )
        parts: list[Any] = [self.take(np.flatnonzero(keep)), *added]
        return RunTrades(
            trade_id=_concat(p.trade_id for p in parts),
            symbol=_concat(p.symbol for p in parts),
            account_id=_concat(p.account_id for p in parts),
            metrics=StoredTradeMetrics(
                **{
                    name: np.concatenate([np.asarray(getattr(_metrics_of(p), name)) for p in parts])
                    for name in METRIC_FIELDS
                }
            ),
        )

    def take(self, index: np.ndarray) -> RunTrades:
        return RunTrades(
            trade_id=self.trade_id[index],
            symbol=self.symbol[index],
            account_id=self.account_id[index],
            metrics=StoredTradeMetrics(
                **{name: getattr(self.metrics, name)[index] for name in METRIC_FIELDS}
            ),
        )


def _metrics_of(part: Any) -> StoredTradeMetrics:
    if isinstance(part, RunTrades):
        return part.metrics
    # As the database reads them: the exit time and sequence of an open trade are 0.
    open_ = ~np.asarray(part.closed, dtype=bool)
    return StoredTradeMetrics(
        **{
            name: np.where(open_, 0, getattr(part, name))
            if name in ("exit_time", "exit_sequence")
            else getattr(part, name)
            for name in METRIC_FIELDS
        }
    )


def _concat(columns: Any) -> np.ndarray:
    values = [np.asarray(c, dtype=object) for c in columns]
    return np.concatenate(values) if values else np.empty(0, dtype=object)


def stored_rebuild_token(conn: Connection, run_id: str) -> str | None:
    return conn.execute(
        text("SELECT rebuild_token FROM run_statistics WHERE run_id = :run_id"),
        {"run_id": run_id},
    ).scalar()


def load_run_trades(conn: Connection, run_id: str) -> RunTrades:
    """Every stored trade of the run, in one query."""
    if conn.dialect.name == "postgresql":
        return _load_run_trades_postgresql(conn, run_id)
    rows = conn.execute(
        text(
            f"SELECT trade_id, symbol, account_id, {metric_columns_sql('sqlite')}"
            " FROM trades WHERE run_id = :run_id"
        ),
        {"run_id": run_id},
    ).fetchall()
    columns: list[Any] = (
        list(zip(*rows, strict=True)) if rows else [[] for _ in range(3 + len(METRIC_FIELDS))]
    )
    return RunTrades(
        trade_id=_objects(columns[0]),
        symbol=_objects(columns[1]),
        account_id=_objects(columns[2]),
        metrics=metrics_from_columns(columns[3:]),
    )


def _objects(values: Any) -> np.ndarray:
    column = np.empty(len(values), dtype=object)
    column[:] = list(values)
    return column


def _load_run_trades_postgresql(conn: Connection, run_id: str) -> RunTrades:
    """One binary COPY of one row, a column per array (texts cut by their lengths): no
    Python object per trade but its three texts."""
    dbapi = conn.connection.driver_connection
    where = f"run_id = {pg_sql.Literal(run_id).as_string(dbapi)}"
    texts = ", ".join(
        f"string_agg({name}, ''), array_agg(COALESCE(char_length({name}), -1))"
        for name in ("trade_id", "symbol", "account_id")
    )
    data = copy_out(
        dbapi, f"SELECT {texts}, {metric_arrays_sql()} FROM trades WHERE {where}", binary=True
    )
    fields = decode_single_row(data)
    trade_id, symbol, account_id = (
        split_text(fields[2 * j], decode_array(fields[2 * j + 1], INT4)) for j in range(3)
    )
    return RunTrades(
        trade_id=trade_id,
        symbol=symbol,
        account_id=account_id,
        metrics=metrics_from_arrays(fields[6:]),
    )


class RunTradesCache:
    """The trades of the runs this process rebuilt last, with the token each stored."""

    def __init__(self, max_runs: int = 4) -> None:
        self.max_runs = max_runs
        self._runs: OrderedDict[str, tuple[str, RunTrades]] = OrderedDict()
        self._guard = threading.Lock()
        self.hits = 0
        self.misses = 0

    def current(self, conn: Connection, run_id: str) -> RunTrades:
        """The run's stored trades: the kept ones while its stored token is theirs, else
        read from the database. Call it under the run's rebuild lock."""
        token = stored_rebuild_token(conn, run_id)
        with self._guard:
            kept = self._runs.get(run_id)
        if kept is not None and token is not None and kept[0] == token:
            self.hits += 1
            return kept[1]
        self.misses += 1
        return load_run_trades(conn, run_id)

    def keep(self, run_id: str, token: str, trades: RunTrades) -> None:
        """After the commit that stored ``token`` with these trades."""
        with self._guard:
            self._runs[run_id] = (token, trades)
            self._runs.move_to_end(run_id)
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)
