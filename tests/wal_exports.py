"""Exports in WAL mode, as an exporter that keeps its file open leaves them."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_wal_export(source: Path, path: Path) -> sqlite3.Connection:
    """Write ``source``'s tables to ``path`` in WAL mode and keep the writer open: the
    tables are in the file, their rows only in ``path``-wal. Close the connection to
    move them into the file."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("ATTACH DATABASE ? AS source", (str(source),))
    tables = writer.execute(
        "SELECT name, sql FROM source.sqlite_master WHERE type = 'table'"
    ).fetchall()
    for _name, sql in tables:
        writer.execute(sql)
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    writer.execute("BEGIN")
    for name, _sql in tables:
        writer.execute(f'INSERT INTO main."{name}" SELECT * FROM source."{name}"')
    writer.execute("COMMIT")
    writer.execute("DETACH DATABASE source")
    return writer


def sidecars(folder: Path) -> list[str]:
    """SQLite's -wal, -shm and -journal files in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(("-wal", "-shm", "-journal")))
