"""One pydantic model per export record (Bars, Orders, Executions, Instruments) and the run.

Field names are the export's column names. Loose SQLite types are converted, not rejected:
a number in a text column becomes text, numeric text in a REAL column becomes a float, and
an empty or blank string in an optional column reads as None. Every value keeps the
bounds of ``values``: text fits its column (``MaxChars``), numbers their range.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from .checks import Checked, CheckKind
from .enums import canonical_order_type, canonical_side, canonical_status
from .timestamps import WHITESPACE, parse_timestamp, storage_text
from .values import (
    ID_CHARS,
    MAX_AMOUNT,
    MAX_QUANTITY,
    MIN_QUANTITY,
    MaxChars,
    UnstorableValueError,
    bound_text,
    text_fault,
)


def text_or_none(value: object, max_chars: int | None = None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected text, got {value!r}")
    if isinstance(value, int | float):
        value = str(value)
    elif not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    if not value.strip(WHITESPACE):
        return None
    fault = text_fault(value, max_chars)
    if fault is not None:
        raise UnstorableValueError(fault)
    return value


def _required_text(value: object, max_chars: int | None = None) -> str:
    text = text_or_none(value, max_chars)
    if text is None:
        raise ValueError("is required and must not be empty")
    return text


def _number(value: object, max_magnitude: float = MAX_AMOUNT) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        if not value.strip(WHITESPACE):
            return None
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ValueError(f"must be finite, got {value!r}")
    if abs(number) > max_magnitude:
        raise ValueError(
            f"must be at most {bound_text(max_magnitude)} in magnitude, got {number!r}"
        )
    return number


def _required_number(value: object, max_magnitude: float = MAX_AMOUNT) -> float:
    number = _number(value, max_magnitude)
    if number is None:
        raise ValueError("is required")
    return number


def _positive(value: object) -> float:
    number = _required_number(value)
    if number <= 0:
        raise ValueError(f"must be > 0, got {number!r}")
    return number


def _quantity(value: object) -> float:
    number = _required_number(value, math.inf)
    if not MIN_QUANTITY <= number <= MAX_QUANTITY:
        raise ValueError(
            f"must be from {bound_text(MIN_QUANTITY)} to {bound_text(MAX_QUANTITY)}, got {number!r}"
        )
    return number


def _optional_positive(value: object) -> float | None:
    number = _number(value)
    if number is not None and number <= 0:
        raise ValueError(f"must be > 0 when present, got {number!r}")
    return number


def _non_negative(value: object) -> float:
    number = _required_number(value)
    if number < 0:
        raise ValueError(f"must be >= 0, got {number!r}")
    return number


def _fee(value: object) -> float:
    number = _number(value)
    if number is None:
        return 0.0
    if number < 0:
        raise ValueError(f"must be >= 0, got {number!r}")
    return number


def _timestamp(value: object) -> datetime:
    if value is None or (isinstance(value, str) and not value.strip(WHITESPACE)):
        raise ValueError("is required")
    return parse_timestamp(value)


def _optional_timestamp(value: object) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip(WHITESPACE)):
        return None
    return parse_timestamp(value)


def _json_object_text(value: object) -> str | None:
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    text = text_or_none(value)
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    if not isinstance(parsed, dict):
        raise ValueError("must be a JSON object")
    return text


TIME_IN_FORCE_CHARS = 20
VERSION_CHARS = 100


def _time_in_force(value: object) -> str:
    return text_or_none(value, TIME_IN_FORCE_CHARS) or "GTC"


def _limited(check: Any, max_chars: int) -> Any:
    def limited(value: object) -> Any:
        return check(value, max_chars)

    return limited


# Each type names its check kind (contract.checks), which the fast paths implement.
_TEXT = Checked(CheckKind.TEXT)
_OPTIONAL_TEXT = Checked(CheckKind.OPTIONAL_TEXT)

Text = Annotated[str | None, BeforeValidator(text_or_none), _OPTIONAL_TEXT]
# Ids, symbols and names: the length the read endpoints take for an id.
Id = Annotated[str, BeforeValidator(_limited(_required_text, ID_CHARS)), MaxChars(ID_CHARS), _TEXT]
OptionalId = Annotated[
    str | None,
    BeforeValidator(_limited(text_or_none, ID_CHARS)),
    MaxChars(ID_CHARS),
    _OPTIONAL_TEXT,
]
Timeframe = Annotated[str, BeforeValidator(_limited(_required_text, 50)), MaxChars(50), _TEXT]
Version = Annotated[
    str | None,
    BeforeValidator(_limited(text_or_none, VERSION_CHARS)),
    MaxChars(VERSION_CHARS),
    _OPTIONAL_TEXT,
]
Label = Annotated[
    str | None, BeforeValidator(_limited(text_or_none, 50)), MaxChars(50), _OPTIONAL_TEXT
]
Code = Annotated[
    str | None, BeforeValidator(_limited(text_or_none, 20)), MaxChars(20), _OPTIONAL_TEXT
]
Exporter = Annotated[str | None, BeforeValidator(_limited(text_or_none, 300)), MaxChars(300)]
Number = Annotated[float | None, BeforeValidator(_number), Checked(CheckKind.OPTIONAL_NUMBER)]
RequiredNumber = Annotated[float, BeforeValidator(_required_number), Checked(CheckKind.NUMBER)]
Positive = Annotated[float, BeforeValidator(_positive), Checked(CheckKind.POSITIVE)]
Quantity = Annotated[float, BeforeValidator(_quantity), Checked(CheckKind.QUANTITY)]
OptionalPositive = Annotated[
    float | None, BeforeValidator(_optional_positive), Checked(CheckKind.OPTIONAL_POSITIVE)
]
NonNegative = Annotated[float, BeforeValidator(_non_negative), Checked(CheckKind.NON_NEGATIVE)]
Fee = Annotated[float, BeforeValidator(_fee), Checked(CheckKind.FEE)]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp), Checked(CheckKind.TIMESTAMP)]
OptionalTimestamp = Annotated[
    datetime | None, BeforeValidator(_optional_timestamp), Checked(CheckKind.OPTIONAL_TIMESTAMP)
]
Side = Annotated[str, BeforeValidator(canonical_side), Checked(CheckKind.SIDE)]
OrderType = Annotated[str, BeforeValidator(canonical_order_type), Checked(CheckKind.ORDER_TYPE)]
OrderStatus = Annotated[str, BeforeValidator(canonical_status), Checked(CheckKind.ORDER_STATUS)]
JsonObjectText = Annotated[
    str | None, BeforeValidator(_json_object_text), Checked(CheckKind.JSON_OBJECT)
]
TimeInForce = Annotated[
    str,
    BeforeValidator(_time_in_force),
    MaxChars(TIME_IN_FORCE_CHARS),
    Checked(CheckKind.TEXT_OR_GTC),
]


class ExportRecord(BaseModel):
    """Base of the table records: ``COLUMNS`` is the export's column order, ``KEY`` its key."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    TABLE: ClassVar[str]
    COLUMNS: ClassVar[tuple[str, ...]]
    KEY: ClassVar[tuple[str, ...]]

    def row(self) -> tuple[Any, ...]:
        """Values in ``COLUMNS`` order, timestamps in their stored text form."""
        values = []
        for name in self.COLUMNS:
            value = getattr(self, name)
            values.append(storage_text(value) if isinstance(value, datetime) else value)
        return tuple(values)


class BarRecord(ExportRecord):
    TABLE: ClassVar[str] = "bars"
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "symbol",
        "timeframe",
        "start_time_utc",
        "end_time_utc",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "open_interest",
    )
    KEY: ClassVar[tuple[str, ...]] = ("symbol", "timeframe", "start_time_utc")

    symbol: Id
    timeframe: Timeframe
    start_time_utc: Timestamp
    end_time_utc: OptionalTimestamp = None
    open: RequiredNumber
    high: RequiredNumber
    low: RequiredNumber
    close: RequiredNumber
    volume: NonNegative
    open_interest: Number = None

    @model_validator(mode="after")
    def _check_range(self) -> BarRecord:
        if self.low > min(self.open, self.close):
            raise ValueError(f"low {self.low} is above min(open, close)")
        if self.high < max(self.open, self.close):
            raise ValueError(f"high {self.high} is below max(open, close)")
        if self.end_time_utc is not None and self.end_time_utc < self.start_time_utc:
            raise ValueError("end_time_utc is before start_time_utc")
        return self


class OrderRecord(ExportRecord):
    TABLE: ClassVar[str] = "orders"
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "order_id",
        "parent_order_id",
        "strategy_id",
        "strategy_version",
        "account_id",
        "symbol",
        "side",
        "order_type",
        "time_in_force",
        "submit_time_utc",
        "price",
        "stop_price",
        "quantity",
        "status",
        "reject_reason",
        "cancel_reason",
        "client_tag",
        "meta_json",
    )
    KEY: ClassVar[tuple[str, ...]] = ("order_id",)

    order_id: Id
    parent_order_id: OptionalId = None
    # Required, but the reader fills it from Metadata first (1.1).
    strategy_id: Id
    strategy_version: Version = None
    account_id: Id
    symbol: Id
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce = "GTC"
    submit_time_utc: Timestamp
    price: OptionalPositive = None
    stop_price: OptionalPositive = None
    quantity: Quantity
    status: OrderStatus
    reject_reason: Text = None
    cancel_reason: Text = None
    client_tag: OptionalId = None
    meta_json: JsonObjectText = None


class ExecutionRecord(ExportRecord):
    TABLE: ClassVar[str] = "executions"
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "execution_id",
        "order_id",
        "strategy_id",
        "account_id",
        "symbol",
        "side",
        "exec_time_utc",
        "price",
        "quantity",
        "fee",
        "fee_currency",
        "liquidity_flag",
    )
    KEY: ClassVar[tuple[str, ...]] = ("execution_id",)

    execution_id: Id
    order_id: Id
    # Empty falls back to the order's value, then to Metadata (resolved by the import).
    strategy_id: OptionalId = None
    account_id: OptionalId = None
    symbol: Id
    side: Side
    exec_time_utc: Timestamp
    price: Positive
    quantity: Quantity
    fee: Fee = 0.0
    fee_currency: Code = None
    liquidity_flag: Label = None


class InstrumentRecord(ExportRecord):
    TABLE: ClassVar[str] = "instruments"
    COLUMNS: ClassVar[tuple[str, ...]] = ("symbol", "point_value", "tick_size", "currency")
    KEY: ClassVar[tuple[str, ...]] = ("symbol",)

    symbol: Id
    point_value: Positive
    tick_size: OptionalPositive = None
    currency: Code = None


RECORD_MODELS: dict[str, type[ExportRecord]] = {
    model.TABLE: model for model in (InstrumentRecord, BarRecord, OrderRecord, ExecutionRecord)
}
