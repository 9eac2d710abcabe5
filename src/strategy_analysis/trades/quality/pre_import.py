"""The findings an import would produce, judged inside its own (dry-run) transaction
before it is rolled back: the runs' trades are built in memory from what the
transaction sees, as the rebuild after a real import would build them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sqlalchemy import Connection

from ..builder import ExecutionDataError, build_trades
from ..columns import ExecutionColumns
from ..reading import point_values, read_executions, run_contexts
from ..statistics import compute_statistics
from .assessment import RunAssessment
from .checks import trades_not_built
from .columns import fills_of, symbol_rows


def _assess(
    conn: Connection,
    run_id: str,
    executions: ExecutionColumns,
    reconciliation: Any,
    open_trades: list[str],
) -> dict[str, Any]:
    """The run's document, fed the fills already read, symbol by symbol."""
    assessment = RunAssessment.of_run(conn, run_id)
    fills = fills_of(executions)
    for symbol, rows in symbol_rows(executions.symbol).items():
        assessment.add_from(conn, symbol, fills.take(rows))
    return assessment.document_of_run(conn, reconciliation, open_trades)


def pre_import_findings(conn: Connection, run_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every finding of each run, each with its ``run_id``, as ``conn`` sees the runs."""
    found: list[dict[str, Any]] = []
    for run_id, run in sorted(run_contexts(conn, run_ids).items()):
        # Read through ``conn``: the dry run's own transaction holds the rows.
        executions = read_executions(conn, run)
        values = point_values(conn, set(executions.symbol.tolist()))
        try:
            built = build_trades(executions, values, run_id, run.strategy_id)
        except ExecutionDataError as exc:
            # The other checks still run; those that need the trades have none to judge.
            document = _assess(conn, run_id, executions, None, [])
            findings = [trades_not_built(str(exc)), *document["findings"]]
        else:
            statistics = compute_statistics(built, run.reported_net_pnl, run.reported_trade_count)
            open_rows = np.flatnonzero(~np.asarray(built.closed, dtype=bool))
            open_rows = open_rows[np.argsort(built.entry_time[open_rows], kind="stable")]
            open_ids = [str(t) for t in built.trade_id[open_rows]]
            document = _assess(conn, run_id, executions, statistics["reconciliation"], open_ids)
            findings = document["findings"]
        found.extend({"run_id": run_id, **finding} for finding in findings)
    return found
