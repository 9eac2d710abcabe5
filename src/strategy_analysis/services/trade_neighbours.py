"""The trades before and after one trade in a filtered, sorted list of its run's trades.

The list's order is the one ``GET /api/trades`` pages through: the sort field (nulls last
either way), then trade_id in the same direction. Each neighbour is one indexed or
filtered query with ``LIMIT 1``: the list is never read whole.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, tuple_
from sqlalchemy.engine import Connection

from ..db.models import Trade
from .trades_query import TradeFilters, sort_field


def after_in_order(
    column: Any, value: Any, key: Any, trade_id: str, descending: bool
) -> ColumnElement:
    """Rows after (value, trade_id) in the list's order."""
    if value is None:  # nulls come last: only later nulls by id
        return and_(column.is_(None), key < trade_id if descending else key > trade_id)
    if not column.nullable:  # a row-value comparison the (run_id, field) indexes serve
        here = (value, trade_id)
        return tuple_(column, key) < here if descending else tuple_(column, key) > here
    beyond = column < value if descending else column > value
    tie = key < trade_id if descending else key > trade_id
    return or_(column.is_(None), beyond, and_(column == value, tie))


def before_in_order(
    column: Any, value: Any, key: Any, trade_id: str, descending: bool
) -> ColumnElement:
    """Rows before (value, trade_id) in the list's order."""
    if value is None:  # every non-null comes first, then earlier nulls by id
        return or_(column.is_not(None), key > trade_id if descending else key < trade_id)
    if not column.nullable:
        here = (value, trade_id)
        return tuple_(column, key) > here if descending else tuple_(column, key) < here
    before = column > value if descending else column < value
    tie = key > trade_id if descending else key < trade_id
    return and_(column.is_not(None), or_(before, and_(column == value, tie)))


def list_neighbours(
    conn: Connection, trade: dict[str, Any], filters: TradeFilters, sort: str | None
) -> tuple[str | None, str | None]:
    """(previous, next) trade ids around ``trade`` in its run's list that ``filters`` and
    ``sort`` describe; raises SortError for an unknown sort field."""
    name, descending = sort_field(sort)
    column = Trade.__table__.c[name]
    key = Trade.trade_id
    value, trade_id = trade[name], trade["trade_id"]
    within = dataclasses.replace(filters, run_id=trade["run_id"])
    forward = [
        (column.desc() if descending else column.asc()).nulls_last(),
        key.desc() if descending else key.asc(),
    ]
    backward = [
        (column.asc() if descending else column.desc()).nulls_first(),
        key.asc() if descending else key.desc(),
    ]

    def first(condition: ColumnElement, order: list[Any]) -> str | None:
        query = within.apply(select(key)).where(condition).order_by(*order).limit(1)
        return conn.execute(query).scalar()

    return (
        first(before_in_order(column, value, key, trade_id, descending), backward),
        first(after_in_order(column, value, key, trade_id, descending), forward),
    )
