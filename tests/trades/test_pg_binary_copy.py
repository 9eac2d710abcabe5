"""Binary COPY streams: fixed-width rows read chunk by chunk as they come."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from strategy_analysis.trades.columns import NO_TIME
from strategy_analysis.trades.pg_binary_copy import (
    FLOAT8,
    INT4,
    INT8,
    TEXT,
    TIMESTAMPTZ,
    NotFixedWidth,
    binary_copy_chunks,
    copy_fixed_width,
    encode_rows,
    fixed_width_chunks,
)

KINDS = [FLOAT8, INT8, TIMESTAMPTZ, INT4]


def _columns(n: int) -> list[np.ndarray]:
    i = np.arange(n)
    return [
        i * 0.25 - 3.5,
        (i - 5) * -(2**40),
        1_700_000_000_000_000 + i * 1_000_001,
        (i * 7 - 20).astype(np.int32),
    ]


def _stream(columns: list[np.ndarray]) -> bytes:
    return b"".join(binary_copy_chunks(columns, KINDS))


def _cut(data: bytes, size: int) -> list[bytes]:
    return [data[at : at + size] for at in range(0, len(data), size)]


@pytest.mark.parametrize("block", [1, 5, 37, 10_000])
@pytest.mark.parametrize("chunk_rows", [1, 4, 23, 100])
def test_chunks_hold_every_row_in_order_however_the_stream_is_cut(block, chunk_rows):
    columns = _columns(23)
    chunks = list(fixed_width_chunks(_cut(_stream(columns), block), KINDS, chunk_rows))
    assert [len(chunk[0]) for chunk in chunks[:-1]] == [chunk_rows] * (len(chunks) - 1)
    for j, column in enumerate(columns):
        read = np.concatenate([chunk[j] for chunk in chunks])
        assert read.dtype == column.dtype and read.tolist() == column.tolist()


def _row_by_row(columns, kinds) -> bytes:
    """The binary tuples as the COPY format defines them, one value at a time."""
    formats = {FLOAT8: ">d", INT8: ">q", INT4: ">i", TIMESTAMPTZ: ">q"}
    out = bytearray()
    for i in range(len(columns[0])):
        out += struct.pack(">h", len(columns))
        for column, kind in zip(columns, kinds, strict=True):
            value = column[i]
            if kind == TEXT:
                data = None if value is None else value.encode("utf-8")
            elif kind == FLOAT8:
                data = None if math.isnan(value) else struct.pack(">d", value)
            elif value == NO_TIME:
                data = None
            else:
                shift = 946_684_800_000_000 if kind == TIMESTAMPTZ else 0
                data = struct.pack(formats[kind], int(value) - shift)
            out += struct.pack(">i", -1) if data is None else struct.pack(">i", len(data)) + data
    return bytes(out)


def _texts(values):
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


@pytest.mark.parametrize("rows", [0, 1, 2, 57])
@pytest.mark.parametrize(
    "kinds",
    [
        [TEXT, FLOAT8, TIMESTAMPTZ, TEXT, INT8, INT4],
        [INT8, FLOAT8, FLOAT8, TIMESTAMPTZ],
        [TEXT],
        [FLOAT8, TEXT, TEXT, INT8],
    ],
    ids=["mixed", "fixed", "text", "texts-inside"],
)
def test_rows_are_encoded_as_the_copy_format_defines_them(rows, kinds):
    rng = np.random.default_rng(rows + len(kinds))
    words = ["", "a", "ÉS €", "x" * 300, "trade-000123", None]
    columns = []
    for j, kind in enumerate(kinds):
        if kind == TEXT:
            columns.append(_texts([words[(i * (j + 3)) % len(words)] for i in range(rows)]))
        elif kind == FLOAT8:
            values = rng.normal(size=rows) * 1e6
            values[j % 3 :: 4] = np.nan  # a NULL in some rows, fields of varying width
            columns.append(values)
        elif kind == TIMESTAMPTZ:
            values = 1_700_000_000_000_000 + rng.integers(-(10**15), 10**15, rows)
            values[1::5] = NO_TIME
            columns.append(values)
        else:
            values = rng.integers(-(2**31), 2**31 - 1, rows)
            columns.append(values.astype(np.int32 if kind == INT4 else np.int64))
    assert encode_rows(columns, kinds) == _row_by_row(columns, kinds)


def test_a_stream_without_rows_has_no_chunk():
    assert list(fixed_width_chunks(_cut(_stream(_columns(0)), 3), KINDS, 10)) == []


def test_a_null_or_a_cut_stream_is_refused():
    with_null = _columns(5)
    with_null[0][3] = np.nan  # the encoder writes NaN as NULL
    with pytest.raises(NotFixedWidth):
        list(fixed_width_chunks([_stream(with_null)], KINDS, 2))
    with pytest.raises(NotFixedWidth):
        list(fixed_width_chunks([_stream(_columns(5))[:-3]], KINDS, 2))
    with pytest.raises(NotFixedWidth):
        list(fixed_width_chunks([b"PGCOPY\n"], KINDS, 2))


def test_a_postgresql_copy_is_read_as_its_columns(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL COPY")
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            dbapi = conn.connection.driver_connection
            statement = (
                "COPY (SELECT (i * 0.5 - 1)::float8, i * 3000000000::int8, "
                "'2024-01-01 00:00:00+00'::timestamptz + i * interval '1 second', i::int4 "
                "FROM generate_series(0, 2499) AS i) TO STDOUT (FORMAT BINARY)"
            )
            with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
                chunks = list(fixed_width_chunks(copy, KINDS, 1000))
    finally:
        engine.dispose()
    assert [len(chunk[0]) for chunk in chunks] == [1000, 1000, 500]
    i = np.arange(2500)
    price, big, time, small = (np.concatenate([c[j] for c in chunks]) for j in range(4))
    assert price.tolist() == (i * 0.5 - 1).tolist()
    assert big.tolist() == (i * 3_000_000_000).tolist()
    assert time.tolist() == (1_704_067_200_000_000 + i * 1_000_000).tolist()
    assert small.tolist() == i.tolist()


@pytest.mark.parametrize("stop", ["refused", "closed"])
def test_a_copy_stopped_midway_leaves_its_transaction_usable(database_url, stop):
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL COPY")
    # Large enough that the server is still sending when the reader stops.
    select = (
        "SELECT CASE WHEN i = 150000 THEN NULL ELSE i::int8 END "
        "FROM generate_series(1, 400000) AS i"
    )
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            dbapi = conn.connection.driver_connection
            chunks = copy_fixed_width(dbapi, select, [INT8], 1000)
            if stop == "refused":
                with pytest.raises(NotFixedWidth):
                    for _ in chunks:
                        pass
            else:
                assert next(chunks)[0].tolist() == list(range(1, 1001))
                chunks.close()
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
