"""What an import did: per-table counts, rejected records, conflicts, affected runs."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, Field, field_validator

from ..contract.values import MAX_JSON_DEPTH, shown_text

TABLES = ("instruments", "bars", "orders", "executions")
# How many rejected records and conflicts the report itself carries; the import record
# in the database keeps all of them.
REPORT_LIST_LIMIT = 1000


class TableCounts(BaseModel):
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    conflicts: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.rejected


class RejectedRecord(BaseModel):
    """A refused record as sent, shown so any database and any JSON answer can hold it:
    NUL characters and lone surrogates as escapes, long texts cut, deep nesting elided,
    integers beyond 64 bits and non-finite numbers as text."""

    table: str
    # rowid in the file, index in the batch
    position: int | None = None
    key: str | None = None
    reason: str
    record: dict[str, Any] | None = None

    @field_validator("key", "reason")
    @classmethod
    def _shown_text(cls, value: str | None) -> str | None:
        return None if value is None else shown_text(value)

    @field_validator("record")
    @classmethod
    def _shown_record(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else _shown(value, 1)


# Integers a JSON answer (orjson) and both databases' JSON columns hold.
_INT64 = (-(2**63), 2**63 - 1)


def _shown(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return shown_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value if _INT64[0] <= value <= _INT64[1] else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict | list) and depth > MAX_JSON_DEPTH:
        return f"(nested deeper than {MAX_JSON_DEPTH} levels)"
    if isinstance(value, dict):
        return {shown_text(str(k)): _shown(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v, depth + 1) for v in value]
    return value


class ConflictRecord(BaseModel):
    table: str
    run_id: str | None = None
    key: str
    old_values: dict[str, Any]
    new_values: dict[str, Any]
    kept_stored: bool = Field(
        default=False,
        description="True when the stored values stay (an instrument the user set); else "
        "the import's replaced them and old_values keeps what they were",
    )


def _empty_counts() -> dict[str, TableCounts]:
    return {table: TableCounts() for table in TABLES}


class ImportReport(BaseModel):
    import_id: int | None = None
    # succeeded | failed | refused | duplicate | dry_run
    status: str
    source: str
    file_name: str | None = None
    sha256: str | None = None
    size_bytes: int | None = None
    schema_version: str | None = None
    run_ids: list[str] = Field(default_factory=list)
    counts: dict[str, TableCounts] = Field(default_factory=_empty_counts)
    rejected: list[RejectedRecord] = Field(default_factory=list)
    conflicts: list[ConflictRecord] = Field(default_factory=list)
    error: str | None = None
    duration_seconds: float = 0.0
    # (run_id, symbol) whose trades must be rebuilt
    affected: list[tuple[str, str]] = Field(default_factory=list)
    # id of an earlier succeeded import of a file with the same sha256
    duplicate_of: int | None = None
    # What the user should know about how the file was read (a snapshot of a file being
    # written, a WAL-mode upload without its -wal).
    warnings: list[str] = Field(default_factory=list)
    # A dry run: the data-quality findings the import would produce (analytics.md "Data
    # quality"), each with its run_id, and their verdict (clean | warnings | errors).
    findings: list[dict[str, Any]] = Field(default_factory=list)
    verdict: str | None = None

    @property
    def rejected_total(self) -> int:
        return sum(c.rejected for c in self.counts.values())

    @property
    def conflict_total(self) -> int:
        return sum(c.conflicts for c in self.counts.values())

    def summary(self) -> str:
        """One human paragraph: ``Found 50 new orders, 0 conflicts ...``."""
        if self.status in ("refused", "failed"):
            what = "refused" if self.status == "refused" else "failed"
            return f"Import {what}: {self.error}"
        verb = "Found" if self.status == "dry_run" else "Imported"
        parts = []
        for table in TABLES:
            c = self.counts.get(table) or TableCounts()
            if c.total == 0 and table == "instruments":
                continue
            parts.append(
                f"{c.inserted} new {table}, {c.updated} changed, {c.unchanged} unchanged"
                + (f", {c.rejected} rejected" if c.rejected else "")
            )
        text = f"{verb} " + "; ".join(parts) + "."
        text += f" {self.conflict_total} conflicts, {self.rejected_total} rejected records."
        if self.duplicate_of is not None:
            text += f" This file was already imported (import {self.duplicate_of})."
        if self.status == "dry_run":
            text += " Dry run: nothing was written."
        return text
