"""Per-connection settings the engine applies on each database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_sessions_are_utc_without_jit(engine: Any) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SHOW TimeZone")).scalar_one() == "UTC"
        assert conn.execute(text("SHOW jit")).scalar_one() == "off"


def test_sqlite_connections_have_the_c_functions_and_new_files_16k_pages(tmp_path: Any) -> None:
    from strategy_analysis.db import sqlite_functions
    from strategy_analysis.db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with engine.connect() as conn:
            assert sqlite_functions.available(conn.connection.driver_connection)
            # fewer, larger pages: a bulk import writes and checkpoints fewer of them
            assert conn.exec_driver_sql("PRAGMA page_size").scalar_one() == 16384
            stored = conn.exec_driver_sql(
                "SELECT sa_timestamp_text('2025-01-06T10:00:00.1234567Z'),"
                " sa_timestamp_text('2025-01-06T10:00:00+01:00'), sa_timestamp_text(5)"
            ).one()
            assert tuple(stored) == ("2025-01-06 10:00:00.123456", None, None)
    finally:
        engine.dispose()
