"""Strategy and run reads: the hierarchy, per-run counts and the stored statistics."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Connection

from ..db.models import (
    AnalysisFailure,
    Execution,
    Order,
    Run,
    RunQuality,
    RunStatistics,
    Strategy,
    Trade,
)
from . import annotations as user_annotations

SUMMARY_KEYS = ("total_trades", "net_profit", "profit_factor", "percent_profitable", "max_drawdown")

_run_cols = [c for c in Run.__table__.c if c.key != "metadata"]


def list_strategies(conn: Connection) -> list[dict[str, Any]]:
    run_counts = (
        select(Run.strategy_id, func.count().label("run_count"))
        .group_by(Run.strategy_id)
        .subquery()
    )
    query = (
        select(
            Strategy.strategy_id,
            Strategy.name,
            Strategy.version,
            func.coalesce(run_counts.c.run_count, 0).label("run_count"),
            Strategy.created_at,
            Strategy.updated_at,
        )
        .outerjoin(run_counts, run_counts.c.strategy_id == Strategy.strategy_id)
        .order_by(Strategy.strategy_id)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def _counts(conn: Connection, run_ids: list[str]) -> dict[str, dict[str, int]]:
    counts = {run_id: {"orders": 0, "executions": 0, "trades": 0} for run_id in run_ids}
    if not run_ids:
        return counts
    for name, table in (("orders", Order), ("executions", Execution), ("trades", Trade)):
        query = (
            select(table.run_id, func.count())
            .where(table.run_id.in_(run_ids))
            .group_by(table.run_id)
        )
        for run_id, count in conn.execute(query):
            counts[run_id][name] = count
    return counts


def _summaries(conn: Connection, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not run_ids:
        return {}
    rows = conn.execute(
        select(RunStatistics.run_id, RunStatistics.statistics).where(
            RunStatistics.run_id.in_(run_ids)
        )
    )
    summaries: dict[str, dict[str, Any]] = {}
    for run_id, document in rows.tuples():
        stats = statistics_of(document) or {}
        summaries[run_id] = {key: stats.get(key) for key in SUMMARY_KEYS}
    return summaries


def _analysis(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Each run's analysis state: ``failed`` while a (run, symbol) rebuild failure stands
    (the most recent one's reason and time, and the symbols whose trades are stale),
    ``built`` once a rebuild stored its statistics, else ``not_built``."""
    run_ids = [row["run_id"] for row in rows]
    failures: dict[str, list[Any]] = {}
    if run_ids:
        query = (
            select(AnalysisFailure.run_id, AnalysisFailure.symbol, AnalysisFailure.error,
                   AnalysisFailure.failed_at)
            .where(AnalysisFailure.run_id.in_(run_ids))
            .order_by(AnalysisFailure.run_id, AnalysisFailure.failed_at.desc(),
                      AnalysisFailure.symbol)
        )  # fmt: skip
        for failure in conn.execute(query):
            failures.setdefault(failure.run_id, []).append(failure)
    for row in rows:
        failed = failures.get(row["run_id"])
        if failed:
            latest = failed[0]
            row["analysis_status"] = "failed"
            row["analysis_error"] = latest.error
            row["analysis_failed_at"] = latest.failed_at
            row["analysis_failed_symbols"] = sorted({f.symbol for f in failed if f.symbol})
        else:
            row["analysis_status"] = "built" if row["analysis_updated_at"] else "not_built"
            row["analysis_error"] = row["analysis_failed_at"] = None
            row["analysis_failed_symbols"] = []


def statistics_of(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """The statistics part of a run_statistics document ({"statistics": ..., "equity": ...})."""
    if not document:
        return None
    stats = document.get("statistics", document)
    return stats if isinstance(stats, dict) else None


# Per run, its traded symbols by a loose scan of the executions' (run_id, symbol, ...)
# index (one probe per symbol, not a read of every execution), those without instrument.
_SYMBOLS_WITHOUT_POINT_VALUE = text(
    """
    WITH RECURSIVE traded(run_id, symbol) AS (
        SELECT r.run_id, (SELECT MIN(e.symbol) FROM executions e WHERE e.run_id = r.run_id)
          FROM runs r WHERE r.run_id IN :run_ids
        UNION ALL
        SELECT t.run_id, (SELECT MIN(e.symbol) FROM executions e
                           WHERE e.run_id = t.run_id AND e.symbol > t.symbol)
          FROM traded t WHERE t.symbol IS NOT NULL
    )
    SELECT run_id, symbol FROM traded
     WHERE symbol IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM instruments i WHERE i.symbol = traded.symbol)
     ORDER BY run_id, symbol
    """
).bindparams(bindparam("run_ids", expanding=True))


def symbols_without_point_value(conn: Connection, run_ids: list[str]) -> dict[str, list[str]]:
    """Per run, the traded symbols with no instrument: their PnL used point value 1."""
    missing: dict[str, list[str]] = {run_id: [] for run_id in run_ids}
    if run_ids:
        rows = conn.execute(_SYMBOLS_WITHOUT_POINT_VALUE, {"run_ids": run_ids}).tuples()
        for run_id, symbol in rows:
            missing[run_id].append(symbol)
    return missing


def quality_verdicts(conn: Connection, run_ids: list[str]) -> dict[str, str]:
    """Each run's data-quality verdict as its last rebuild stored it (runs not assessed
    yet are left out)."""
    if not run_ids:
        return {}
    query = select(RunQuality.run_id, RunQuality.verdict).where(RunQuality.run_id.in_(run_ids))
    return {run_id: verdict for run_id, verdict in conn.execute(query)}


def _with_extras(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    run_ids = [row["run_id"] for row in rows]
    counts = _counts(conn, run_ids)
    summaries = _summaries(conn, run_ids)
    tags = user_annotations.run_tags(conn, run_ids)
    facets = user_annotations.run_trade_facets(conn, run_ids)
    missing = symbols_without_point_value(conn, run_ids)
    verdicts = quality_verdicts(conn, run_ids)
    for row in rows:
        row["counts"] = counts[row["run_id"]]
        row["summary"] = summaries.get(row["run_id"])
        row["tags"] = tags.get(row["run_id"], [])
        row.update(facets[row["run_id"]])
        row["point_value_missing"] = missing[row["run_id"]]
        row["quality_verdict"] = verdicts.get(row["run_id"])
    _analysis(conn, rows)
    return rows


def list_runs(
    conn: Connection,
    *,
    strategy_id: str | None,
    limit: int,
    offset: int,
    tag: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    query = select(*_run_cols)
    count = select(func.count()).select_from(Run)
    if strategy_id is not None:
        query = query.where(Run.strategy_id == strategy_id)
        count = count.where(Run.strategy_id == strategy_id)
    if tag is not None:
        query = query.where(Run.run_id.in_(user_annotations.runs_with_tag(tag)))
        count = count.where(Run.run_id.in_(user_annotations.runs_with_tag(tag)))
    # Newest data first; run_id keeps the order stable.
    query = (
        query.order_by(Run.last_data_time.desc().nulls_last(), Run.created_at.desc(), Run.run_id)
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    total = conn.execute(count).scalar_one()
    return _with_extras(conn, rows), total


def get_run(conn: Connection, run_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(*_run_cols).where(Run.run_id == run_id)).mappings().first()
    if row is None:
        return None
    return _with_extras(conn, [dict(row)])[0]


def run_exists(conn: Connection, run_id: str) -> bool:
    return conn.execute(select(Run.run_id).where(Run.run_id == run_id)).first() is not None


def run_statistics(conn: Connection, run_id: str) -> tuple[Any, dict[str, Any] | None] | None:
    """(updated_at, stored document) of the run, or None when it has none yet."""
    row = conn.execute(
        select(RunStatistics.updated_at, RunStatistics.statistics).where(
            RunStatistics.run_id == run_id
        )
    ).first()
    return (row.updated_at, row.statistics) if row else None


def equity_points(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not document:
        return []
    points = document.get("equity") or []
    return [point for point in points if isinstance(point, dict)]
