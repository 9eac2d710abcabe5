"""An export table as found in a file: its spec, its name and its columns as spelled there."""

from __future__ import annotations

from dataclasses import dataclass

from .tables import TableSpec


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class SourceTable:
    spec: TableSpec
    name: str  # as spelled in the file
    columns: dict[str, str]  # contract column -> as spelled in the file (present ones only)
