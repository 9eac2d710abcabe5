"""How many decimals a symbol's prices are shown with: its tick size's, else its prices'.

A price column reads right only with one fixed number of decimals per symbol (EURUSD
1.07150, never 1.0715; ES 5012.00). The tick size says it (0.00001 -> 5, 0.25 -> 2); a
symbol without one takes the most any of a sample of its bar and fill prices needs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import ScalarResult, bindparam, text
from sqlalchemy.engine import Connection

MAX_DECIMALS = 8
# With no price to look at, the common case (cents, index points).
DEFAULT_DECIMALS = 2
# Prices looked at per symbol and source (bars, fills): enough to meet every tick step.
SAMPLE = 500


def decimals_of(values: Iterable[float]) -> int | None:
    """The fewest decimals (at most MAX_DECIMALS) that write every value exactly; None
    for no value. Binary noise (1.07156 stored as 1.0715600000000001) is no decimal."""
    array = np.asarray([v for v in values if v is not None], dtype=np.float64)
    array = array[np.isfinite(array)]
    if len(array) == 0:
        return None
    for decimals in range(MAX_DECIMALS + 1):
        scaled = array * 10.0**decimals
        # A float holds about 16 digits: anything finer than that is representation noise.
        if np.all(np.abs(scaled - np.rint(scaled)) <= np.abs(scaled) * 1e-14 + 1e-9):
            return decimals
    return MAX_DECIMALS


def _sampled_prices(conn: Connection, symbol: str) -> list[float]:
    bars = conn.execute(
        text("SELECT high, low FROM bars WHERE symbol = :symbol LIMIT :n"),
        {"symbol": symbol, "n": SAMPLE},
    ).all()
    # The fills of one run that traded it, found through the trades' (symbol, ...) index.
    fills: ScalarResult[float] = conn.execute(
        text(
            "SELECT price FROM executions WHERE symbol = :symbol AND run_id ="
            " (SELECT run_id FROM trades WHERE symbol = :symbol LIMIT 1) LIMIT :n"
        ),
        {"symbol": symbol, "n": SAMPLE},
    ).scalars()
    return [value for row in bars for value in row] + list(fills)


def price_decimals(
    conn: Connection, symbols: Iterable[str], tick_sizes: dict[str, float | None] | None = None
) -> dict[str, int]:
    """Decimals per symbol. ``tick_sizes``, when the caller has read them, saves a query."""
    names = sorted(set(symbols))
    if not names:
        return {}
    if tick_sizes is None:
        tick_sizes = instrument_settings(conn, names)[1]
    found: dict[str, int] = {}
    for symbol in names:
        tick = tick_sizes.get(symbol)
        decimals = decimals_of([tick]) if tick else decimals_of(_sampled_prices(conn, symbol))
        found[symbol] = DEFAULT_DECIMALS if decimals is None else decimals
    return found


def instrument_settings(
    conn: Connection, symbols: Iterable[str]
) -> tuple[dict[str, float], dict[str, float | None]]:
    """(point value, tick size) per symbol that has an instrument row."""
    names = sorted(set(symbols))
    if not names:
        return {}, {}
    rows = conn.execute(
        text(
            "SELECT symbol, point_value, tick_size FROM instruments WHERE symbol IN :names"
        ).bindparams(bindparam("names", expanding=True)),
        {"names": names},
    ).all()
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}
