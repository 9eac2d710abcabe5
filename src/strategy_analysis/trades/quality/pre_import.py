"""The findings an import would produce, judged inside its own (dry-run) transaction
before it is rolled back: the runs' trades are built in memory from what the
transaction sees, as the rebuild after a real import would build them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from ..builder import ExecutionDataError, build_trades
from ..columns import ExecutionColumns
from ..reading import RunContext, point_values, run_contexts
from ..statistics import compute_statistics
from .assessment import assess_run
from .checks import trades_not_built
from .reading import time_sql, times_of

_SIDES = {"BUY": 1, "SELL": -1}


def _executions(conn: Connection, run: RunContext) -> ExecutionColumns:
    """The run's fills as the rebuild reads them (account and strategy fall back to the
    order's, then the run's; the signal is the order's client_tag, else its id)."""
    exec_time = time_sql(conn, "e.exec_time")
    rows = conn.execute(
        text(
            "SELECT e.execution_id, COALESCE(e.account_id, o.account_id, :account),"
            f" e.symbol, e.side, e.price, e.quantity, COALESCE(e.fee, 0), {exec_time},"
            " e.sequence, COALESCE(e.strategy_id, o.strategy_id, :strategy),"
            " COALESCE(o.client_tag, o.order_id)"
            " FROM executions e LEFT JOIN orders o"
            " ON o.run_id = e.run_id AND o.order_id = e.order_id"
            " WHERE e.run_id = :run_id"
        ),
        {"account": run.account_id, "strategy": run.strategy_id, "run_id": run.run_id},
    ).all()
    if not rows:
        return ExecutionColumns.empty()
    ids, accounts, symbols, sides, prices, qty, fees, times, seqs, strategies, signals = zip(
        *rows, strict=True
    )
    return ExecutionColumns(
        execution_id=np.array(ids, dtype=object),
        account_id=np.array(accounts, dtype=object),
        symbol=np.array(symbols, dtype=object),
        side=np.array([_SIDES.get(s, 0) for s in sides], dtype=np.int8),
        price=np.array(prices, dtype=np.float64),
        quantity=np.array(qty, dtype=np.float64),
        fee=np.array(fees, dtype=np.float64),
        exec_time=times_of(conn, times),
        sequence=np.array(seqs, dtype=np.int64),
        strategy_id=np.array(strategies, dtype=object),
        signal=np.array(signals, dtype=object),
    )


def pre_import_findings(conn: Connection, run_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every finding of each run, each with its ``run_id``, as ``conn`` sees the runs."""
    found: list[dict[str, Any]] = []
    for run_id, run in sorted(run_contexts(conn, run_ids).items()):
        executions = _executions(conn, run)
        values = point_values(conn, set(executions.symbol.tolist()))
        try:
            built = build_trades(executions, values, run_id, run.strategy_id)
        except ExecutionDataError as exc:
            # The other checks still run; those that need the trades have none to judge.
            document = assess_run(conn, run_id, None, [])
            findings = [trades_not_built(str(exc)), *document["findings"]]
        else:
            statistics = compute_statistics(built, run.reported_net_pnl, run.reported_trade_count)
            open_rows = np.flatnonzero(~np.asarray(built.closed, dtype=bool))
            open_rows = open_rows[np.argsort(built.entry_time[open_rows], kind="stable")]
            open_ids = [str(t) for t in built.trade_id[open_rows]]
            document = assess_run(conn, run_id, statistics["reconciliation"], open_ids)
            findings = document["findings"]
        found.extend({"run_id": run_id, **finding} for finding in findings)
    return found
