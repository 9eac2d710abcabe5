"""The kinds of column check: each record field's value rule, named once.

A record type (``records.py``) marks its field with the kind (``Checked``), next to its
length limit (``values.MaxChars``); a table spec (``ingest/tables.py``) reads the kinds
off its record, and overrides only what the import fills in itself (a run's defaults).
Every executor of the rules (the SQL checks, the C reader, the stream's Python and C
checks) holds one table from kind to its implementation and calls ``require_every_kind``
on it, so a kind added here fails at import time until every executor implements it or
says that it leaves the kind to another one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class CheckKind(Enum):
    TEXT = "text"  # required, not blank; its column's length limit
    OPTIONAL_TEXT = "optional text"  # blank is missing
    TEXT_OR_RUN_STRATEGY = "text or the run's strategy"  # blank: the Metadata strategy id
    TEXT_OR_RUN_ACCOUNT = "text or the run's account"  # blank: the Metadata account id
    TEXT_OR_GTC = "text or GTC"  # a time in force; blank: GTC
    NUMBER = "number"  # finite, within MAX_AMOUNT in magnitude
    OPTIONAL_NUMBER = "optional number"
    POSITIVE = "positive number"
    OPTIONAL_POSITIVE = "optional positive number"
    QUANTITY = "quantity"  # MIN_QUANTITY to MAX_QUANTITY
    NON_NEGATIVE = "non-negative number"
    FEE = "fee"  # non-negative; missing is 0
    TIMESTAMP = "timestamp"  # contract.timestamps; stored as UTC text
    OPTIONAL_TIMESTAMP = "optional timestamp"
    SIDE = "side"  # contract.enums.SIDE_ALIASES
    ORDER_TYPE = "order type"  # ORDER_TYPE_ALIASES
    ORDER_STATUS = "order status"  # STATUS_ALIASES
    JSON_OBJECT = "JSON object text"  # optional; kept as sent


@dataclass(frozen=True)
class Checked:
    """Marks a record field's type with its check kind."""

    kind: CheckKind


def field_kind(metadata: list[Any]) -> CheckKind | None:
    """The kind a field's metadata declares, or None."""
    return next((m.kind for m in metadata if isinstance(m, Checked)), None)


def require_every_kind(executor: str, table: Mapping[CheckKind, object]) -> None:
    """Fails unless ``table`` names every kind (an executor that leaves a kind to another
    maps it to its sentinel for that, explicitly)."""
    missing = [kind.name for kind in CheckKind if kind not in table]
    if missing:
        raise RuntimeError(f"{executor} implements no check for {', '.join(missing)}")
