"""Which run a file belongs to, and the run's row values.

Schema 1.1 names its run (Metadata ``run_id``). A 1.0 file has no run id, so one is
derived from what a growing export never changes: the strategy, the account, the id and
the submit time of its first order (lowest rowid), or of its first execution when it has
no orders. ``v10-`` + the first 32 hex digits of their SHA-256. Re-importing the file, or
a later export of the same run with more rows appended, gives the same id.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..contract.records import VERSION_CHARS
from ..contract.run import RunInfo
from ..contract.values import ID_CHARS, text_fault

log = logging.getLogger(__name__)

V10_PREFIX = "v10-"
UNKNOWN_STRATEGY = "unknown"


def _clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _storable(value: Any, max_chars: int) -> str | None:
    """A first record's value as the run's, when it can be stored (else None: the record
    itself is rejected with the reason)."""
    text = _clean(value)
    return text if text and text_fault(text, max_chars) is None else None


def derived_run_id(
    first_order: dict[str, Any] | None, first_execution: dict[str, Any] | None
) -> str | None:
    if first_order is not None:
        parts = [
            first_order.get(c) for c in ("strategy_id", "account_id", "order_id", "submit_time_utc")
        ]
    elif first_execution is not None:
        parts = [
            first_execution.get(c)
            for c in ("strategy_id", "account_id", "execution_id", "exec_time_utc")
        ]
    else:
        return None
    # surrogateescape: a text cell that is not UTF-8 reads as lone surrogates (its bytes)
    joined = "\x1f".join(_clean(p) for p in parts).encode("utf-8", "surrogateescape")
    digest = hashlib.sha256(joined).hexdigest()
    return V10_PREFIX + digest[:32]


@dataclass(frozen=True)
class RunValues:
    """The strategies/runs row values an import writes (None = keep what is stored)."""

    run_id: str
    strategy_id: str
    strategy_name: str | None
    strategy_version: str | None
    parameters: dict[str, Any] | None
    mode: str | None
    status: str | None
    account_id: str | None
    exporter: str | None
    schema_version: str | None
    metadata: dict[str, Any] | None
    created_utc: datetime | None
    reported_net_pnl: float | None
    reported_trade_count: int | None


def run_values(
    info: RunInfo,
    *,
    run_id: str,
    status: str | None,
    schema_version: str | None,
    metadata: dict[str, Any] | None,
    first_record: dict[str, Any] | None,
) -> RunValues:
    """Metadata first; a 1.0 file's run takes strategy and account from its first record."""
    first = first_record or {}
    strategy_id = (
        info.strategy_id or _storable(first.get("strategy_id"), ID_CHARS) or UNKNOWN_STRATEGY
    )
    return RunValues(
        run_id=run_id,
        strategy_id=strategy_id,
        strategy_name=info.strategy_name,
        strategy_version=info.strategy_version
        or _storable(first.get("strategy_version"), VERSION_CHARS),
        parameters=info.parameters,
        mode=info.mode,
        status=status,
        account_id=info.account_id or _storable(first.get("account_id"), ID_CHARS),
        exporter=info.exporter,
        schema_version=schema_version,
        metadata=metadata,
        created_utc=info.created_utc,
        reported_net_pnl=info.reported_net_pnl,
        reported_trade_count=info.reported_trade_count,
    )
