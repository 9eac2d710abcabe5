"""Enumerations of the contract and the NinjaTrader spellings they accept (section 4)."""

from __future__ import annotations

from typing import Final

from .timestamps import WHITESPACE

SIDES: Final = ("BUY", "SELL")
ORDER_TYPES: Final = ("MARKET", "LIMIT", "STOP", "STOP_LIMIT", "MIT")
ORDER_STATUSES: Final = (
    "NEW",
    "PARTIALLY_FILLED",
    "FILLED",
    "CANCELED",
    "REJECTED",
    "EXPIRED",
)
TERMINAL_STATUSES: Final = frozenset({"FILLED", "CANCELED", "REJECTED", "EXPIRED"})
# The order lifecycle (export-format.md section 5): a stored status never moves back to a
# lower rank; every terminal status has the top rank. The merge's SQL is generated from it.
STATUS_RANKS: Final[dict[str, int]] = {
    status: 2 if status in TERMINAL_STATUSES else rank for rank, status in enumerate(ORDER_STATUSES)
}

# Lower-cased accepted spelling -> canonical value. Canonical names are accepted too.
SIDE_ALIASES: Final[dict[str, str]] = {
    "buy": "BUY",
    "buytocover": "BUY",
    "sell": "SELL",
    "sellshort": "SELL",
}
ORDER_TYPE_ALIASES: Final[dict[str, str]] = {
    "market": "MARKET",
    "limit": "LIMIT",
    "stop": "STOP",
    "stopmarket": "STOP",
    "stop_limit": "STOP_LIMIT",
    "stoplimit": "STOP_LIMIT",
    "mit": "MIT",
    "marketiftouched": "MIT",
}
STATUS_ALIASES: Final[dict[str, str]] = {
    "new": "NEW",
    "initialized": "NEW",
    "submitted": "NEW",
    "accepted": "NEW",
    "working": "NEW",
    "triggerpending": "NEW",
    "changepending": "NEW",
    "changesubmitted": "NEW",
    "cancelpending": "NEW",
    "cancelsubmitted": "NEW",
    "partially_filled": "PARTIALLY_FILLED",
    "partfilled": "PARTIALLY_FILLED",
    "filled": "FILLED",
    "rejected": "REJECTED",
    "expired": "EXPIRED",
    "canceled": "CANCELED",
    "cancelled": "CANCELED",
}


def _canonical(
    value: object, aliases: dict[str, str], field: str, canonical: tuple[str, ...]
) -> str:
    if isinstance(value, str):
        found = aliases.get(value.strip(WHITESPACE).lower())
        if found is not None:
            return found
    raise ValueError(f"unknown {field} {value!r} (expected one of {', '.join(canonical)})")


def canonical_side(value: object) -> str:
    return _canonical(value, SIDE_ALIASES, "side", SIDES)


def canonical_order_type(value: object) -> str:
    return _canonical(value, ORDER_TYPE_ALIASES, "order_type", ORDER_TYPES)


def canonical_status(value: object) -> str:
    return _canonical(value, STATUS_ALIASES, "status", ORDER_STATUSES)
