"""A run's orders with their fills and trades (analytics.md "Orders and execution quality").

An order's ``filled_quantity`` is the sum of the quantity of the executions whose
``order_id`` is that order; its ``signal`` is its ``client_tag``, else its ``order_id``
(the name a trade's entry or exit signal takes). A page reads its orders, then their fills
and the trades those fills belong to in one query each, for the page's orders only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text

from ..contract.enums import canonical_order_type, canonical_status
from ..db.models import Execution, Order, Trade
from ..errors import UnprocessableError
from .price_precision import price_decimals

# A fill list longer than this is cut (an order rarely has more than a handful).
MAX_FILLS_LISTED = 1_000
TERMINAL_STATUSES = ("FILLED", "CANCELED", "REJECTED", "EXPIRED")

ORDER_COLUMNS = (
    "order_id",
    "parent_order_id",
    "strategy_id",
    "account_id",
    "symbol",
    "side",
    "order_type",
    "time_in_force",
    "submit_time",
    "price",
    "stop_price",
    "quantity",
    "status",
    "reject_reason",
    "cancel_reason",
    "client_tag",
)


class OrderFilterError(UnprocessableError, ValueError):
    """A filter value that names no status or order type of the contract."""


def canonical_filter(kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return canonical_status(value) if kind == "status" else canonical_order_type(value)
    except ValueError:
        raise OrderFilterError(f"{kind} {value!r} is not one the contract names") from None


def list_orders(
    conn: Connection,
    run_id: str,
    *,
    status: str | None = None,
    order_type: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The run's orders in submit order (then order_id), with fills and trades, and the
    number matching the filters."""
    o = Order.__table__.c
    where = [o.run_id == run_id]
    if status is not None:
        where.append(o.status == canonical_filter("status", status))
    if order_type is not None:
        where.append(o.order_type == canonical_filter("order_type", order_type))
    total = conn.execute(select(func.count()).select_from(Order).where(*where)).scalar_one()
    query = (
        select(*(o[name] for name in ORDER_COLUMNS))
        .where(*where)
        .order_by(o.submit_time, o.order_id)
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    return with_fills(conn, run_id, rows), total


def with_fills(conn: Connection, run_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each order row with ``signal``, ``filled_quantity``, ``average_fill_price``,
    ``first_fill_time``, ``execution_ids``, ``trade_ids`` and ``price_decimals``."""
    if not rows:
        return rows
    fills = _fills_of(conn, run_id, [row["order_id"] for row in rows])
    trades = _trades_of(conn, run_id, [f for listed in fills.values() for f in listed])
    decimals = price_decimals(conn, {row["symbol"] for row in rows})
    for row in rows:
        own = fills.get(row["order_id"], [])
        filled = sum(f["quantity"] for f in own)
        row["signal"] = row["client_tag"] or row["order_id"]
        row["filled_quantity"] = float(filled)
        row["fill_count"] = len(own)
        row["average_fill_price"] = (
            sum(f["price"] * f["quantity"] for f in own) / filled if filled else None
        )
        row["first_fill_time"] = min((f["exec_time"] for f in own), default=None)
        row["execution_ids"] = [f["execution_id"] for f in own[:MAX_FILLS_LISTED]]
        trade_ids: list[str] = []
        for fill in own:
            for trade_id in trades.get(fill["execution_id"], ()):
                if trade_id not in trade_ids:
                    trade_ids.append(trade_id)
        row["trade_ids"] = trade_ids
        row["price_decimals"] = decimals.get(row["symbol"])
    return rows


def _fills_of(conn: Connection, run_id: str, order_ids: list[str]) -> dict[str, list[dict]]:
    ex = Execution.__table__.c
    query = (
        select(ex.order_id, ex.execution_id, ex.symbol, ex.account_id, ex.exec_time,
               ex.sequence, ex.price, ex.quantity)
        .where(ex.run_id == run_id, ex.order_id.in_(order_ids))
        .order_by(ex.exec_time, ex.sequence)
    )  # fmt: skip
    found: dict[str, list[dict]] = defaultdict(list)
    for row in conn.execute(query).mappings():
        found[row["order_id"]].append(dict(row))
    return found


def _trades_of(conn: Connection, run_id: str, fills: list[dict]) -> dict[str, list[str]]:
    """Per execution, the trades it belongs to: those whose lot matches name it, whose
    first fill it is, or, for the rest, the open trade of its symbol it follows (an open
    trade's unmatched entries are in no lot match)."""
    ids = sorted({f["execution_id"] for f in fills})
    if not ids:
        return {}
    found: dict[str, list[str]] = defaultdict(list)

    # The rows' values are text columns (typed object by SQLAlchemy's text() rows).
    def add(execution_id: Any, trade_id: Any) -> None:
        if trade_id not in found[execution_id]:
            found[execution_id].append(trade_id)

    lots = text(
        "SELECT trade_id, entry_execution_id, exit_execution_id FROM trade_lots"
        " WHERE run_id = :run_id AND (entry_execution_id IN :ids OR exit_execution_id IN :ids)"
        " ORDER BY trade_id, lot_index"
    ).bindparams(bindparam("ids", expanding=True))
    wanted = set(ids)
    for trade_id, entry_id, exit_id in conn.execute(lots, {"run_id": run_id, "ids": ids}):
        for execution_id in (entry_id, exit_id):
            if execution_id in wanted:
                add(execution_id, trade_id)
    t = Trade.__table__.c
    firsts = select(t.trade_id, t.first_execution_id).where(
        t.run_id == run_id, t.first_execution_id.in_(ids)
    )
    for trade_id, execution_id in conn.execute(firsts):
        add(execution_id, trade_id)
    rest = [f for f in fills if f["execution_id"] not in found]
    if rest:
        open_trades = conn.execute(
            select(t.trade_id, t.symbol, t.entry_time).where(
                t.run_id == run_id, t.status == "OPEN", t.symbol.in_({f["symbol"] for f in rest})
            )
        ).all()
        for fill in rest:
            for trade_id, symbol, entry_time in open_trades:
                if symbol == fill["symbol"] and entry_time <= fill["exec_time"]:
                    add(fill["execution_id"], trade_id)
    return found


def unfilled_orders_of_trade(conn: Connection, trade: dict[str, Any]) -> list[dict[str, Any]]:
    """The orders of the trade's account and symbol submitted while it was open (from its
    entry to its exit, both included; to the end of the data for an open trade) that have
    no fill: cancelled, rejected or expired limit and stop levels, for the chart."""
    o = Order.__table__.c
    ex = Execution.__table__.c
    account = trade["account_id"]
    where = [
        o.run_id == trade["run_id"],
        o.symbol == trade["symbol"],
        o.submit_time >= trade["entry_time"],
        o.account_id.is_(None) if account is None else o.account_id == account,
        ~select(ex.execution_id).where(ex.run_id == o.run_id, ex.order_id == o.order_id).exists(),
    ]
    if trade["exit_time"] is not None:
        where.append(o.submit_time <= trade["exit_time"])
    query = (
        select(*(o[name] for name in ORDER_COLUMNS))
        .where(*where)
        .order_by(o.submit_time, o.order_id)
        .limit(MAX_FILLS_LISTED)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    for row in rows:
        row["signal"] = row["client_tag"] or row["order_id"]
    return rows


def with_fill_signals(
    conn: Connection, run_id: str, fills: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each fill with its order's ``signal`` and ``order_type`` (null when the order is
    unknown), for the chart's markers."""
    o = Order.__table__.c
    names = sorted({f["order_id"] for f in fills})
    known = {}
    if names:
        query = select(o.order_id, o.client_tag, o.order_type).where(
            o.run_id == run_id, o.order_id.in_(names)
        )
        known = {row[0]: (row[1] or row[0], row[2]) for row in conn.execute(query)}
    for fill in fills:
        fill["signal"], fill["order_type"] = known.get(fill["order_id"], (None, None))
    return fills
