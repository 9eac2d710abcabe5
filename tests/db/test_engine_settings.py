"""Per-connection settings the engine applies on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_sessions_are_utc_without_jit(engine: Any) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SHOW TimeZone")).scalar_one() == "UTC"
        assert conn.execute(text("SHOW jit")).scalar_one() == "off"
