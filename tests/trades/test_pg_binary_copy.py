"""Binary COPY streams: fixed-width rows read chunk by chunk as they come."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from strategy_analysis.trades.pg_binary_copy import (
    FLOAT8,
    INT4,
    INT8,
    TIMESTAMPTZ,
    NotFixedWidth,
    binary_copy_chunks,
    copy_fixed_width,
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
