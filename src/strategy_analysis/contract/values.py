"""What a stored value may be, whatever the transport and the database.

Text holds no NUL character (PostgreSQL text cannot hold one), is valid Unicode (no lone
surrogate; in a file, valid UTF-8) and fits its column: ids, symbols and names at most 200
characters, the limit the read endpoints take for an id, shorter codes less (each record
field declares its own). Numbers are finite; prices and amounts at most 1e15 in magnitude;
quantities from 1e-9 to 1e9, so the trade rebuild, which counts a position in integer
steps of at most 1e-9, can hold every one of them. JSON documents (a batch, a run's
parameters) nest at most 64 levels.

A record value outside these bounds rejects its record with the reason; a run value
refuses its batch or file (``UnstorableValueError``), since every record of it needs the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ID_CHARS = 200
MAX_AMOUNT = 1e15
MIN_QUANTITY = 1e-9
MAX_QUANTITY = 1e9
MAX_JSON_DEPTH = 64


class UnstorableValueError(ValueError):
    """A value no column can hold as sent: a NUL, a lone surrogate, too long, too deep."""


@dataclass(frozen=True)
class MaxChars:
    """Marks a text field with its column's length (read by the SQL and C checks, and
    shown as ``maxLength`` in its JSON schema)."""

    limit: int

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for option in target.get("anyOf", [target]):
            if option.get("type") == "string":
                option["maxLength"] = self.limit
        return schema


def text_fault(text: str, max_chars: int | None = None) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    if "\0" in text:
        return "contains a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode (a lone surrogate, or bytes that are not UTF-8)"
    if max_chars is not None and len(text) > max_chars:
        return f"is longer than {max_chars} characters ({len(text)})"
    return None


def json_fault(document: Any, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a decoded JSON document cannot be stored (a bad text in a key or a value, or
    nesting deeper than ``max_depth``; the document itself is level 1), or None."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            fault = text_fault(value)
        elif isinstance(value, dict | list):
            if depth > max_depth:
                return f"is nested deeper than {max_depth} levels"
            fault = None
            if isinstance(value, dict):
                pending.extend((k, depth) for k in value)
                pending.extend((v, depth + 1) for v in value.values())
            else:
                pending.extend((v, depth + 1) for v in value)
        else:
            continue
        if fault is not None:
            return fault
    return None


def bound_text(bound: float) -> str:
    """A bound as the docs write it: 1e-9, 1e9, 1e15."""
    mantissa, exponent = f"{bound:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


def shown_text(text: str, max_chars: int = 1000) -> str:
    """``text`` as a report may show and store it: a NUL as the two characters ``\\0``,
    a lone surrogate as its escape, at most ``max_chars`` characters."""
    if len(text) > max_chars:
        text = text[:max_chars] + f"... ({len(text)} characters)"
    if "\0" in text:
        text = text.replace("\0", "\\0")
    if not text.isascii():
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
