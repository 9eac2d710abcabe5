"""Pages of the trade list that cost the same at the end as at the start.

``OFFSET n`` reads and drops n rows, and an exact count reads every matching row: both
grow with the run. Two ways around that, chosen per request:

- A *trade list* (``trade_lists``, ``trade_list_positions``): the run's trades numbered
  in one sort, with equality filters only, as of the run's rebuild token. Built by one
  ``INSERT ... SELECT ROW_NUMBER()`` on the first read after a rebuild; a page at any
  offset (a "jump to page") is then a range of the positions' primary key, and the
  list's stored total is the count.
- A *cursor* (keyset): the last row's sort value and trade_id, where the page ended and
  the total with the rebuild token it was counted at. The next page continues after
  that row (any filters), and the total is counted again only when the run was rebuilt.

Small runs keep plain OFFSET pages (fast there): a list is worth its write from
``LIST_MIN_TRADES`` trades on.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, String, delete, func, insert, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..db.errors import is_transient
from ..db.models import RunStatistics, Trade, TradeList, TradeListPosition
from ..errors import UnprocessableError
from .trade_neighbours import after_in_order
from .trades_query import (
    TRADE_COLUMNS,
    TradeFilters,
    list_trades,
    parse_sort,
    sort_field,
    with_instrument_state,
)

log = logging.getLogger(__name__)

LIST_MIN_TRADES = 5_000
# Filters a list can hold (equality on a trade's own column); the others need a cursor.
_LIST_FILTERS = ("strategy_id", "symbol", "account_id", "side", "status")
_CURSOR_ONLY_FILTERS = ("time_from", "time_to", "outcome", "tag")
_TIME_FIELDS = frozenset({"entry_time", "exit_time"})

_trade_cols = [Trade.__table__.c[name] for name in TRADE_COLUMNS]
# A cursor's offset within a list's positions (an INTEGER column).
_MAX_POSITION = 2**31 - 1


def _value_types(field: str) -> tuple[type, ...]:
    """The types a cursor's sort value of ``field`` may have (JSON's true is no number)."""
    if field in _TIME_FIELDS:
        return (datetime,)
    if isinstance(Trade.__table__.c[field].type, String):
        return (str,)
    return (int, float)


class CursorError(UnprocessableError, ValueError):
    """A cursor this list did not give out (or of other filters or another sort)."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the next page starts at ``offset``, after the row with
    ``value`` (its sort field) and ``trade_id``; ``total`` was counted at ``token``."""

    offset: int
    value: Any
    trade_id: str
    total: int
    token: str | None

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        text = json.dumps([self.offset, value, self.trade_id, self.total, self.token])
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, field: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            offset, value, trade_id, total, token = json.loads(raw)
            if field in _TIME_FIELDS and value is not None:
                value = datetime.fromisoformat(value)
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
            raise CursorError(
                "cursor is not one this server gave: use next_cursor as it is"
            ) from exc
        valid = (
            type(offset) is int
            and 0 <= offset <= _MAX_POSITION
            and isinstance(trade_id, str)
            and type(total) is int
            and (token is None or isinstance(token, str))
            and not isinstance(value, bool)
            and (value is None or isinstance(value, _value_types(field)))
        )
        if not valid:
            raise CursorError("cursor is not one this server gave: use next_cursor as it is")
        return cls(offset, value, trade_id, total, token)


@dataclass
class TradePageResult:
    rows: list[dict[str, Any]]
    total: int
    offset: int
    next_cursor: str | None


def list_key(filters: TradeFilters, sort: str | None) -> str | None:
    """The name of the list ``filters`` and ``sort`` describe, or None when no stored
    list can serve them (no run, or a filter that is not an equality on a trade column).
    Raises SortError for an unknown sort field."""
    name, descending = sort_field(sort)
    if filters.run_id is None or any(getattr(filters, n) is not None for n in _CURSOR_ONLY_FILTERS):
        return None
    equal = {n: getattr(filters, n) for n in _LIST_FILTERS if getattr(filters, n) is not None}
    return json.dumps([("-" if descending else "") + name, equal], sort_keys=True)


def _stored_token(conn: Connection, run_id: str | None) -> str | None:
    if run_id is None:
        return None
    query = select(RunStatistics.rebuild_token).where(RunStatistics.run_id == run_id)
    return conn.execute(query).scalar()


def current_list(conn: Connection, run_id: str, key: str) -> tuple[int, int, str] | None:
    """(list_id, total, token) of the run's list ``key`` if it is of the run's last
    rebuild."""
    lists = TradeList.__table__.c
    query = (
        select(lists.list_id, lists.total, lists.rebuild_token)
        .join(
            RunStatistics,
            (RunStatistics.run_id == lists.run_id)
            & (RunStatistics.rebuild_token == lists.rebuild_token),
        )
        .where(lists.run_id == run_id, lists.list_key == key)
    )
    row = conn.execute(query).first()
    return None if row is None else (row.list_id, row.total, row.rebuild_token)


def ensure_list(
    conn: Connection,
    filters: TradeFilters,
    sort: str | None,
    *,
    min_trades: int = LIST_MIN_TRADES,
) -> int | None:
    """Build the list ``filters`` and ``sort`` describe unless it is current; its list_id,
    or None when no list serves them or it has fewer than ``min_trades`` trades.

    Call it in a transaction of its own (the caller commits): it writes on a read's
    behalf, and a failure to (a concurrent build, a locked database) only means this read
    pages without it. On PostgreSQL the transaction reads one snapshot, so the list and
    its token are of the same rebuild."""
    key = list_key(filters, sort)
    if key is None:
        return None
    assert filters.run_id is not None  # list_key needs a run
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    found = current_list(conn, filters.run_id, key)
    if found is not None:
        return found[0]
    token = _stored_token(conn, filters.run_id)
    if token is None:  # never rebuilt: no trades
        return None
    size: int = conn.execute(filters.apply(select(func.count()).select_from(Trade))).scalar_one()
    if size < min_trades:
        return None
    stale = select(TradeList.list_id).where(
        TradeList.run_id == filters.run_id, TradeList.list_key == key
    )
    conn.execute(delete(TradeListPosition).where(TradeListPosition.list_id.in_(stale)))
    conn.execute(
        delete(TradeList).where(TradeList.run_id == filters.run_id, TradeList.list_key == key)
    )
    list_id = conn.execute(
        insert(TradeList)
        .values(run_id=filters.run_id, list_key=key, rebuild_token=token, total=size)
        .returning(TradeList.list_id)
    ).scalar_one()
    numbered = filters.apply(
        select(
            literal(list_id),
            func.row_number().over(order_by=parse_sort(sort)) - 1,
            Trade.trade_id,
        )
    )
    # Counted in the same snapshot as the numbering reads: the list's total.
    conn.execute(
        insert(TradeListPosition).from_select(["list_id", "position", "trade_id"], numbered)
    )
    log.info("trade list %s of run %s: %d trades numbered", key, filters.run_id, size)
    return list_id


def _positions_page(conn: Connection, list_id: int, offset: int, limit: int) -> list[Any]:
    positions = TradeListPosition.__table__.c
    query = (
        select(*_trade_cols)
        .select_from(
            TradeListPosition.__table__.join(Trade.__table__, Trade.trade_id == positions.trade_id)
        )
        .where(
            positions.list_id == list_id,
            positions.position >= offset,
            positions.position < offset + limit,
        )
        .order_by(positions.position)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def _keyset_page(
    conn: Connection, filters: TradeFilters, sort: str | None, cursor: Cursor, limit: int
) -> list[Any]:
    name, descending = sort_field(sort)
    after = after_in_order(
        Trade.__table__.c[name], cursor.value, Trade.trade_id, cursor.trade_id, descending
    )
    query = filters.apply(select(*_trade_cols)).where(after).order_by(*parse_sort(sort))
    return [dict(row) for row in conn.execute(query.limit(limit)).mappings()]


def _count(conn: Connection, filters: TradeFilters) -> int:
    query = filters.apply(select(func.count()).select_from(Trade))
    return int(conn.execute(query).scalar_one())


def trade_page(
    conn: Connection,
    filters: TradeFilters,
    *,
    sort: str | None,
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
) -> TradePageResult:
    """One page of the list, from ``offset`` or after ``cursor`` (which then says the
    offset), with the list's total and the cursor of the page after it (None at the
    end). Raises SortError, CursorError."""
    name, _ = sort_field(sort)
    after = Cursor.decode(cursor, name) if cursor is not None else None
    if after is not None:
        offset = after.offset
    key = list_key(filters, sort)
    # A list key names a run's list: there is none without a run.
    run_id = filters.run_id
    found = current_list(conn, run_id, key) if key is not None and run_id is not None else None
    token: str | None
    if found is not None:
        list_id, total, token = found
        rows = with_instrument_state(conn, _positions_page(conn, list_id, offset, limit))
    else:
        token = _stored_token(conn, filters.run_id)
        if after is not None:
            rows = with_instrument_state(conn, _keyset_page(conn, filters, sort, after, limit))
            # The count stays the one of the first page until the run is rebuilt.
            same = token is not None and after.token == token
            total = after.total if same else _count(conn, filters)
        else:
            rows, total = list_trades(conn, filters, sort=sort, limit=limit, offset=offset)
    next_cursor = None
    if rows and len(rows) == limit and offset + limit < total:
        last = rows[-1]
        next_cursor = Cursor(offset + limit, last[name], last["trade_id"], total, token).encode()
    return TradePageResult(rows, total, offset, next_cursor)


def prepare_list(engine: Engine, filters: TradeFilters, sort: str | None) -> None:
    """Number the run's list in its own transaction before the page is read; when that
    fails for a passing reason (a concurrent build, a locked database) this page is read
    without it."""
    if list_key(filters, sort) is None:
        return
    try:
        with engine.begin() as conn:
            ensure_list(conn, filters, sort)
    except DBAPIError as exc:
        if not (isinstance(exc, IntegrityError) or is_transient(exc)):
            raise
        log.info("trade list of run %s not built now: %s", filters.run_id, exc.orig)
