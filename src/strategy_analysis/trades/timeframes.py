"""Bar lengths from timeframe names, and the choice of the finest timeframe.

Accepted: compact names (``30s``, ``1m``, ``5min``, ``1h``, ``4h``, ``1d``, ``1w``, ``M5``,
``H1``, ``D1``) and NinjaTrader's ``<Type> <value>`` (``Minute 5``, ``Second 30``,
``Day 1``, ``Week 1``), also ``5 Minute``. Bars that are not time-based (``Tick 500``,
``Range 4``, ``Volume 1000``, ``Renko``) and calendar ones of varying length (month,
year) have no fixed length: their end comes from ``end_time_utc`` or the next bar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "daily": 86400,
    "w": 604800,
    "wk": 604800,
    "week": 604800,
    "weeks": 604800,
    "weekly": 604800,
}
_NUMBER_FIRST = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
_UNIT_FIRST = re.compile(r"^\s*([a-z]+)\s*(\d+(?:\.\d+)?)?\s*$")


def timeframe_seconds(name: str | None) -> float | None:
    """Length in seconds that ``name`` names, or None when it names no fixed length.

    ``1m`` is one minute (not a month): bar data speaks in minutes far more often.
    """
    if not name:
        return None
    text = name.strip()
    # MetaTrader style: M5, H1, D1 (upper-case unit letter first).
    meta = re.fullmatch(r"([MHDW])(\d+)", text)
    lowered = text.lower()
    if meta:
        unit, value = meta.group(1).lower(), float(meta.group(2))
    elif match := _NUMBER_FIRST.match(lowered):
        value, unit = float(match.group(1)), match.group(2)
    elif match := _UNIT_FIRST.match(lowered):
        unit, value = match.group(1), float(match.group(2) or 1)
    else:
        return None
    seconds = _UNIT_SECONDS.get(unit)
    if seconds is None or value <= 0:
        return None
    return value * seconds


def finest_timeframe(lengths: Mapping[str, float | None]) -> str | None:
    """The timeframe with the shortest bar length (seconds); ties go to the first name.

    A length of None (unknown) loses against any known one.
    """
    best: str | None = None
    best_length = float("inf")
    for name in sorted(lengths):
        length = lengths[name]
        if best is None or (length is not None and length < best_length):
            best = name
            best_length = float("inf") if length is None else length
    return best
