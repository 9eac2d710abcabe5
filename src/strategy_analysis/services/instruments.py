"""Instruments: list (configured and merely traded symbols) and upsert."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ..db.models import Instrument, Trade, utc_now
from ..events import EventBus

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
                    "updated_at": None,
                    "configured": False,
                },
            )
    return [configured[symbol] for symbol in sorted(configured)]


def upsert_instrument(
    conn: Connection,
    symbol: str,
    *,
    point_value: float,
    tick_size: float | None,
    currency: str | None,
) -> dict[str, Any]:
    values = {
        "symbol": symbol,
        "point_value": point_value,
        "tick_size": tick_size,
        "currency": currency,
        "updated_at": utc_now(),
    }
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Instrument).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Instrument.symbol],
        set_={
            k: statement.excluded[k] for k in ("point_value", "tick_size", "currency", "updated_at")
        },
    )
    conn.execute(statement)
    return {**values, "configured": True}


def set_instrument(
    engine: Engine,
    symbol: str,
    *,
    point_value: float,
    tick_size: float | None,
    currency: str | None,
    event_bus: EventBus | None,
) -> tuple[dict[str, Any], int, int, dict[str, str]]:
    """Upsert the instrument (committed), then rebuild the symbol's trades in every run.

    Returns (instrument, runs trading the symbol, trades of the symbol, the runs whose
    rebuild failed with the reason: each is marked failed, see trades/analysis_failures.py)."""
    from ..trades.analysis_failures import RebuildFailed
    from ..trades.rebuild import rebuild_symbol

    with engine.begin() as conn:
        instrument = upsert_instrument(
            conn, symbol, point_value=point_value, tick_size=tick_size, currency=currency
        )
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
