"""PostgreSQL text cannot hold a NUL character: there, a record with one is refused with
the reason, instead of failing its whole import (or being cut short by a formatter)."""

from __future__ import annotations

from typing import Any

from .export_file import jsonable
from .report import RejectedRecord
from .tables import TableSpec

Row = tuple[Any, ...]  # (position, stored values in spec.columns order)

try:
    from ._record_checks import any_nul_text
except ImportError:  # pragma: no cover - a build without a C compiler

    def any_nul_text(rows: list[Row]) -> bool:
        return "\0" in "".join(v for row in rows for v in row if type(v) is str)


def refuse_nul_text(spec: TableSpec, rows: list[Row]) -> tuple[list[Row], list[RejectedRecord]]:
    """``rows`` less those with a NUL character in a text value, and their rejections."""
    if not any_nul_text(rows):
        return rows, []
    kept, refused = [], []
    for row in rows:
        column = next(
            (
                c
                for c, v in zip(spec.columns, row[1:], strict=True)
                if isinstance(v, str) and "\0" in v
            ),
            None,
        )
        if column is None:
            kept.append(row)
            continue
        values = dict(zip(spec.record.COLUMNS, row[1:], strict=True))
        refused.append(
            RejectedRecord(
                table=spec.name,
                position=row[0],
                key=spec.key_text(values),
                reason=f"{column}: text contains a NUL character, which PostgreSQL cannot store",
                # shown as the two characters \0: JSON documents cannot hold NUL either
                record={
                    k: v.replace("\0", "\\0") if isinstance(v, str) else jsonable(v)
                    for k, v in values.items()
                },
            )
        )
    return kept, refused
