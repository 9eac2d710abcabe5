"""GET /api/health."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import text

from .. import __version__
from ..db.migrations import current_revision
from .deps import EngineDep

router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    version: str = Field(examples=[__version__])
    database: str = Field(description="Database dialect", examples=["sqlite"])
    revision: str | None = Field(description="Alembic revision of the schema", examples=["0001"])


@router.get("/health", summary="Service health", operation_id="health-get")
def get_health(engine: EngineDep) -> Health:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Health(
        status="ok",
        version=__version__,
        database=engine.dialect.name,
        revision=current_revision(engine),
    )
