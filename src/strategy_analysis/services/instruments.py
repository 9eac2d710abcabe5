"""Instruments: list (configured and merely traded symbols) and the user's settings.

What a user saves here is theirs: the row is marked ``set_by_user`` and imports leave it
(ingest/tables.py declares it; a differing import is listed as a conflict).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ..db.models import Instrument, Trade, utc_now
from ..errors import UnprocessableError
from ..events import EventBus
from .price_precision import price_decimals

_instrument_cols = [c for c in Instrument.__table__.c]


def _distinct_symbols(conn: Connection, table: str) -> list[str]:
    # Loose index scan: the table's index leads with symbol, so this reads one entry per
    # symbol instead of every row (trades: (symbol, entry_time); bars: the primary key).
    query = text(
        f"""
        WITH RECURSIVE s(symbol) AS (
            SELECT MIN(symbol) FROM {table}
            UNION ALL
            SELECT (SELECT MIN(symbol) FROM {table} WHERE symbol > s.symbol)
            FROM s WHERE s.symbol IS NOT NULL
        )
        SELECT symbol FROM s WHERE symbol IS NOT NULL
        """
    )
    return [row[0] for row in conn.execute(query)]


def list_instruments(conn: Connection) -> list[dict[str, Any]]:
    configured = {
        row["symbol"]: {**row, "configured": True}
        for row in conn.execute(select(*_instrument_cols)).mappings()
    }
    for table in ("trades", "bars"):
        for symbol in _distinct_symbols(conn, table):
            configured.setdefault(
                symbol,
                {
                    "symbol": symbol,
                    "point_value": 1.0,
                    "tick_size": None,
                    "currency": None,
                    "set_by_user": False,
                    "updated_at": None,
                    "configured": False,
                },
            )
    ticks = {symbol: row["tick_size"] for symbol, row in configured.items()}
    decimals = price_decimals(conn, configured, ticks)
    return [
        {**configured[symbol], "price_decimals": decimals[symbol]} for symbol in sorted(configured)
    ]


# What a save may set; a field it leaves out keeps its stored value.
SETTINGS = ("point_value", "tick_size", "currency")


class MissingPointValueError(UnprocessableError, ValueError):
    """A symbol's first save gives no point value."""


def upsert_instrument(conn: Connection, symbol: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Save the user's ``settings`` (some of SETTINGS; a new row needs ``point_value``)."""
    stored = conn.execute(select(*_instrument_cols).where(Instrument.symbol == symbol)).mappings()
    current = dict(stored.first() or {"point_value": None, "tick_size": None, "currency": None})
    values = {
        "symbol": symbol,
        **{name: settings.get(name, current[name]) for name in SETTINGS},
        "set_by_user": True,
        "updated_at": utc_now(),
    }
    if values["point_value"] is None:
        raise MissingPointValueError(f"{symbol} has no point value yet: give point_value")
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Instrument).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Instrument.symbol],
        set_={k: statement.excluded[k] for k in (*SETTINGS, "set_by_user", "updated_at")},
    )
    conn.execute(statement)
    ticks = {symbol: values["tick_size"]}
    return {
        **values,
        "configured": True,
        "price_decimals": price_decimals(conn, [symbol], ticks)[symbol],
    }


def set_instrument(
    engine: Engine,
    symbol: str,
    settings: dict[str, Any],
    *,
    event_bus: EventBus | None,
) -> tuple[dict[str, Any], int, int, dict[str, str]]:
    """Save the user's settings (committed), then rebuild the symbol's trades in every run.

    Returns (instrument, runs trading the symbol, trades of the symbol, the runs whose
    rebuild failed with the reason: each is marked failed, see trades/analysis_failures.py)."""
    from ..trades.analysis_failures import RebuildFailed
    from ..trades.rebuild import rebuild_symbol

    with engine.begin() as conn:
        instrument = upsert_instrument(conn, symbol, settings)
    if event_bus is not None:
        event_bus.publish(
            "instrument_updated",
            symbol=symbol,
            point_value=instrument.get("point_value"),
            tick_size=instrument.get("tick_size"),
            currency=instrument.get("currency"),
        )
    failed: dict[str, str] = {}
    try:
        rebuild_symbol(engine, symbol, event_bus=event_bus)
    except RebuildFailed as exc:
        failed = exc.failures
    with engine.connect() as conn:
        runs, trades = conn.execute(
            select(func.count(func.distinct(Trade.run_id)), func.count()).where(
                Trade.symbol == symbol
            )
        ).one()
    return instrument, runs, trades, failed
