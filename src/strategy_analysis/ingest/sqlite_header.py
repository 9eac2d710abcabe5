"""What the 100-byte header of a SQLite file says: the size of the database it holds and
whether it is in WAL mode (sqlite.org/fileformat.html, "The Database Header")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
HEADER_BYTES = 100
WAL_VERSION = 2


@dataclass(frozen=True)
class SqliteHeader:
    page_size: int
    # None where the header's count is not valid (written by SQLite before 3.7.0).
    page_count: int | None
    # Read and write format version 2: the database is in WAL mode, so committed pages
    # may still be in its -wal file rather than in the file itself.
    wal_mode: bool
    change_counter: int

    @property
    def declared_size(self) -> int | None:
        """The bytes the database occupies, when the header says."""
        return None if not self.page_count else self.page_size * self.page_count

    @classmethod
    def parse(cls, header: bytes) -> SqliteHeader | None:
        """None when ``header`` is not (the whole of) a SQLite header."""
        if len(header) < HEADER_BYTES or not header.startswith(SQLITE_HEADER):
            return None
        page_size = int.from_bytes(header[16:18], "big")
        # The page count is valid when the change counter matches version-valid-for.
        counter = int.from_bytes(header[24:28], "big")
        valid = header[24:28] == header[92:96]
        return cls(
            page_size=65536 if page_size == 1 else page_size,
            page_count=int.from_bytes(header[28:32], "big") if valid else None,
            wal_mode=WAL_VERSION in (header[18], header[19]),
            change_counter=counter,
        )


def read_header(path: Path) -> SqliteHeader | None:
    """The header of the file at ``path``; None when it is not SQLite or shorter than a
    header. OSError when it cannot be read."""
    with path.open("rb") as handle:
        return SqliteHeader.parse(handle.read(HEADER_BYTES))


def sidecar(path: Path, suffix: str) -> Path:
    """SQLite's file beside ``path``: ``-wal``, ``-shm`` or ``-journal``."""
    return path.with_name(path.name + suffix)
