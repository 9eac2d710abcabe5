"""PostgreSQL binary COPY payloads built from numpy columns, a chunk of rows at a time.

Formatting rows in Python (text COPY, or psycopg's ``write_row``) costs microseconds per
row; here every column is encoded with array operations (big-endian numbers, UTF-8 text)
and the fields are scattered into one buffer per chunk, so a million rows take well under a
second. Format: https://www.postgresql.org/docs/current/sql-copy.html (Binary Format).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .columns import NO_TIME

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
# PostgreSQL timestamps count microseconds from 2000-01-01 UTC.
_PG_EPOCH_OFFSET = 946_684_800_000_000
_CHUNK_ROWS = 50_000

FLOAT8, INT8, INT4, TIMESTAMPTZ, TEXT = "float8", "int8", "int4", "timestamptz", "text"
_FIXED = {FLOAT8: ">f8", INT8: ">i8", INT4: ">i4", TIMESTAMPTZ: ">i8"}


@dataclass
class _Encoded:
    lengths: np.ndarray  # int64 per row: payload bytes, -1 for NULL
    payload: np.ndarray  # uint8: the non-NULL payloads, row after row
    width: int | None  # fixed payload width when no row is NULL


def _encode(values: np.ndarray, kind: str) -> _Encoded:
    n = len(values)
    if kind == TEXT:
        null = np.equal(values, None)
        present = values[~null].tolist()
        joined = "".join(present)
        data = joined.encode("utf-8")
        if len(data) == len(joined):
            sizes = np.fromiter(map(len, present), dtype=np.int64, count=len(present))
        else:
            sizes = np.fromiter(
                (len(s.encode("utf-8")) for s in present), dtype=np.int64, count=len(present)
            )
        lengths = np.full(n, -1, dtype=np.int64)
        lengths[~null] = sizes
        return _Encoded(lengths, np.frombuffer(data, dtype=np.uint8), None)
    if kind == FLOAT8:
        null = np.isnan(values)
        raw = values
    else:
        null = values == NO_TIME
        raw = values - _PG_EPOCH_OFFSET if kind == TIMESTAMPTZ else values
    fmt = _FIXED[kind]
    width = np.dtype(fmt).itemsize
    payload = np.ascontiguousarray(raw[~null].astype(fmt)).view(np.uint8)
    lengths = np.where(null, -1, width).astype(np.int64)
    return _Encoded(lengths, payload, None if null.any() else width)


def _place_fixed(out: np.ndarray, cursor: np.ndarray, block: np.ndarray) -> None:
    width = block.shape[1]
    out[cursor[:, None] + np.arange(width)] = block


def encode_rows(columns: Sequence[np.ndarray], kinds: Sequence[str]) -> bytes:
    """The binary tuples of ``columns`` (no file header or trailer)."""
    n = len(columns[0])
    encoded = [_encode(np.asarray(c), k) for c, k in zip(columns, kinds, strict=True)]
    payload_sizes = [np.maximum(e.lengths, 0) for e in encoded]
    row_size = 2 + 4 * len(encoded) + np.sum(payload_sizes, axis=0)
    row_start = np.cumsum(row_size) - row_size
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    cursor = row_start.copy()
    field_count = np.array([len(encoded)], dtype=">i2").view(np.uint8)
    _place_fixed(out, cursor, np.broadcast_to(field_count, (n, 2)))
    cursor += 2
    for e, size in zip(encoded, payload_sizes, strict=True):
        _place_fixed(out, cursor, e.lengths.astype(">i4").view(np.uint8).reshape(n, 4))
        cursor += 4
        if e.width is not None:
            _place_fixed(out, cursor, e.payload.reshape(n, e.width))
        elif len(e.payload):
            source_start = np.cumsum(size) - size
            index = np.repeat(cursor - source_start, size) + np.arange(len(e.payload))
            out[index] = e.payload
        cursor += size
    return out.tobytes()


def binary_copy_chunks(
    columns: Sequence[np.ndarray], kinds: Sequence[str], chunk_rows: int = _CHUNK_ROWS
) -> Iterator[bytes]:
    """The complete COPY ... (FORMAT BINARY) stream: header, tuples by chunk, trailer."""
    yield HEADER
    n = len(columns[0]) if columns else 0
    for start in range(0, n, chunk_rows):
        stop = min(n, start + chunk_rows)
        yield encode_rows([c[start:stop] for c in columns], kinds)
    yield TRAILER


def decode_fixed_rows(data: bytes, kinds: Sequence[str]) -> list[np.ndarray]:
    """Columns from a ``COPY ... TO STDOUT (FORMAT BINARY)`` of fixed-width, non-NULL fields.

    Every row has the same layout, so the whole stream is one structured array.
    """
    if not data.startswith(HEADER[:11]):
        raise ValueError("not a PostgreSQL binary COPY stream")
    extension = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[19 + extension :]
    if bytes(body[-2:]) != TRAILER:
        raise ValueError("binary COPY stream without its trailer")
    body = body[:-2]
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for j, kind in enumerate(kinds):
        fields += [(f"len{j}", ">i4"), (f"v{j}", _FIXED[kind])]
    rows = np.frombuffer(body, dtype=np.dtype(fields))
    for j, kind in enumerate(kinds):
        if len(rows) and not np.all(rows[f"len{j}"] == np.dtype(_FIXED[kind]).itemsize):
            raise ValueError(f"binary COPY column {j} has NULLs or an unexpected type")
    columns = []
    for j, kind in enumerate(kinds):
        values = rows[f"v{j}"].astype(_FIXED[kind][1:])
        columns.append(values + _PG_EPOCH_OFFSET if kind == TIMESTAMPTZ else values)
    return columns
