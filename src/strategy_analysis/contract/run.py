"""The run a file or batch belongs to: the Metadata table of a file, the ``run`` of a batch."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from .records import Number, OptionalTimestamp, Text
from .timestamps import WHITESPACE

SUPPORTED_SCHEMA_VERSIONS = ("1.0", "1.1")
RUN_MODES = ("backtest", "sim", "live")
RUN_STATUSES = ("RUNNING", "COMPLETED", "FAILED")


def _parameters(value: object) -> dict[str, Any] | None:
    if value is None or (isinstance(value, str) and not value.strip(WHITESPACE)):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"invalid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    return value


def _mode(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip(WHITESPACE)):
        return None
    if isinstance(value, str) and value.strip(WHITESPACE).lower() in RUN_MODES:
        return value.strip(WHITESPACE).lower()
    raise ValueError(f"unknown mode {value!r} (expected one of {', '.join(RUN_MODES)})")


def _status(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip(WHITESPACE)):
        return None
    if isinstance(value, str) and value.strip(WHITESPACE).upper() in RUN_STATUSES:
        return value.strip(WHITESPACE).upper()
    raise ValueError(f"unknown run status {value!r} (expected one of {', '.join(RUN_STATUSES)})")


def _count(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip(WHITESPACE)):
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"expected an integer, got {value!r}") from None
    if not number.is_integer():
        raise ValueError(f"expected an integer, got {value!r}")
    return int(number)


class RunInfo(BaseModel):
    """Metadata keys (section 1) of one run; unknown keys are kept in ``extra``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: Text = None
    run_id: Text = None
    strategy_id: Text = None
    strategy_name: Text = None
    strategy_version: Text = None
    parameters: Annotated[dict[str, Any] | None, BeforeValidator(_parameters)] = None
    mode: Annotated[str | None, BeforeValidator(_mode)] = None
    status: Annotated[str | None, BeforeValidator(_status)] = None
    account_id: Text = None
    exporter: Text = None
    created_utc: OptionalTimestamp = None
    reported_net_pnl: Number = None
    reported_trade_count: Annotated[int | None, BeforeValidator(_count)] = None


def parse_run_info(raw: dict[str, Any]) -> tuple[RunInfo, list[tuple[str, str]]]:
    """Validate run metadata key by key: a bad value is dropped and reported, not fatal."""
    values = dict(raw)
    problems: list[tuple[str, str]] = []
    while True:
        try:
            return RunInfo.model_validate(values), problems
        except ValidationError as exc:
            for error in exc.errors():
                key = str(error["loc"][0]) if error["loc"] else "?"
                problems.append((key, f"{key}: {error['msg']}"))
                values.pop(key, None)


def metadata_document(raw: dict[str, Any]) -> dict[str, Any]:
    """Every key/value as received, JSON-safe, for the run's ``metadata`` column."""
    return {
        str(k): (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in raw.items()
        if v is None or isinstance(v, str | int | float | bool | datetime | dict | list)
    }
