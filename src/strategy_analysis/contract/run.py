"""The run a file or batch belongs to: the Metadata table of a file, the ``run`` of a batch.

A value the platform does not understand (an unknown mode, a time it cannot read) is
dropped and reported; a value it cannot store as sent (``values``: a NUL, a lone
surrogate, longer than its column, nested too deep) refuses the run, and with it the
batch or the file.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from .records import Exporter, Number, OptionalId, OptionalTimestamp, Text, Version, text_or_none
from .timestamps import WHITESPACE
from .values import ID_CHARS, MaxChars, UnstorableValueError, json_fault, text_fault

SUPPORTED_SCHEMA_VERSIONS = ("1.0", "1.1")
RUN_MODES = ("backtest", "sim", "live")
RUN_STATUSES = ("RUNNING", "COMPLETED", "FAILED")
# reported_trade_count's column is a 32-bit integer.
MAX_COUNT = 2**31 - 1


def _run_id(value: object) -> str | None:
    text = text_or_none(value, ID_CHARS)
    if text is not None and "/" in text:
        # The API reads a run at /api/runs/{run_id}: no path segment can hold a '/'.
        raise UnstorableValueError("contains a '/', which no URL path segment can carry")
    return text


RunId = Annotated[str | None, BeforeValidator(_run_id), MaxChars(ID_CHARS)]


def _parameters(value: object) -> dict[str, Any] | None:
    if value is None or (isinstance(value, str) and not value.strip(WHITESPACE)):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"invalid JSON: {exc}") from None
        except RecursionError:
            raise UnstorableValueError("is nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    fault = json_fault(value)
    if fault is not None:
        raise UnstorableValueError(fault)
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
        number = float(value)  # type: ignore[arg-type]  # any object: float() refusing it is the check
    except (TypeError, ValueError):
        raise ValueError(f"expected an integer, got {value!r}") from None
    if not number.is_integer():
        raise ValueError(f"expected an integer, got {value!r}")
    if not 0 <= number <= MAX_COUNT:
        raise ValueError(f"must be from 0 to {MAX_COUNT}, got {value!r}")
    return int(number)


class RunInfo(BaseModel):
    """Metadata keys (section 1) of one run; unknown keys are kept in ``extra``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: Text = None
    run_id: RunId = None
    strategy_id: OptionalId = None
    strategy_name: OptionalId = None
    strategy_version: Version = None
    parameters: Annotated[dict[str, Any] | None, BeforeValidator(_parameters)] = None
    mode: Annotated[str | None, BeforeValidator(_mode)] = None
    status: Annotated[str | None, BeforeValidator(_status)] = None
    account_id: OptionalId = None
    exporter: Exporter = None
    created_utc: OptionalTimestamp = None
    reported_net_pnl: Number = None
    reported_trade_count: Annotated[int | None, BeforeValidator(_count)] = None


def parse_run_info(raw: dict[str, Any]) -> tuple[RunInfo, list[tuple[str, str]]]:
    """Validate run metadata key by key: a value not understood is dropped and reported
    as a (key, reason) problem. ``UnstorableValueError`` names every value that cannot be
    stored as sent (the whole document is kept in the run's ``metadata``)."""
    unstorable = [
        f"{_shown_key(key)}: {fault}"
        for key, value in raw.items()
        if (fault := text_fault(str(key)) or json_fault(value)) is not None
    ]
    values = dict(raw)
    problems: list[tuple[str, str]] = []
    while True:
        try:
            info = RunInfo.model_validate(values)
            break
        except ValidationError as exc:
            for error in exc.errors():
                key = str(error["loc"][0]) if error["loc"] else "?"
                message = str(error["msg"]).removeprefix("Value error, ")
                if isinstance((error.get("ctx") or {}).get("error"), UnstorableValueError):
                    unstorable.append(f"{key}: {message}")
                else:
                    problems.append((key, f"{key}: {error['msg']}"))
                values.pop(key, None)
    if unstorable:
        raise UnstorableValueError("; ".join(dict.fromkeys(unstorable)))
    return info, problems


def _shown_key(key: object) -> str:
    return repr(key) if text_fault(str(key)) else str(key)


def metadata_document(raw: dict[str, Any]) -> dict[str, Any]:
    """Every key/value as received, JSON-safe, for the run's ``metadata`` column."""
    return {
        str(k): (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in raw.items()
        if v is None or isinstance(v, str | int | float | bool | datetime | dict | list)
    }
