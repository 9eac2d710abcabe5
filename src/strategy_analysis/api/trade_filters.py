"""The trade list's filters as query parameters, shared by the list and by a trade's
neighbours in that list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query

from ..services.trades_query import TradeFilters
from .params import Ident, StoredRunId


def trade_filters(
    run_id: StoredRunId | None = None,
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
    tag: Annotated[Ident | None, Query(description="Trades carrying this tag (PATCH)")] = None,
) -> TradeFilters:
    return TradeFilters(
        run_id=run_id,
        strategy_id=strategy_id,
        symbol=symbol,
        account_id=account_id,
        side=side,
        status=status,
        time_from=time_from,
        time_to=time_to,
        outcome=outcome,
        tag=tag,
    )


TradeFiltersDep = Annotated[TradeFilters, Depends(trade_filters)]
SortQuery = Annotated[
    str | None,
    Query(max_length=40, description="e.g. `entry_time`, `-pnl_net`", examples=["-pnl_net"]),
]
