"""The column checks of a stream batch in plain Python: the common, clean values only.

Each check gives the stored value of a raw JSON value, or ``UNSURE`` when the value is
anything but the plain case (blank-led text, a non-canonical timestamp, an unusual
spelling, a JSON text, a bool...); a record with an unsure value goes to the SQL checks
and the pydantic models as before. So these checks are narrower than the SQL ones
(``column_sql``), never wider, and a value they accept is stored exactly as the SQL
checks store it (tests/ingest/test_check_conformance.py compares them).

A batch has a few hundred records: opening an in-memory SQLite database, inserting them
and running the SQL checks costs more than these per-value calls. ``_record_checks.c``
runs the same checks in C, about nine times faster, where it is built: each check below
names its C kind, and the tests compare the two on every tricky value.

A text passes only within its column's length (``TableSpec.max_chars``), without a NUL
character or a lone surrogate; a number only within its range (``contract.values``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from functools import cache, lru_cache
from typing import Any

import orjson

from ..contract.checks import CheckKind, require_every_kind
from ..contract.enums import ORDER_TYPE_ALIASES, SIDE_ALIASES, STATUS_ALIASES
from ..contract.values import MAX_AMOUNT, MAX_QUANTITY, MIN_QUANTITY
from . import tables as t

UNSURE = object()
_WS = " \t\n\r\x0b\x0c"
_INT64 = (-(2**63), 2**63 - 1)
# The canonical head (date, 'T' or ' ', time), 0-7 fractional digits, at most one Z.
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,7}))?[Zz]?"
)

Check = Callable[[Any, dict[str, str | None]], Any]
# A column's check, made for its length limit (None: no limit; only texts have one).
CheckMaker = Callable[[int | None], Check]


def _blank(value: str) -> bool:
    """Only whitespace, or empty, as the SQL check decides."""
    return not ((value and value[0] > " ") or value.strip(_WS))


def _storable(value: str, limit: int | None) -> bool:
    """Within ``limit`` characters, no NUL, valid Unicode (no lone surrogate)."""
    if (limit is not None and len(value) > limit) or "\0" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _text(limit: int | None) -> Check:
    def check(value: Any, defaults: dict[str, str | None]) -> Any:
        if type(value) is str and not _blank(value) and _storable(value, limit):
            return value
        return UNSURE

    return check


def _optional_text(limit: int | None) -> Check:
    def check(value: Any, defaults: dict[str, str | None]) -> Any:
        if value is None:
            return None
        if type(value) is not str:
            return UNSURE
        if _blank(value):
            return None
        return value if _storable(value, limit) else UNSURE

    return check


def _or_fallback(value: Any, fallback: str | None, limit: int | None) -> Any:
    if value is None or (type(value) is str and _blank(value)):
        return UNSURE if fallback is None else fallback
    if type(value) is str and _storable(value, limit):
        return value
    return UNSURE


def _with_default(column: str) -> CheckMaker:
    def make(limit: int | None) -> Check:
        def check(value: Any, defaults: dict[str, str | None]) -> Any:
            return _or_fallback(value, defaults.get(column), limit)

        return check

    return make


def _gtc(limit: int | None) -> Check:
    def check(value: Any, defaults: dict[str, str | None]) -> Any:
        return _or_fallback(value, "GTC", limit)

    return check


def _any_limit(check: Check) -> CheckMaker:
    """A check that has no length limit."""

    def make(limit: int | None) -> Check:
        return check

    return make


def _number(
    minimum: str = "", required: bool = True, missing: Any = UNSURE, quantity: bool = False
) -> Check:
    """``minimum``: '' (any), '> 0' or '>= 0'; every number within ``MAX_AMOUNT`` in
    magnitude, a ``quantity`` within its range."""
    positive = minimum == "> 0"
    non_negative = minimum == ">= 0"
    low, high = _INT64
    smallest, largest = (MIN_QUANTITY, MAX_QUANTITY) if quantity else (-MAX_AMOUNT, MAX_AMOUNT)

    def check(value: Any, defaults: dict[str, str | None]) -> Any:
        kind = type(value)
        if kind is float:
            if value - value != 0:  # NaN or infinity
                return UNSURE
        elif kind is int:
            if not low <= value <= high:
                return UNSURE
            value = float(value)
        elif value is None and not required:
            return missing
        else:
            return UNSURE
        if (positive and not value > 0) or (non_negative and not value >= 0):
            return UNSURE
        if not smallest <= value <= largest:
            return UNSURE
        return value

    return check


@lru_cache(maxsize=4096)
def _real_date(text: str) -> bool:
    """``YYYY-MM-DD`` (digits) names a real day; a stream's times share a few days."""
    try:
        date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True


def _timestamp(required: bool = True) -> Check:
    def check(value: Any, defaults: dict[str, str | None]) -> Any:
        if value is None and not required:
            return None
        if type(value) is not str:
            return UNSURE
        match = _TIMESTAMP.fullmatch(value)
        if match is None:
            return UNSURE
        _, _, _, hour, minute, second, fraction = match.groups()
        # Two-digit fields compare as text.
        if hour > "23" or minute > "59" or second > "59" or not _real_date(value[:10]):
            return UNSURE
        head = value[:10] + " " + value[11:19]
        return f"{head}.{(fraction or '')[:6].ljust(6, '0')}"

    return check


def _enumeration(aliases: dict[str, str]) -> Check:
    canonical = frozenset(aliases.values())

    def check(value: Any, defaults: dict[str, str | None]) -> Any:
        if type(value) is not str:
            return UNSURE
        if value in canonical:
            return value
        # SQLite's lower() folds ASCII only.
        if not value.isascii():
            return UNSURE
        return aliases.get(value.strip(_WS).lower(), UNSURE)

    return check


def _json_object(value: Any, defaults: dict[str, str | None]) -> Any:
    if value is None:
        return None
    if type(value) is dict:
        # The model stores an object as this exact text.
        try:
            return json.dumps(value, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            return UNSURE
    if type(value) is str and value[:1] == "{" and _storable(value, None):
        # Kept as sent when it is an object; strict JSON only (no NaN or Infinity).
        # orjson accepts strict JSON only, so what it parses json.loads accepts too; what
        # it refuses (a lone surrogate, a huge integer) json.loads decides.
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            try:
                parsed = json.loads(value, parse_constant=_refuse)
            except (ValueError, RecursionError):
                return UNSURE
        return value if type(parsed) is dict else UNSURE
    return UNSURE


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Each kind's Python check maker, its C twin's letter (_record_checks.c: the file reader's
# letters, c_copy_lines.READER_KINDS, and R for a run default, C for a constant fallback,
# E for an enumeration, X for a Python call) and the argument the twin takes.
CHECKS: dict[CheckKind, tuple[CheckMaker, str, Any]] = {
    CheckKind.TEXT: (_text, "T", None),
    CheckKind.OPTIONAL_TEXT: (_optional_text, "t", None),
    CheckKind.TEXT_OR_RUN_STRATEGY: (_with_default("strategy_id"), "R", "strategy_id"),
    CheckKind.TEXT_OR_RUN_ACCOUNT: (_with_default("account_id"), "R", "account_id"),
    CheckKind.TEXT_OR_GTC: (_gtc, "C", "GTC"),
    CheckKind.NUMBER: (_any_limit(_number()), "N", None),
    CheckKind.OPTIONAL_NUMBER: (_any_limit(_number(required=False, missing=None)), "n", None),
    CheckKind.POSITIVE: (_any_limit(_number("> 0")), "P", None),
    CheckKind.OPTIONAL_POSITIVE: (
        _any_limit(_number("> 0", required=False, missing=None)),
        "p",
        None,
    ),
    CheckKind.QUANTITY: (_any_limit(_number(quantity=True)), "Q", None),
    CheckKind.NON_NEGATIVE: (_any_limit(_number(">= 0")), "Z", None),
    CheckKind.FEE: (_any_limit(_number(">= 0", required=False, missing=0.0)), "F", None),
    CheckKind.TIMESTAMP: (_any_limit(_timestamp()), "D", None),
    CheckKind.OPTIONAL_TIMESTAMP: (_any_limit(_timestamp(required=False)), "d", None),
    **{
        kind: (
            _any_limit(_enumeration(aliases)),
            "E",
            (frozenset(aliases.values()), aliases),
        )
        for kind, aliases in (
            (CheckKind.SIDE, SIDE_ALIASES),
            (CheckKind.ORDER_TYPE, ORDER_TYPE_ALIASES),
            (CheckKind.ORDER_STATUS, STATUS_ALIASES),
        )
    },
    CheckKind.JSON_OBJECT: (_any_limit(_json_object), "X", _json_object),
}
require_every_kind("record_checks", CHECKS)


@cache
def python_checks(spec: t.TableSpec) -> list[Check]:
    """One check per record column."""
    return [CHECKS[kind][0](limit) for kind, limit in zip(spec.kinds, spec.max_chars, strict=True)]


@cache
def c_checks(spec: t.TableSpec) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
    """The C twin's (kinds, arguments, length limits: 0 for none) for the table."""
    kinds = "".join(CHECKS[kind][1] for kind in spec.kinds)
    limits = tuple(limit or 0 for limit in spec.max_chars)
    return kinds, tuple(CHECKS[kind][2] for kind in spec.kinds), limits


# The value indexes bar_range_ok reads: start, end, open, high, low, close.
BAR_RULE_VALUES = (2, 3, 4, 5, 6, 7)


def bar_range_ok(row: list[Any]) -> bool:
    """The bar rule across columns (tables.bar_range_check) on a bar's stored values."""
    start, end, open_, high, low, close = (row[i] for i in BAR_RULE_VALUES)
    return low <= min(open_, close) and high >= max(open_, close) and (end is None or end >= start)
