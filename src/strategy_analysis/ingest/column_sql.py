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
"""

from __future__ import annotations

from dataclasses import dataclass

from ..contract.enums import ORDER_TYPE_ALIASES, SIDE_ALIASES, STATUS_ALIASES

# ASCII whitespace as one literal (control characters are valid inside an SQL string); an
# expression such as char(9, ...) would be evaluated again for every row.
_WS = "' \t\n\r\x0b\x0c'"
_MAX_DOUBLE = "1.7976931348623157e308"

BAD = "x'00'"
REQUIRED = "{v} IS NOT NULL"
OPTIONAL = "typeof({v}) <> 'blob'"


@dataclass(frozen=True)
class Check:
    value: str
    ok: str  # a template over {v} (the value; {r}, the raw column, is also available)


def _nonblank(c: str) -> str:
    # A first character above space settles it without building a trimmed copy.
    return f"(typeof({c}) = 'text' AND (unicode({c}) > 32 OR trim({c}, {_WS}) <> ''))"


def required_text(c: str) -> Check:
    return Check(f"CASE WHEN {_nonblank(c)} THEN {c} END", REQUIRED)


def _text_or_null(c: str) -> str:
    """The text, NULL when blank; only for a text value."""
    return f"CASE WHEN unicode({c}) > 32 OR trim({c}, {_WS}) <> '' THEN {c} END"


def optional_text(c: str) -> Check:
    value = (
        f"CASE typeof({c}) WHEN 'text' THEN {_text_or_null(c)} WHEN 'null' THEN NULL ELSE {BAD} END"
    )
    return Check(value, OPTIONAL)


def text_with_default(c: str, default: str) -> Check:
    """Required text that a Metadata value (a bound parameter) fills when blank."""
    value = (
        f"CASE typeof({c}) WHEN 'text' THEN COALESCE({_text_or_null(c)}, {default})"
        f" WHEN 'null' THEN {default} END"
    )
    return Check(value, REQUIRED)


def text_or_literal(c: str, literal: str) -> Check:
    value = (
        f"CASE typeof({c}) WHEN 'text' THEN COALESCE({_text_or_null(c)}, '{literal}')"
        f" WHEN 'null' THEN '{literal}' END"
    )
    return Check(value, REQUIRED)


def _finite(c: str, extra: str = "") -> str:
    return f"(typeof({c}) IN ('integer', 'real') AND abs({c}) <= {_MAX_DOUBLE}{extra})"


def number(c: str, *, minimum: str = "", required: bool = True) -> Check:
    """``minimum``: '' (any finite), '> 0' or '>= 0'."""
    extra = f" AND {c} {minimum}" if minimum else ""
    if required:
        return Check(f"CASE WHEN {_finite(c, extra)} THEN CAST({c} AS REAL) END", REQUIRED)
    value = (
        f"CASE WHEN {c} IS NULL THEN NULL WHEN {_finite(c, extra)} THEN CAST({c} AS REAL)"
        f" ELSE {BAD} END"
    )
    return Check(value, OPTIONAL)


def fee(c: str) -> Check:
    finite = _finite(c, f" AND {c} >= 0")
    value = f"CASE WHEN {c} IS NULL THEN 0.0 WHEN {finite} THEN CAST({c} AS REAL) END"
    return Check(value, REQUIRED)


def timestamp(c: str, *, required: bool = True) -> Check:
    # The first 19 characters must be a real instant in canonical layout: SQLite's
    # datetime() normalises anything odd (02-30, 24:00, a missing digit, another
    # separator), so only a canonical head equals its normalised self. Then nothing, or
    # '.' + 1-7 digits, then at most one Z. Offsets and other forms go to the model.
    # The common 6-7 digit forms are cut, not rebuilt: the cheapest expression wins here,
    # as it runs for every timestamp of a file.
    head = f"replace(substr({c}, 1, 19), 'T', ' ')"
    tail = f"ltrim(substr({c}, 21), '0123456789')"
    digits = (
        f"(CASE {tail} WHEN '' THEN length({c}) - 20"
        f" WHEN 'Z' THEN length({c}) - 21 WHEN 'z' THEN length({c}) - 21 END)"
    )
    value = (
        f"CASE WHEN typeof({c}) = 'text' AND datetime(substr({c}, 1, 19), '+0 days') = {head}"
        f" AND substr({c}, 1, 4) <> '0000' THEN"
        f" CASE WHEN substr({c}, 20, 1) = '.' THEN"
        f" CASE WHEN {digits} BETWEEN 6 AND 7 THEN replace(substr({c}, 1, 26), 'T', ' ')"
        f" WHEN {digits} BETWEEN 1 AND 5"
        f" THEN {head} || '.' || substr(substr({c}, 21, {digits}) || '00000', 1, 6) END"
        f" WHEN length({c}) = 19 OR (length({c}) = 20 AND substr({c}, 20) IN ('Z', 'z'))"
        f" THEN {head} || '.000000' END END"
    )
    if required:
        return Check(value, REQUIRED)
    return Check(f"CASE WHEN {c} IS NULL THEN NULL ELSE coalesce({value}, {BAD}) END", OPTIONAL)


def enumeration(c: str, aliases: dict[str, str]) -> Check:
    whens = " ".join(f"WHEN '{alias}' THEN '{canonical}'" for alias, canonical in aliases.items())
    # Canonical spellings first: they need no lower-cased, trimmed copy.
    exact = " ".join(f"WHEN '{v}' THEN '{v}'" for v in sorted(set(aliases.values())))
    value = (
        f"CASE WHEN typeof({c}) = 'text' THEN CASE {c} {exact}"
        f" ELSE CASE lower(trim({c}, {_WS})) {whens} END END END"
    )
    return Check(value, REQUIRED)


def side(c: str) -> Check:
    return enumeration(c, SIDE_ALIASES)


def order_type(c: str) -> Check:
    return enumeration(c, ORDER_TYPE_ALIASES)


def status(c: str) -> Check:
    return enumeration(c, STATUS_ALIASES)


def json_object_text(c: str) -> Check:
    valid = f"json_valid({c}) AND json_type({c}) = 'object'"
    value = (
        f"CASE typeof({c}) WHEN 'null' THEN NULL WHEN 'text' THEN"
        f" CASE WHEN unicode({c}) <= 32 AND trim({c}, {_WS}) = '' THEN NULL"
        f" WHEN {valid} THEN {c} ELSE {BAD} END ELSE {BAD} END"
    )
    return Check(value, OPTIONAL)
