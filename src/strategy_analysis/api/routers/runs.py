"""GET /api/strategies, /api/runs, /api/runs/{run_id} and its statistics and curves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request

from ...services import analysis, run_deletion, runs_query, trades_query
from ...services import annotations as user_annotations
from ...services.analysis import AnalysisCache
from ...services.excursion_points import excursion_points
from ..analysis_params import AnalysisCacheDep, SubsetDep
from ..deps import EngineDep, EventBusDep, SessionDep, WriteAccess, require_run
from ..errors import NotFoundError
from ..params import MAX_OFFSET, Ident, RunIdPath
from ..schemas.annotations import RunDeleted, RunPatch
from ..schemas.charts import ExcursionScatter
from ..schemas.common import error_responses
from ..schemas.runs import EquityCurve, RunOut, RunPage, RunStatisticsOut, StrategyOut
from ..schemas.trades import PnlDistribution

strategies_router = APIRouter(prefix="/api/strategies", tags=["strategies"])
router = APIRouter(prefix="/api/runs", tags=["runs"])


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
    tag: Annotated[Ident | None, Query(description="Runs carrying this tag (PATCH)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> RunPage:
    rows, total = runs_query.list_runs(
        session.connection(), strategy_id=strategy_id, tag=tag, limit=limit, offset=offset
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


@router.patch(
    "/{run_id}",
    operation_id="runs-patch",
    summary="Name, notes and tags of a run",
    description="The user's own: no import or stream batch overwrites them. Fields left "
    "out stay as they are; blank text or null clears one.",
    dependencies=[WriteAccess],
    responses=error_responses(401, 404, 422, 503),
)
def patch_run(
    engine: EngineDep, event_bus: EventBusDep, run_id: RunIdPath, body: RunPatch
) -> RunOut:
    # Committed before the answer: a 200 means it is stored.
    with engine.begin() as conn:
        changes = body.model_dump(include=body.model_fields_set)
        if not user_annotations.update_run(conn, run_id, changes):
            raise NotFoundError(f"no run with id {run_id!r}")
        row = runs_query.get_run(conn, run_id)
    if row is None:  # updated in this transaction, so found
        raise NotFoundError(f"no run with id {run_id!r}")
    event_bus.publish(user_annotations.RUN_UPDATED, run_id=run_id, strategy_id=row["strategy_id"])
    return RunOut.model_validate(row)


@router.delete(
    "/{run_id}",
    operation_id="runs-delete",
    summary="Delete a run",
    description="Deletes the run with its orders, executions, trades, lot matches, "
    "statistics, notes and tags in one transaction, then announces `run_deleted` on "
    "`/api/events`. Bars (shared by the symbol's runs), the strategy, instruments and the "
    "import history stay. On PostgreSQL a run imported into partitions of its own loses "
    "them whole, whatever their size.",
    dependencies=[WriteAccess],
    responses=error_responses(401, 404, 422, 503),
)
def delete_run(
    request: Request, engine: EngineDep, event_bus: EventBusDep, run_id: RunIdPath
) -> RunDeleted:
    result = run_deletion.delete_run(
        engine,
        run_id,
        event_bus=event_bus,
        stream_locks=request.app.state.stream_locks,
    )
    return RunDeleted(run_id=run_id, strategy_id=result.strategy_id, deleted=result.deleted)


@router.get(
    "/{run_id}/stats",
    operation_id="runs-stats",
    summary="Run statistics",
    description="Every statistic of analytics.md (both tables: the run statistics and the "
    "risk and time set) over the run's closed trades, or over the subset `side`, `symbol` "
    "and `account` name. The whole run's carry the reconciliation against the strategy's "
    "own figures. Null until trades are built.",
    responses=error_responses(404, 422, 503),
)
def get_stats(
    session: SessionDep, cache: AnalysisCacheDep, run_id: RunIdPath, subset: SubsetDep
) -> RunStatisticsOut:
    require_run(session, run_id)
    updated_at, statistics = analysis.run_statistics(
        session.connection(), cache, run_id, **subset.values
    )
    return RunStatisticsOut.model_validate(
        {
            "run_id": run_id,
            "updated_at": updated_at,
            "subset": subset.values,
            "statistics": statistics,
        }
    )


@router.get(
    "/{run_id}/equity",
    operation_id="runs-equity",
    summary="Equity and drawdown curves",
    responses=error_responses(404, 422, 503),
)
def get_equity(session: SessionDep, run_id: RunIdPath) -> EquityCurve:
    require_run(session, run_id)
    stored = runs_query.run_statistics(session.connection(), run_id)
    points = runs_query.equity_points(stored[1] if stored else None)
    return EquityCurve.model_validate({"run_id": run_id, "points": points})


@router.get(
    "/{run_id}/pnl-distribution",
    operation_id="runs-pnl-distribution",
    summary="Histogram of closed trades' net PnL",
    description="About `bins` buckets of one round width (1, 2, 2.5 or 5 times a power of "
    "ten), their edges multiples of it.",
    responses=error_responses(404, 422, 503),
)
def get_pnl_distribution(
    session: SessionDep,
    run_id: RunIdPath,
    bins: Annotated[int, Query(ge=1, le=200)] = 30,
) -> PnlDistribution:
    require_run(session, run_id)
    buckets, count = trades_query.pnl_distribution(session.connection(), run_id, bins)
    return PnlDistribution.model_validate({"run_id": run_id, "buckets": buckets, "trades": count})


@router.get(
    "/{run_id}/excursions",
    operation_id="runs-excursions",
    summary="Net PnL against MAE and MFE of every closed trade",
    description="For the scatter charts: all closed trades, or at most `points` of them "
    "per chart chosen to draw alike (the extremes always among them).",
    responses=error_responses(404, 422, 503),
)
def get_excursions(
    session: SessionDep,
    run_id: RunIdPath,
    points: Annotated[int, Query(ge=100, le=20_000)] = 2_000,
) -> ExcursionScatter:
    require_run(session, run_id)
    found = excursion_points(session.connection(), run_id, points)
    return ExcursionScatter.model_validate({"run_id": run_id, **found})


def setup(app: FastAPI) -> None:
    app.state.analysis_cache = AnalysisCache()
    app.include_router(strategies_router)
    app.include_router(router)
