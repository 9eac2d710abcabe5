"""GET /api/runs/{run_id}/orders: a run's orders, their fills and trades (api.md "Analysis")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query

from ...services import orders_query, runs_query
from ..deps import SessionDep
from ..errors import NotFoundError, UnprocessableError
from ..params import MAX_OFFSET, Ident, StoredRunId
from ..schemas.common import error_responses
from ..schemas.orders import OrderPage

router = APIRouter(prefix="/api/runs", tags=["runs"])

RunIdPath = Annotated[StoredRunId, Path(description="The run's id (URL-encoded)")]


def _require_run(session: SessionDep, run_id: str) -> None:
    if not runs_query.run_exists(session.connection(), run_id):
        raise NotFoundError(f"no run with id {run_id!r}")


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
    _require_run(session, run_id)
    try:
        rows, total = orders_query.list_orders(
            session.connection(),
            run_id,
            status=status,
            order_type=order_type,
            limit=limit,
            offset=offset,
        )
    except orders_query.OrderFilterError as exc:
        raise UnprocessableError(str(exc)) from None
    return OrderPage.model_validate(
        {"run_id": run_id, "items": rows, "total": total, "limit": limit, "offset": offset}
    )


def setup(app: FastAPI) -> None:
    app.include_router(router)
