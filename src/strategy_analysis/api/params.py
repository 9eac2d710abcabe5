"""Constrained parameter types shared by the routers (bounded, so bad input is a 4xx)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import StringConstraints

# Identifiers as stored: bounded length, no NUL (PostgreSQL text cannot hold one).
Ident = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
# A run id to read by: any text a database may hold. The import refuses ids longer than
# 200 characters or with a NUL, but SQLite kept such runs before it did, and they must
# stay readable; PostgreSQL refuses a NUL in a query with a 4xx.
StoredRunId = Annotated[str, StringConstraints(min_length=1)]
RunIdPath = Annotated[StoredRunId, Path(description="The run's id (URL-encoded)")]
MAX_INT64 = 2**63 - 1
MAX_OFFSET = 10**9
