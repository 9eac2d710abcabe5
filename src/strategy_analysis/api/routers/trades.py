"""GET /api/trades (filtered page), /api/trades/{trade_id} (detail)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from pydantic import TypeAdapter
from sqlalchemy import Engine

from ...services import annotations as user_annotations
from ...services import orders_query, trade_neighbours, trade_pages, trades_query
from ...services.trades_query import TradeFilters
from ..csv_answers import FormatQuery, csv_response, wants_csv
from ..deps import EngineDep, SessionDep, WriteAccess
from ..errors import NotFoundError
from ..params import MAX_OFFSET, Ident
from ..schemas.annotations import TradeAnnotation, TradePatch
from ..schemas.common import error_responses
from ..schemas.trades import TradeDetail, TradeNeighbours, TradeOut, TradePage
from ..trade_filters import SortQuery, TradeFiltersDep

router = APIRouter(prefix="/api/trades", tags=["trades"])


@router.get(
    "",
    operation_id="trades-list",
    summary="List trades",
    description="Round-trip trades (analytics.md), filtered, sorted and paginated. "
    "`sort` is a field name, with a leading `-` for descending (default `entry_time`). "
    "`from`/`to` select by entry time: `from` <= entry_time < `to`. "
    "Page with `offset`, or with `cursor` (the `next_cursor` of the page before): a "
    "run's page costs the same at any depth. With `Accept: text/csv` or `format=csv`: "
    "every trade the filters select (no page), as CSV under a header of the items' field "
    "names.",
    response_model=TradePage,
    responses=error_responses(422, 503),
)
def list_trades(
    request: Request,
    engine: EngineDep,
    session: SessionDep,
    filters: TradeFiltersDep,
    sort: SortQuery = None,
    limit: Annotated[int, Query(ge=1, le=trades_query.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    cursor: Annotated[
        str | None,
        Query(
            max_length=2000,
            description="The `next_cursor` of the page before, with the same filters and "
            "sort: the page after it (`offset` is then ignored)",
        ),
    ] = None,
    format: FormatQuery = None,  # noqa: A002 - the query parameter's name
) -> TradePage | Response:
    if wants_csv(request, format):
        trades_query.parse_sort(sort)  # a bad sort is refused before the answer starts
        return csv_response(TRADE_CSV_FIELDS, _csv_chunks(engine, filters, sort), "trades.csv")
    trade_pages.prepare_list(engine, filters, sort)
    page = trade_pages.trade_page(
        session.connection(), filters, sort=sort, limit=limit, offset=offset, cursor=cursor
    )
    rows = user_annotations.with_trade_annotations(session.connection(), page.rows)
    return TradePage.model_validate(
        {
            "items": rows,
            "total": page.total,
            "limit": limit,
            "offset": page.offset,
            "next_cursor": page.next_cursor,
        }
    )


TRADE_CSV_FIELDS = list(TradeOut.model_fields)
_TRADES_JSON = TypeAdapter(list[TradeOut])


def _csv_chunks(
    engine: Engine, filters: TradeFilters, sort: str | None
) -> Iterator[list[dict[str, Any]]]:
    """The trades as the JSON list gives them, a chunk at a time, read on a connection of
    their own (the answer is written after the request's session ends)."""
    with engine.connect() as conn:
        for rows in trades_query.iter_trades(conn, filters, sort=sort):
            rows = user_annotations.with_trade_annotations(conn, rows)
            yield _TRADES_JSON.dump_python(_TRADES_JSON.validate_python(rows), mode="json")


@router.get(
    "/{trade_id}",
    operation_id="trades-get",
    summary="One trade with its fills, lot matches and bars",
    description="The bars are of the symbol's finest timeframe, from a margin before the "
    f"entry to a margin after the exit, at most {trades_query.MAX_BARS}. Each fill says the "
    "part of it that belongs to the trade (a fill that crosses zero is split) and its "
    "order's signal name; `orders` are the trade's orders that never filled.",
    responses=error_responses(404, 422, 503),
)
def get_trade(session: SessionDep, trade_id: Annotated[Ident, Path()]) -> TradeDetail:
    conn = session.connection()
    trade = trades_query.get_trade_row(conn, trade_id)
    if trade is None:
        raise NotFoundError(f"no trade with id {trade_id!r}")
    timeframe, bar_seconds = trades_query.finest_timeframe(conn, trade["symbol"])
    bars, truncated = (
        trades_query.trade_bars(conn, trade, timeframe, bar_seconds) if timeframe else ([], False)
    )
    prev_id, next_id = trades_query.neighbour_trade_ids(conn, trade)
    lots = trades_query.trade_lots(conn, trade_id)
    fields = {
        name: trade[name]
        for name in (*trades_query.TRADE_COLUMNS, "price_decimals", "point_value_missing")
    }
    return TradeDetail.model_validate(
        {
            "trade": user_annotations.with_trade_annotations(conn, [fields])[0],
            "executions": orders_query.with_fill_signals(
                conn, trade["run_id"], trades_query.trade_executions(conn, trade, lots)
            ),
            "lots": lots,
            "orders": orders_query.unfilled_orders_of_trade(conn, trade),
            "bars": bars,
            "timeframe": timeframe,
            "bars_truncated": truncated,
            "point_value": trade["point_value"],
            "tick_size": trade["tick_size"],
            "prev_trade_id": prev_id,
            "next_trade_id": next_id,
        }
    )


@router.get(
    "/{trade_id}/neighbours",
    operation_id="trades-neighbours",
    summary="The trades before and after this one in a filtered, sorted list",
    description="The list is the trade's run's trades as `GET /api/trades` gives them with "
    "the same filters and `sort` (its `run_id` is the trade's own). Previous and next are "
    "null at the list's ends.",
    responses=error_responses(404, 422, 503),
)
def get_trade_neighbours(
    session: SessionDep,
    trade_id: Annotated[Ident, Path()],
    filters: TradeFiltersDep,
    sort: SortQuery = None,
) -> TradeNeighbours:
    conn = session.connection()
    trade = trades_query.get_trade_row(conn, trade_id)
    if trade is None:
        raise NotFoundError(f"no trade with id {trade_id!r}")
    prev_id, next_id = trade_neighbours.list_neighbours(conn, trade, filters, sort)
    return TradeNeighbours(trade_id=trade_id, prev_trade_id=prev_id, next_trade_id=next_id)


@router.patch(
    "/{trade_id}",
    operation_id="trades-patch",
    summary="Set a trade's notes and tags",
    description="Kept across rebuilds and re-imports (the trade_id is stable). Fields left "
    "out stay as they are.",
    dependencies=[WriteAccess],
    responses=error_responses(401, 404, 422, 503),
)
def patch_trade(
    engine: EngineDep, trade_id: Annotated[Ident, Path()], body: TradePatch
) -> TradeAnnotation:
    # Committed before the answer: a 200 means it is stored.
    with engine.begin() as conn:
        stored = user_annotations.update_trade(
            conn, trade_id, body.model_dump(include=body.model_fields_set)
        )
    if stored is None:
        raise NotFoundError(f"no trade with id {trade_id!r}")
    return TradeAnnotation.model_validate(stored)


def setup(app: FastAPI) -> None:
    app.include_router(router)
