"""The C fast path of the COPY text (``_copy_lines.c``): its plan per table and its reader.

The C code checks text (its length, NUL characters, valid UTF-8), numbers and timestamps
itself, a subset of ``column_sql``'s checks, and formats the line in one pass; every other
column's check (enumerations, Metadata defaults, JSON) is computed by SQLite in its
SELECT, less the test of the text, which the C code makes on the value. A chunk holding any value the
C code is not sure of (a timestamp with an offset, a number stored as text, an invalid
value) is refused whole and takes the SQL path, so the stored rows are always the SQL
path's (numbers written with fewer digits, the same doubles), only faster. Without the
compiled module (no compiler at install time) every chunk takes the SQL path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contract.checks import CheckKind, require_every_kind
from .column_sql import REQUIRED
from .copy_layout import CopyLayout
from .source_table import SourceTable, quote

try:
    # compiled and optional (setup.py): no stub; this module is its typed interface
    from . import _copy_lines  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a build without a C compiler
    _copy_lines = None

# The C reader's letter for each kind it checks itself; None: the value is checked in SQL
# (its text test aside) and handed to the reader as S (required) or s (optional).
READER_KINDS: dict[CheckKind, str | None] = {
    CheckKind.TEXT: "T",
    CheckKind.OPTIONAL_TEXT: "t",
    CheckKind.TEXT_OR_RUN_STRATEGY: None,
    CheckKind.TEXT_OR_RUN_ACCOUNT: None,
    CheckKind.TEXT_OR_GTC: None,
    CheckKind.NUMBER: "N",
    CheckKind.OPTIONAL_NUMBER: "n",
    CheckKind.POSITIVE: "P",
    CheckKind.OPTIONAL_POSITIVE: "p",
    CheckKind.QUANTITY: "Q",
    CheckKind.NON_NEGATIVE: "Z",
    CheckKind.FEE: "F",
    CheckKind.TIMESTAMP: "D",
    CheckKind.OPTIONAL_TIMESTAMP: "d",
    CheckKind.SIDE: None,
    CheckKind.ORDER_TYPE: None,
    CheckKind.ORDER_STATUS: None,
    CheckKind.JSON_OBJECT: None,
}
require_every_kind("_copy_lines", READER_KINDS)

_LAYOUT_CODES = {"stage": 0, "table": 1, "run_table": 2, "run_table_sequenced": 3}


def available() -> bool:
    return _copy_lines is not None


@dataclass(frozen=True)
class CPlan:
    """What the C reader runs for one table in one layout."""

    sql: str  # pos, then one value per column (raw, or checked in SQL), over :lo, :hi
    kinds: str  # one letter per column (READER_KINDS; S/s: checked in SQL)
    layout: int
    time_index: int  # the column whose min and max a direct copy reports; -1: none
    symbol_index: int
    bar_rule: bool
    aside: bytes  # 1 for a column whose NULL puts the row aside (laid out for the stage)
    limits: tuple[int, ...]  # each text column's length limit in characters (0: none)


def c_plan(source: SourceTable, layout: CopyLayout, aside: tuple[str, ...]) -> CPlan:
    spec = source.spec
    values, kinds = [], []
    for i, (column, check_kind) in enumerate(zip(spec.record.COLUMNS, spec.kinds, strict=True)):
        raw = quote(source.columns[column]) if column in source.columns else "NULL"
        kind = READER_KINDS[check_kind]
        if kind is None:
            check = spec.column_check(i, raw)
            kind = "S" if check.ok == REQUIRED else "s"
            # the C code tests the text itself
            values.append(check.reader_value or check.value)
        else:
            values.append(raw)
        kinds.append(kind)
    sql = (
        f"SELECT rowid, {', '.join(values)} FROM {quote(source.name)}"
        " WHERE rowid BETWEEN :lo AND :hi"
    )
    direct = layout.value != "stage"
    time_index = (
        spec.columns.index(spec.time_column) if direct and spec.time_column is not None else -1
    )
    symbol_index = spec.columns.index("symbol") if time_index >= 0 else -1
    return CPlan(
        sql=sql,
        kinds="".join(kinds),
        layout=_LAYOUT_CODES[layout.value],
        time_index=time_index,
        symbol_index=symbol_index,
        bar_rule=spec.bar_rule,
        aside=bytes(1 if c in aside else 0 for c in spec.columns),
        limits=tuple(limit or 0 for limit in spec.max_chars),
    )


@dataclass
class CLines:
    text: str
    lines: int
    aside_text: str
    aside_lines: int
    first_time: str | None
    last_time: str | None
    symbols: list[str]


class CReader:
    """The C reader's own read-only connection to an export."""

    def __init__(self, uri: str) -> None:
        assert _copy_lines is not None
        self._reader = _copy_lines.Reader(uri)

    def lines(self, plan: CPlan, params: dict[str, Any]) -> CLines | None:
        """The chunk's lines, or None: the chunk takes the SQL path."""
        got = self._reader.lines(
            plan.sql,
            params,
            plan.kinds,
            params.get("run_id"),
            plan.layout,
            plan.time_index,
            plan.symbol_index,
            int(plan.bar_rule),
            plan.aside,
            plan.limits,
        )
        return None if got is None else CLines(*got)

    def close(self) -> None:
        self._reader.close()
