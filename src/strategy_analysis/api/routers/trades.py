"""GET /api/trades (filtered page), /api/trades/{trade_id} (detail)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Path, Query

from ...services import trades_query
from ..deps import SessionDep
from ..errors import NotFoundError, UnprocessableError
from ..params import MAX_OFFSET, Ident
from ..schemas.common import error_responses
from ..schemas.trades import TradeDetail, TradePage

router = APIRouter(prefix="/api/trades", tags=["trades"])


@router.get(
    "",
    operation_id="trades-list",
    summary="List trades",
    description="Round-trip trades (analytics.md), filtered, sorted and paginated. "
    "`sort` is a field name, with a leading `-` for descending (default `entry_time`). "
    "`from`/`to` select by entry time: `from` <= entry_time < `to`.",
    responses=error_responses(422, 503),
)
def list_trades(
    session: SessionDep,
    run_id: Ident | None = None,
    strategy_id: Ident | None = None,
    symbol: Ident | None = None,
    account_id: Ident | None = None,
    side: Literal["LONG", "SHORT"] | None = None,
    status: Literal["OPEN", "CLOSED"] | None = None,
    time_from: Annotated[
        datetime | None, Query(alias="from", description="Entry time >= this")
    ] = None,
    time_to: Annotated[datetime | None, Query(alias="to", description="Entry time < this")] = None,
    outcome: Annotated[
        Literal["winners", "losers"] | None, Query(description="pnl_net > 0 or < 0")
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=40,
            description="e.g. `entry_time`, `-pnl_net`",
            examples=["-pnl_net"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=trades_query.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> TradePage:
    filters = trades_query.TradeFilters(
        run_id=run_id,
        strategy_id=strategy_id,
        symbol=symbol,
        account_id=account_id,
        side=side,
        status=status,
        time_from=time_from,
        time_to=time_to,
        outcome=outcome,
    )
    try:
        rows, total = trades_query.list_trades(
            session.connection(), filters, sort=sort, limit=limit, offset=offset
        )
    except trades_query.SortError as exc:
        raise UnprocessableError(str(exc)) from None
    return TradePage.model_validate(
        {"items": rows, "total": total, "limit": limit, "offset": offset}
    )


@router.get(
    "/{trade_id}",
    operation_id="trades-get",
    summary="One trade with its fills, lot matches and bars",
    description="The bars are of the symbol's finest timeframe, from a margin before the "
    f"entry to a margin after the exit, at most {trades_query.MAX_BARS}. Each fill says the "
    "part of it that belongs to the trade (a fill that crosses zero is split).",
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
    return TradeDetail.model_validate(
        {
            "trade": {
                name: trade[name]
                for name in (*trades_query.TRADE_COLUMNS, "price_decimals", "point_value_missing")
            },
            "executions": trades_query.trade_executions(conn, trade, lots),
            "lots": lots,
            "bars": bars,
            "timeframe": timeframe,
            "bars_truncated": truncated,
            "point_value": trade["point_value"],
            "tick_size": trade["tick_size"],
            "prev_trade_id": prev_id,
            "next_trade_id": next_id,
        }
    )


def setup(app: FastAPI) -> None:
    app.include_router(router)
