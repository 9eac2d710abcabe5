"""A run's execution quality and data-quality findings as the API answers them: stored
by the rebuild (run_quality); a run without a stored assessment (built before it existed)
is assessed on request, from its stored orders, fills, bars and trades."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from ..db.models import RunQuality
from ..trades.quality.assessment import assess_run
from ..trades.quality.columns import FillColumns, OrderColumns
from ..trades.quality.execution import execution_quality
from .runs_query import run_statistics, statistics_of


def assessment(conn: Connection, run_id: str) -> dict[str, Any]:
    """{"verdict", "findings", "execution_quality", "updated_at"} of the run."""
    row = conn.execute(
        select(
            RunQuality.verdict,
            RunQuality.findings,
            RunQuality.execution_quality,
            RunQuality.updated_at,
        ).where(RunQuality.run_id == run_id)
    ).first()
    if row is not None:
        return {
            "verdict": row.verdict,
            "findings": row.findings,
            "execution_quality": row.execution_quality,
            "updated_at": row.updated_at,
        }
    stored = run_statistics(conn, run_id)
    stats = statistics_of(stored[1]) if stored else None
    document = assess_run(conn, run_id, (stats or {}).get("reconciliation"))
    return {**document, "updated_at": None}


def execution_quality_of(conn: Connection, run_id: str, symbol: str | None) -> dict[str, Any]:
    """The run's execution quality, or one symbol's (a symbol the run never traded or
    ordered has nothing: zero orders and executions)."""
    found = assessment(conn, run_id)
    document = found["execution_quality"]
    symbols = sorted(document.get("symbols", {}))
    if symbol is None:
        figures = document["run"]
    else:
        figures = document.get("symbols", {}).get(symbol) or execution_quality(
            OrderColumns.empty(), FillColumns.empty(), np.empty(0, dtype=np.int64), np.empty(0)
        )
    return {
        "run_id": run_id,
        "symbol": symbol,
        "symbols": symbols,
        "updated_at": found["updated_at"],
        **figures,
    }
