"""Request dependencies: settings, engine, session (the request owns the transaction);
the check that a path's run exists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..config import Settings
from ..db.engine import session_scope
from ..events import EventBus
from ..services import runs_query
from .access_guard import key_matches
from .errors import NotFoundError


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_event_bus(request: Request) -> EventBus:
    return request.app.state.event_bus


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed when the endpoint succeeds."""
    with session_scope(request.app.state.session_factory) as session:
        yield session


def require_api_key(
    request: Request,
    x_api_key: Annotated[
        str | None, Header(description="Required when the server has an API_KEY")
    ] = None,
) -> None:
    # AccessGuard checks every route; as a dependency the header shows in the OpenAPI.
    if not key_matches(request.app.state.settings.api_key, x_api_key):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or wrong X-API-Key header",
        )


def require_run(session: Session, run_id: str) -> None:
    """404 unless the run is stored."""
    if not runs_query.run_exists(session.connection(), run_id):
        raise NotFoundError(f"no run with id {run_id!r}")


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
EventBusDep = Annotated[EventBus, Depends(get_event_bus)]
WriteAccess = Depends(require_api_key)
