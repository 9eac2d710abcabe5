"""The lines of a PostgreSQL ``COPY``: which columns a line fills and what a chunk of them holds.

Shared by the writers of the COPY text (``copy_text``, ``c_copy_lines``) and its readers in
the store (``store.upsert_postgres``, ``store.direct_copy_postgres``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .report import RejectedRecord

# NULL in the COPY text: no stored value is an empty string (blank text is NULL), and
# printf renders NULL as ''. A row from the model goes through a COPY of its own.
COPY_NULL = ""


class CopyLayout(Enum):
    """The columns of a line: a stage's, or the table's own (copied straight into it)."""

    STAGE = "stage"  # pos, values
    TABLE = "table"  # values (bars)
    RUN_TABLE = "run_table"  # run_id, values (orders)
    RUN_TABLE_SEQUENCED = "run_table_sequenced"  # run_id, values, sequence = pos (executions)

    def columns(self, spec_columns: tuple[str, ...]) -> tuple[str, ...]:
        """The table's columns a line fills, in order."""
        if self is CopyLayout.STAGE:
            return ("pos", *spec_columns)
        if self is CopyLayout.TABLE:
            return spec_columns
        if self is CopyLayout.RUN_TABLE:
            return ("run_id", *spec_columns)
        return ("run_id", *spec_columns, "sequence")

    def row(self, row: tuple[Any, ...], run_id: str | None) -> tuple[Any, ...]:
        """A model row (pos, values) laid out as a line."""
        if self is CopyLayout.STAGE:
            return row
        if self is CopyLayout.TABLE:
            return row[1:]
        if self is CopyLayout.RUN_TABLE:
            return (run_id, *row[1:])
        return (run_id, *row[1:], row[0])


@dataclass
class CopyChunk:
    text: str  # COPY text lines (no trailing newline), '' when none
    lines: int
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # (pos, values) from the model
    rejected: list[RejectedRecord] = field(default_factory=list)
    positions_done: int = 0
    aside_text: str = ""  # valid rows put aside, laid out for the stage
    aside_lines: int = 0
    # Of the text's rows (both parts), for a direct copy: data times and symbols
    first_time: str | None = None
    last_time: str | None = None
    symbols: list[str] = field(default_factory=list)
