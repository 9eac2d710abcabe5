"""PostgreSQL binary COPY payloads built from numpy columns, a chunk of rows at a time.

Formatting rows in Python (text COPY, or psycopg's ``write_row``) costs microseconds per
row; here every column is encoded with array operations (big-endian numbers, UTF-8 text)
and the fields are scattered into one buffer per chunk, so a million rows take well under a
second. Format: https://www.postgresql.org/docs/current/sql-copy.html (Binary Format).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .columns import NO_TIME

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
# PostgreSQL timestamps count microseconds from 2000-01-01 UTC.
_PG_EPOCH_OFFSET = 946_684_800_000_000
_CHUNK_ROWS = 10_000

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
        null = np.equal(values, None)  # type: ignore[call-overload]  # numpy's stubs refuse None
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


def _place_fixed(out: np.ndarray, cursor: np.ndarray, blocks: list[np.ndarray]) -> None:
    """``blocks`` (each of a width of bytes per row) side by side at ``cursor``, which then
    moves past them: one row copy per row through a view of ``out`` whose rows start one
    byte apart (a byte index per byte cost three times as much)."""
    block = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
    width = block.shape[1]
    if width and len(cursor):
        starts = as_strided(out, shape=(len(out) - width + 1, width), strides=(1, 1))
        starts[cursor] = block
    cursor += width


def encode_rows(columns: Sequence[np.ndarray], kinds: Sequence[str]) -> bytes:
    """The binary tuples of ``columns`` (no file header or trailer)."""
    n = len(columns[0])
    encoded = [_encode(np.asarray(c), k) for c, k in zip(columns, kinds, strict=True)]
    payload_sizes = [np.maximum(e.lengths, 0) for e in encoded]
    # Summed in place: np.sum over the list would stack the sizes into one matrix first.
    row_size = np.full(n, 2 + 4 * len(encoded), dtype=np.int64)
    for size in payload_sizes:
        row_size += size
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    cursor = np.cumsum(row_size) - row_size
    # Each row's bytes up to its next field of varying width (a text, a NULL) are placed
    # as one block of equal-width rows.
    fixed = [np.broadcast_to(np.array([len(encoded)], dtype=">i2").view(np.uint8), (n, 2))]
    for e, size in zip(encoded, payload_sizes, strict=True):
        fixed.append(e.lengths.astype(">i4").view(np.uint8).reshape(n, 4))
        if e.width is not None:
            fixed.append(e.payload.reshape(n, e.width))
            continue
        _place_fixed(out, cursor, fixed)
        fixed = []
        if len(e.payload):
            source_start = np.cumsum(size) - size
            index = np.repeat(cursor - source_start, size) + np.arange(len(e.payload))
            out[index] = e.payload
        cursor += size
    if fixed:
        _place_fixed(out, cursor, fixed)
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


def decode_single_row(data: bytes) -> list[memoryview | None]:
    """The fields of a binary COPY stream that holds exactly one row (None for NULL)."""
    view = memoryview(data)
    if bytes(view[:11]) != HEADER[:11]:
        raise ValueError("not a PostgreSQL binary COPY stream")
    pos = 19 + int.from_bytes(view[15:19], "big")
    count = int.from_bytes(view[pos : pos + 2], "big", signed=True)
    if count == -1:
        raise ValueError("binary COPY stream holds no row")
    pos += 2
    fields: list[memoryview | None] = []
    for _ in range(count):
        size = int.from_bytes(view[pos : pos + 4], "big", signed=True)
        pos += 4
        if size < 0:
            fields.append(None)
        else:
            fields.append(view[pos : pos + size])
            pos += size
    return fields


def decode_array(field: memoryview | None, kind: str) -> np.ndarray:
    """A one-dimensional array without NULL elements (binary format) as a numpy array."""
    fmt = _FIXED[kind]
    if field is None:
        return np.empty(0, dtype=fmt[1:])
    ndim = int.from_bytes(field[0:4], "big")
    if ndim == 0:
        return np.empty(0, dtype=fmt[1:])
    if ndim != 1 or int.from_bytes(field[4:8], "big") != 0:
        raise ValueError("expected a one-dimensional array without NULLs")
    n = int.from_bytes(field[12:16], "big")
    elements = np.frombuffer(field[20:], dtype=np.dtype([("len", ">i4"), ("v", fmt)]), count=n)
    if not np.all(elements["len"] == np.dtype(fmt).itemsize):
        raise ValueError(f"array elements are not {kind}")
    return _native(elements["v"], kind)


def _native(values: np.ndarray, kind: str) -> np.ndarray:
    """Big-endian ``kind`` values as numpy's own numbers (times from the Unix epoch)."""
    native = values.astype(_FIXED[kind][1:])
    return native + _PG_EPOCH_OFFSET if kind == TIMESTAMPTZ else native


def split_text(field: memoryview | None, lengths: np.ndarray) -> np.ndarray:
    """Values concatenated by ``string_agg(x, '')``, cut by their character lengths (-1: NULL)."""
    n = len(lengths)
    text = "" if field is None else bytes(field).decode("utf-8")
    sizes = np.maximum(lengths, 0)
    ends = np.cumsum(sizes)
    if int(ends[-1] if n else 0) != len(text):
        raise ValueError("text lengths do not add up to the aggregated text")
    starts = (ends - sizes).tolist()
    values = np.empty(n, dtype=object)
    values[:] = [text[a:b] for a, b in zip(starts, ends.tolist(), strict=True)]
    values[lengths < 0] = None
    return values


class NotFixedWidth(ValueError):
    """A binary COPY row is not the fixed-width, NULL-free row ``fixed_width_chunks`` reads."""


def fixed_width_chunks(
    blocks: Iterable[bytes | memoryview], kinds: Sequence[str], chunk_rows: int
) -> Iterator[list[np.ndarray]]:
    """The rows of a binary COPY stream (``blocks`` as the server sends them) whose
    columns are all of fixed width (``kinds``: FLOAT8, INT8, INT4, TIMESTAMPTZ) and never
    NULL, as columns, ``chunk_rows`` rows at a time while the stream still comes: a row is
    then one record of fixed size, and a chunk one ``np.frombuffer``. Memory holds a chunk,
    not the stream. Raises NotFixedWidth at a row that is not so (a NULL, another width)."""
    layout: list[tuple[str, str]] = [("fields", ">i2")]
    for j, kind in enumerate(kinds):
        layout += [(f"size{j}", ">i4"), (f"value{j}", _FIXED[kind])]
    record = np.dtype(layout)
    buffer = bytearray()
    header_left = len(HEADER)
    for block in blocks:
        buffer += block
        if header_left:
            if len(buffer) < header_left:
                continue
            if bytes(buffer[:header_left]) != HEADER:
                raise NotFixedWidth("not a binary COPY stream without header extensions")
            del buffer[:header_left]
            header_left = 0
        if len(buffer) >= chunk_rows * record.itemsize:
            yield _fixed_width_columns(buffer, record, kinds, chunk_rows)
    if header_left or bytes(buffer[-len(TRAILER) :]) != TRAILER:
        raise NotFixedWidth("the binary COPY stream ended without its trailer")
    del buffer[-len(TRAILER) :]
    while buffer:
        yield _fixed_width_columns(buffer, record, kinds, chunk_rows)


def copy_fixed_width(
    dbapi: Any, select: str, kinds: Sequence[str], chunk_rows: int
) -> Generator[list[np.ndarray], None, None]:
    """``fixed_width_chunks`` of ``select``'s rows by a binary COPY through ``dbapi`` (a
    psycopg connection). However it stops (NotFixedWidth, or closed by the caller), the
    COPY is read to its end, not cancelled: a cancel aborts the transaction the connection
    goes on in. Close it before the connection runs anything else."""
    with dbapi.cursor() as cursor:
        with cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT BINARY)") as copy:
            try:
                yield from fixed_width_chunks(copy, kinds, chunk_rows)
            finally:
                for _ in copy:
                    pass


def _fixed_width_columns(
    buffer: bytearray, record: np.dtype, kinds: Sequence[str], chunk_rows: int
) -> list[np.ndarray]:
    """The first whole rows of ``buffer``, up to ``chunk_rows``, as columns; removed from it."""
    n = min(chunk_rows, len(buffer) // record.itemsize)
    if n == 0:
        raise NotFixedWidth("a binary COPY row is not of the fixed width read")
    rows = np.frombuffer(buffer, dtype=record, count=n)
    if not (rows["fields"] == len(kinds)).all():
        raise NotFixedWidth("a binary COPY row has another number of fields")
    columns = []
    for j, kind in enumerate(kinds):
        if not (rows[f"size{j}"] == np.dtype(_FIXED[kind]).itemsize).all():
            raise NotFixedWidth(f"a field of column {j} is NULL or not {kind}")
        columns.append(_native(rows[f"value{j}"], kind))
    # The view into the buffer goes before the buffer shrinks under it.
    del rows
    del buffer[: n * record.itemsize]
    return columns
