"""What an uploaded file is, from its first bytes: a SQLite export or a gzip JSON batch."""

from __future__ import annotations

import enum
import zlib
from pathlib import Path

from ..errors import UnsupportedMediaError

SQLITE_HEADER = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"
# Enough of a gzip stream to see the start of the JSON inside.
_GZIP_PROBE_BYTES = 64 * 1024


class FileKind(enum.Enum):
    SQLITE = "sqlite"
    JSON_GZ = "json.gz"


class UnsupportedFileError(UnsupportedMediaError, ValueError):
    """The file is neither a SQLite export nor a gzip-compressed JSON batch."""


def _describe(head: bytes) -> str:
    if not head:
        return "the file is empty"
    printable = head[:16].decode("ascii", errors="replace")
    printable = "".join(ch if ch.isprintable() else "." for ch in printable)
    return f"it starts with {printable!r}"


def sniff(head: bytes) -> FileKind:
    """Classify by the first bytes (at least 64 KiB for gzip, where available)."""
    if head.startswith(SQLITE_HEADER):
        return FileKind.SQLITE
    if head.startswith(GZIP_MAGIC):
        try:
            inside = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        except zlib.error as exc:
            raise UnsupportedFileError(f"gzip data is corrupt: {exc}") from None
        text = inside.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith(b"{"):
            raise UnsupportedFileError(
                "a gzip upload must hold a JSON batch object (export-format.md section 2); "
                + _describe(text).replace("the file", "the content")
            )
        return FileKind.JSON_GZ
    raise UnsupportedFileError(
        "not an export: expected a SQLite database (.sqlite/.db) or a gzip-compressed JSON "
        f"batch (.json.gz), but {_describe(head)}"
    )


def sniff_file(path: Path) -> FileKind:
    with path.open("rb") as handle:
        return sniff(handle.read(_GZIP_PROBE_BYTES))
