"""Per-connection settings the engine applies on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text


def test_postgresql_sessions_are_utc_without_jit(engine: Any) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL session settings")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW TimeZone")).scalar_one() == "UTC"
        assert conn.execute(text("SHOW jit")).scalar_one() == "off"
