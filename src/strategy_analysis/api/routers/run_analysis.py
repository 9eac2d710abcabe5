"""A run's orders, execution quality and data-quality findings (api.md "Analysis")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query

from ...services import orders_query, quality_query
from ..deps import SessionDep, require_run
from ..params import MAX_OFFSET, Ident, RunIdPath
from ..schemas.common import error_responses
from ..schemas.orders import OrderPage
from ..schemas.quality import ExecutionQuality, RunQualityOut

router = APIRouter(prefix="/api/runs", tags=["runs"])


@router.get(
    "/{run_id}/orders",
    operation_id="runs-orders",
    summary="The run's orders with their fills and trades",
    description="Every order of the run in submit order, each with `filled_quantity` (the "
    "sum of its executions' quantity), its signal name, its executions and the trades they "
    "belong to. `status` and `order_type` take the contract's names (NinjaTrader's too).",
    responses=error_responses(404, 422, 503),
)
def list_orders(
    session: SessionDep,
    run_id: RunIdPath,
    status: Annotated[Ident | None, Query(description="e.g. CANCELED")] = None,
    order_type: Annotated[Ident | None, Query(description="e.g. LIMIT")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> OrderPage:
    require_run(session, run_id)
    # OrderFilterError answers 422 (its class says)
    rows, total = orders_query.list_orders(
        session.connection(),
        run_id,
        status=status,
        order_type=order_type,
        limit=limit,
        offset=offset,
    )
    return OrderPage.model_validate(
        {"run_id": run_id, "items": rows, "total": total, "limit": limit, "offset": offset}
    )


@router.get(
    "/{run_id}/execution-quality",
    operation_id="runs-execution-quality",
    summary="Fill ratios, slippage, time to fill and liquidity of the run's orders",
    description='analytics.md "Orders and execution quality", over the whole run or one '
    "`symbol`'s orders and executions. Computed by each rebuild of the run's trades.",
    responses=error_responses(404, 422, 503),
)
def get_execution_quality(
    session: SessionDep,
    run_id: RunIdPath,
    symbol: Annotated[Ident | None, Query(description="Only this symbol's")] = None,
) -> ExecutionQuality:
    require_run(session, run_id)
    found = quality_query.execution_quality_of(session.connection(), run_id, symbol)
    return ExecutionQuality.model_validate(found)


@router.get(
    "/{run_id}/quality",
    operation_id="runs-quality",
    summary="Data-quality findings and verdict of the run",
    description='Every check of analytics.md "Data quality" that found something, with '
    "the number of records and up to 20 of their keys; the verdict is `errors` when a "
    "finding is an error, else `warnings` when one is a warning, else `clean`. Checked "
    "by each rebuild of the run's trades (after each import and stream batch).",
    responses=error_responses(404, 422, 503),
)
def get_quality(session: SessionDep, run_id: RunIdPath) -> RunQualityOut:
    require_run(session, run_id)
    found = quality_query.assessment(session.connection(), run_id)
    return RunQualityOut.model_validate({"run_id": run_id, **found})


def setup(app: FastAPI) -> None:
    app.include_router(router)
