"""Set-wise validation of export rows in SQLite SQL: the fast path of the file reader.

For every contract column ``value`` is an SQL expression over the raw column that yields
the stored value (canonical enum, UTC timestamp text, float) when the raw value passes a
strict check; otherwise NULL for a required column and a blob (``BAD``, a type no valid
value has) for an optional one, whose NULL is legitimate. ``ok`` decides from the value
(``{v}``) whether the column passes, so the raw column is read only once. Rows whose columns all pass are exactly rows
the pydantic models accept with the same stored values; any other row (an offset on a
timestamp, a number stored as text, an invalid value) goes through the pydantic model,
which converts it or rejects it with the reason. The checks are narrower than the
contract, never wider.

A text passes only within its column's length, without a NUL character and as valid
UTF-8; a number only within its range (``contract.values``). The SQL forms cannot tell
valid UTF-8 apart, so they take ASCII text only and leave any other text to the model;
the C forms (``c_value``) take every valid text.

A re-import compares the raw values with the stored ones first: ``same`` (over the raw
``{r}`` and the stored ``{t}``) is true only when the check would pass and store exactly
``{t}``, a cheaper test than computing the value; ``probe`` is the raw key in its stored
form, to look the stored row up. Rows it does not settle take the full check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..contract.checks import CheckKind, require_every_kind
from ..contract.enums import ORDER_TYPE_ALIASES, SIDE_ALIASES, STATUS_ALIASES
from ..contract.values import MAX_AMOUNT, MAX_QUANTITY, MIN_QUANTITY

# ASCII whitespace as one literal (control characters are valid inside an SQL string); an
# expression such as char(9, ...) would be evaluated again for every row.
_WS = "' \t\n\r\x0b\x0c'"
# Any character but ASCII (NUL aside), as a GLOB class.
_NOT_ASCII = "'*[^\x01-\x7f]*'"

BAD = "x'00'"
REQUIRED = "{v} IS NOT NULL"
OPTIONAL = "typeof({v}) <> 'blob'"


# Without affinity on either side (the unary +), a value equals only a value of its own
# storage class (an integer its equal real): text never equals a number.
SAME = "+{t} IS +{r}"


@dataclass(frozen=True)
class Check:
    value: str
    ok: str  # a template over {v} (the value; {r}, the raw column, is also available)
    same: str = SAME
    probe: str = "+{r}"
    # ``value`` by the SQL functions in C (db.sqlite_functions), on a connection that has them
    c_value: str | None = None
    # an optional column's ``c_value`` that fails the statement (sa_invalid) where
    # ``c_value`` gives BAD
    c_strict: str | None = None
    # ``value`` for a reader that tests the text itself (length, NUL, UTF-8, as
    # _copy_lines.c does): the SQL form without its own text test
    reader_value: str | None = None
    # ``same`` by the SQL functions in C, on a connection that has them
    c_same: str | None = None

    def same_on(self, functions: bool) -> str:
        """``same`` for a connection with (``functions``) or without the C functions."""
        return self.c_same if functions and self.c_same else self.same

    def value_on(self, functions: bool) -> str:
        """``value`` for a connection with (``functions``) or without the C functions."""
        return self.c_value if functions and self.c_value else self.value

    def strict_on(self, functions: bool) -> str | None:
        """The value where no stored value can be BAD: a failing optional value fails the
        statement instead. None when there is no such form (no C functions)."""
        if not functions:
            return None
        if self.ok == REQUIRED:
            return self.value_on(functions)
        return self.c_strict


_INVALID = "sa_invalid()"


def _nonblank(c: str) -> str:
    """Whether a text holds more than whitespace (NULL for an empty text: not true). A
    first character above space settles it without building a trimmed copy."""
    return f"(unicode({c}) > 32 OR trim({c}, {_WS}) <> '')"


def _storable_ascii(c: str, max_chars: int | None) -> str:
    """Whether a text holds ASCII only, no NUL (``length`` counts the characters before
    one) and at most ``max_chars`` of them."""
    within = f" AND length(CAST({c} AS BLOB)) <= {max_chars}" if max_chars else ""
    return f"(length({c}) = length(CAST({c} AS BLOB)) AND NOT {c} GLOB {_NOT_ASCII}{within})"


def _text_case(c: str, max_chars: int | None, blank: str, bad: str) -> str:
    """SQL form: the text when it passes; ``blank`` for NULL or a blank text; ``bad``
    for anything else."""
    return (
        f"CASE typeof({c}) WHEN 'null' THEN {blank} WHEN 'text' THEN CASE WHEN {_nonblank(c)}"
        f" THEN CASE WHEN {_storable_ascii(c, max_chars)} THEN {c} ELSE {bad} END"
        f" ELSE {blank} END ELSE {bad} END"
    )


def _c_text_case(c: str, max_chars: int | None, blank: str, bad: str) -> str:
    """``_text_case`` by the C test (see _sqlite_functions.c), which takes any valid UTF-8."""
    return f"CASE sa_text({c}, {max_chars or 0}) WHEN 1 THEN {c} WHEN 0 THEN {blank} ELSE {bad} END"


def required_text(c: str, max_chars: int | None = None) -> Check:
    return Check(
        _text_case(c, max_chars, "NULL", "NULL"),
        REQUIRED,
        c_value=_c_text_case(c, max_chars, "NULL", "NULL"),
    )


def optional_text(c: str, max_chars: int | None = None) -> Check:
    return Check(
        _text_case(c, max_chars, "NULL", BAD),
        OPTIONAL,
        c_value=_c_text_case(c, max_chars, "NULL", BAD),
        c_strict=_c_text_case(c, max_chars, "NULL", _INVALID),
    )


def text_with_default(c: str, default: str, max_chars: int | None = None) -> Check:
    """Required text that a Metadata value (a bound parameter) fills when blank."""
    return Check(
        _text_case(c, max_chars, default, "NULL"),
        REQUIRED,
        c_value=_c_text_case(c, max_chars, default, "NULL"),
        reader_value=(
            f"CASE typeof({c}) WHEN 'null' THEN {default} WHEN 'text'"
            f" THEN CASE WHEN {_nonblank(c)} THEN {c} ELSE {default} END END"
        ),
    )


def text_or_literal(c: str, literal: str, max_chars: int | None = None) -> Check:
    return text_with_default(c, f"'{literal}'", max_chars)


# sa_real's codes for the ranges
_RANGE_CODES = {"": 0, "> 0": 1, ">= 0": 2, "quantity": 3}


def _in_range(c: str, minimum: str) -> str:
    """Whether the value is a number (an integer or a real: not a text, nor infinity) in
    the range. No abs(): for the smallest integer it overflows (an error)."""
    high = repr(MAX_AMOUNT)
    bounds = {
        "": f"{c} BETWEEN {-MAX_AMOUNT!r} AND {high}",
        "> 0": f"{c} > 0 AND {c} <= {high}",
        ">= 0": f"{c} BETWEEN 0 AND {high}",
        "quantity": f"{c} BETWEEN {MIN_QUANTITY!r} AND {MAX_QUANTITY!r}",
    }[minimum]
    return f"(typeof({c}) IN ('integer', 'real') AND {bounds})"


def number(c: str, *, minimum: str = "", required: bool = True) -> Check:
    """``minimum``: '' (any), '> 0', '>= 0', or 'quantity' (``MIN_QUANTITY`` to
    ``MAX_QUANTITY``); any other number within ``MAX_AMOUNT`` in magnitude."""
    passes = _in_range(c, minimum)
    real = f"sa_real({c}, {_RANGE_CODES[minimum]})"
    if required:
        value = f"CASE WHEN {passes} THEN CAST({c} AS REAL) END"
        return Check(value, REQUIRED, c_value=real)
    value = f"CASE WHEN {c} IS NULL THEN NULL WHEN {passes} THEN CAST({c} AS REAL) ELSE {BAD} END"

    def c_value(bad: str) -> str:
        return f"CASE WHEN {c} IS NULL THEN NULL ELSE coalesce({real}, {bad}) END"

    return Check(value, OPTIONAL, c_value=c_value(BAD), c_strict=c_value(_INVALID))


def fee(c: str) -> Check:
    passes = _in_range(c, ">= 0")
    value = f"CASE WHEN {c} IS NULL THEN 0.0 WHEN {passes} THEN CAST({c} AS REAL) END"
    c_value = f"CASE WHEN {c} IS NULL THEN 0.0 ELSE sa_real({c}, 2) END"
    return Check(value, REQUIRED, c_value=c_value)


_DIGIT = "[0-9]"
# The canonical layout; the classes leave only a few ranges to test apart (see _real_instant).
_LAYOUT = f"{_DIGIT * 4}-[01]{_DIGIT}-[0-3]{_DIGIT}[T ][0-2]{_DIGIT}:[0-5]{_DIGIT}:[0-5]{_DIGIT}"


def _timestamp_forms() -> dict[int, list[tuple[str, int]]]:
    """Byte length -> (GLOB pattern, fractional digits) of every form the fast path takes:
    the layout, then nothing or '.' and 1-7 digits, then nothing or one Z. .NET's "o"
    (7 digits and Z) and Python's (6 digits) come first within a length."""
    forms: dict[int, list[tuple[str, int]]] = {}
    for digits in (7, 6, 0, 1, 2, 3, 4, 5):
        fraction = "." + _DIGIT * digits if digits else ""
        for zone in ("[Zz]", ""):
            length = 19 + (digits + 1 if digits else 0) + (1 if zone else 0)
            forms.setdefault(length, []).append((_LAYOUT + fraction + zone, digits))
    return dict(sorted(forms.items(), reverse=True))


def _real_instant(c: str) -> str:
    """The ranges the layout's classes leave open, on a value in that layout: month 01-12,
    hour below 24, year not 0000, a day that exists. Days 01-28 exist in every month; only
    29-31 need date(), whose '+0 days' moves a day past its month's end into the next month."""
    return (
        f"substr({c}, 6, 2) BETWEEN '01' AND '12' AND substr({c}, 12, 2) < '24'"
        f" AND {c} >= '0001' AND (substr({c}, 9, 2) BETWEEN '01' AND '28'"
        f" OR (substr({c}, 9, 2) <= '31' AND date(substr({c}, 1, 10), '+0 days') = substr({c}, 1, 10)))"
    )


def _stored_instant(c: str, digits: int) -> str:
    """The stored text of a value in the form with ``digits`` fractional digits."""
    if digits >= 6:  # a seventh digit is cut, not rounded
        return f"replace(substr({c}, 1, 26), 'T', ' ')"
    if digits == 0:
        return f"replace(substr({c}, 1, 19), 'T', ' ') || '.000000'"
    return f"replace(substr({c}, 1, {20 + digits}), 'T', ' ') || '{'0' * (6 - digits)}'"


# The raw value is the stored text, with a 'T' or a space, maybe a seventh digit and a Z.
_SAME_TIMESTAMP = (
    "({r} IS NULL AND {t} IS NULL) OR (typeof({r}) = 'text'"
    " AND {t} = replace(substr({r}, 1, 26), 'T', ' ') AND CASE length(CAST({r} AS BLOB))"
    f" WHEN 26 THEN 1 WHEN 27 THEN {{r}} GLOB '{'?' * 26}[0-9Zz]'"
    f" WHEN 28 THEN {{r}} GLOB '{'?' * 26}[0-9][Zz]' ELSE 0 END)"
)
_PROBE_TIMESTAMP = "replace(substr({r}, 1, 26), 'T', ' ')"
# The same by the C rule: a value it does not take (NULL) leaves a stored one unsettled, so
# such a row takes the full check. Half the cost of the SQL form's substr, replace and GLOB.
_C_SAME_TIMESTAMP = "{t} IS sa_timestamp_text({r})"


def timestamp(c: str, *, required: bool = True) -> Check:
    # GLOB patterns and substring ranges cost a fraction of parsing with datetime(). The
    # byte length picks the patterns to try and, as a pattern's length must equal it, also
    # keeps out a NUL character, which would end the text GLOB sees. Offsets, a lower-case
    # 't' and other forms go to the model.
    whens = []
    for length, forms in _timestamp_forms().items():
        tests = " ".join(
            f"WHEN {c} GLOB '{pattern}' THEN {_stored_instant(c, digits)}"
            for pattern, digits in forms
        )
        whens.append(f"WHEN {length} THEN CASE {tests} END")
    value = (
        f"CASE WHEN typeof({c}) = 'text' AND {_real_instant(c)} THEN"
        f" CASE length(CAST({c} AS BLOB)) {' '.join(whens)} END END"
    )
    # The same rule in C (_timestamp_text.h), a tenth of the cost.
    c_value = f"sa_timestamp_text({c})"
    if required:
        return Check(
            value, REQUIRED, _SAME_TIMESTAMP, _PROBE_TIMESTAMP, c_value, c_same=_C_SAME_TIMESTAMP
        )

    def optional(v: str, bad: str = BAD) -> str:
        return f"CASE WHEN {c} IS NULL THEN NULL ELSE coalesce({v}, {bad}) END"

    return Check(
        optional(value),
        OPTIONAL,
        _SAME_TIMESTAMP,
        _PROBE_TIMESTAMP,
        optional(c_value),
        optional(c_value, _INVALID),
        c_same=_C_SAME_TIMESTAMP,
    )


def enumeration(c: str, aliases: dict[str, str]) -> Check:
    whens = " ".join(f"WHEN '{alias}' THEN '{canonical}'" for alias, canonical in aliases.items())
    # Canonical spellings first: they need no lower-cased, trimmed copy, nor the type test
    # (only a text equals a text literal).
    exact = " ".join(f"WHEN '{v}' THEN '{v}'" for v in sorted(set(aliases.values())))
    value = (
        f"CASE {c} {exact} ELSE CASE WHEN typeof({c}) = 'text'"
        f" THEN CASE lower(trim({c}, {_WS})) {whens} END END END"
    )
    return Check(value, REQUIRED)


def side(c: str) -> Check:
    return enumeration(c, SIDE_ALIASES)


def order_type(c: str) -> Check:
    return enumeration(c, ORDER_TYPE_ALIASES)


def status(c: str) -> Check:
    return enumeration(c, STATUS_ALIASES)


def json_object_text(c: str) -> Check:
    def value(storable: str, bad: str) -> str:
        valid = f"{storable} AND json_valid({c}) AND json_type({c}) = 'object'"
        return (
            f"CASE typeof({c}) WHEN 'null' THEN NULL WHEN 'text' THEN CASE WHEN {_nonblank(c)}"
            f" THEN CASE WHEN {valid} THEN {c} ELSE {bad} END ELSE NULL END ELSE {bad} END"
        )

    c_storable = f"sa_text({c}, 0) = 1"
    return Check(
        value(_storable_ascii(c, None), BAD),
        OPTIONAL,
        c_value=value(c_storable, BAD),
        c_strict=value(c_storable, _INVALID),
        reader_value=value("1", BAD),
    )


# Column checks that need the Metadata defaults, as SQL expressions (bound parameters).
DEFAULT_STRATEGY = ":default_strategy_id"
DEFAULT_ACCOUNT = ":default_account_id"

# Each kind's check over an SQL expression and the column's length limit (texts only).
CheckMaker = Callable[[str, int | None], Check]
CHECKS: dict[CheckKind, CheckMaker] = {
    CheckKind.TEXT: required_text,
    CheckKind.OPTIONAL_TEXT: optional_text,
    CheckKind.TEXT_OR_RUN_STRATEGY: lambda c, n: text_with_default(c, DEFAULT_STRATEGY, n),
    CheckKind.TEXT_OR_RUN_ACCOUNT: lambda c, n: text_with_default(c, DEFAULT_ACCOUNT, n),
    CheckKind.TEXT_OR_GTC: lambda c, n: text_or_literal(c, "GTC", n),
    CheckKind.NUMBER: lambda c, n: number(c),
    CheckKind.OPTIONAL_NUMBER: lambda c, n: number(c, required=False),
    CheckKind.POSITIVE: lambda c, n: number(c, minimum="> 0"),
    CheckKind.OPTIONAL_POSITIVE: lambda c, n: number(c, minimum="> 0", required=False),
    CheckKind.QUANTITY: lambda c, n: number(c, minimum="quantity"),
    CheckKind.NON_NEGATIVE: lambda c, n: number(c, minimum=">= 0"),
    CheckKind.FEE: lambda c, n: fee(c),
    CheckKind.TIMESTAMP: lambda c, n: timestamp(c),
    CheckKind.OPTIONAL_TIMESTAMP: lambda c, n: timestamp(c, required=False),
    CheckKind.SIDE: lambda c, n: side(c),
    CheckKind.ORDER_TYPE: lambda c, n: order_type(c),
    CheckKind.ORDER_STATUS: lambda c, n: status(c),
    CheckKind.JSON_OBJECT: lambda c, n: json_object_text(c),
}
require_every_kind("column_sql", CHECKS)
