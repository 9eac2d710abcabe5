"""GET /api/strategies, /api/runs, /api/runs/{run_id} and its statistics and curves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query

from ...services import runs_query, trades_query
from ..deps import SessionDep
from ..errors import NotFoundError
from ..params import MAX_OFFSET, Ident, StoredRunId
from ..schemas.common import error_responses
from ..schemas.runs import EquityCurve, RunOut, RunPage, RunStatisticsOut, StrategyOut
from ..schemas.trades import PnlDistribution

strategies_router = APIRouter(prefix="/api/strategies", tags=["strategies"])
router = APIRouter(prefix="/api/runs", tags=["runs"])

RunIdPath = Annotated[StoredRunId, Path(description="The run's id (URL-encoded)")]


@strategies_router.get(
    "",
    operation_id="strategies-list",
    summary="List strategies",
    responses=error_responses(503),
)
def list_strategies(session: SessionDep) -> list[StrategyOut]:
    return [
        StrategyOut.model_validate(row) for row in runs_query.list_strategies(session.connection())
    ]


@router.get(
    "",
    operation_id="runs-list",
    summary="List runs",
    description="Runs, newest data first, with parameters, counts, date range and a "
    "statistics summary.",
    responses=error_responses(422, 503),
)
def list_runs(
    session: SessionDep,
    strategy_id: Ident | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> RunPage:
    rows, total = runs_query.list_runs(
        session.connection(), strategy_id=strategy_id, limit=limit, offset=offset
    )
    return RunPage.model_validate({"items": rows, "total": total, "limit": limit, "offset": offset})


@router.get(
    "/{run_id}",
    operation_id="runs-get",
    summary="One run",
    responses=error_responses(404, 422, 503),
)
def get_run(session: SessionDep, run_id: RunIdPath) -> RunOut:
    row = runs_query.get_run(session.connection(), run_id)
    if row is None:
        raise NotFoundError(f"no run with id {run_id!r}")
    return RunOut.model_validate(row)


def _require_run(session: SessionDep, run_id: str) -> None:
    if not runs_query.run_exists(session.connection(), run_id):
        raise NotFoundError(f"no run with id {run_id!r}")


@router.get(
    "/{run_id}/stats",
    operation_id="runs-stats",
    summary="Run statistics",
    description="Every statistic of analytics.md over the run's closed trades, with the "
    "reconciliation against the strategy's own figures. Null until trades are built.",
    responses=error_responses(404, 422, 503),
)
def get_stats(session: SessionDep, run_id: RunIdPath) -> RunStatisticsOut:
    _require_run(session, run_id)
    stored = runs_query.run_statistics(session.connection(), run_id)
    if stored is None:
        return RunStatisticsOut(run_id=run_id, updated_at=None, statistics=None)
    updated_at, document = stored
    return RunStatisticsOut.model_validate(
        {
            "run_id": run_id,
            "updated_at": updated_at,
            "statistics": runs_query.statistics_of(document),
        }
    )


@router.get(
    "/{run_id}/equity",
    operation_id="runs-equity",
    summary="Equity and drawdown curves",
    responses=error_responses(404, 422, 503),
)
def get_equity(session: SessionDep, run_id: RunIdPath) -> EquityCurve:
    _require_run(session, run_id)
    stored = runs_query.run_statistics(session.connection(), run_id)
    points = runs_query.equity_points(stored[1] if stored else None)
    return EquityCurve.model_validate({"run_id": run_id, "points": points})


@router.get(
    "/{run_id}/pnl-distribution",
    operation_id="runs-pnl-distribution",
    summary="Histogram of closed trades' net PnL",
    responses=error_responses(404, 422, 503),
)
def get_pnl_distribution(
    session: SessionDep,
    run_id: RunIdPath,
    bins: Annotated[int, Query(ge=1, le=200)] = 30,
) -> PnlDistribution:
    _require_run(session, run_id)
    buckets, count = trades_query.pnl_distribution(session.connection(), run_id, bins)
    return PnlDistribution.model_validate({"run_id": run_id, "buckets": buckets, "trades": count})


def setup(app: FastAPI) -> None:
    app.include_router(strategies_router)
    app.include_router(router)
