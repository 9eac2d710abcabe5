"""The FastAPI application factory. Engines and workers start in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from .. import __version__
from ..config import Settings
from ..db.engine import make_engine, make_session_factory
from ..jobs.shared_events import SharedEventBus
from . import health
from .access_guard import AccessGuard
from .errors import install_error_handlers
from .frontend import mount_frontend
from .json_response import SafeJSONResponse

log = logging.getLogger(__name__)

DESCRIPTION = """Ingest strategy exports, rebuild round-trip trades, statistics and charts.

With `API_KEY` set, every write needs the header `X-API-Key`, and so does every read but
`GET /api/health` when reads are protected (`PROTECT_READS`; on by default when the server
listens beyond loopback): 401 without it. A request whose `Host` is not one of the server's
names (`ALLOWED_HOSTS`) is refused with 400; a write from a page of another origin
(`Origin`, `ALLOWED_ORIGINS`) with 403; a write whose body is not `application/json` or
`multipart/form-data` with 415."""


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the app; ``engine`` may be handed in (tests), else it is made from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        app.state.engine = engine or make_engine(
            settings.database_url, sqlite_busy_timeout=settings.sqlite_busy_timeout_seconds
        )
        app.state.session_factory = make_session_factory(app.state.engine)
        # Every process's events (workers, the rebuild process, the CLI) reach this
        # server's clients through the database.
        app.state.event_bus = SharedEventBus(
            app.state.engine, retention_seconds=settings.event_retention_seconds
        )
        app.state.event_bus.start()
        for start in app.state.on_startup:
            start(app)
        try:
            yield
        finally:
            for stop in reversed(app.state.on_shutdown):
                stop(app)
            app.state.event_bus.stop()
            if own_engine:
                app.state.engine.dispose()

    app = FastAPI(
        title="Strategy Analysis Platform",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    # Routers that need background workers append their start/stop callables here.
    app.state.on_startup = []
    app.state.on_shutdown = []
    install_error_handlers(app)
    app.add_middleware(AccessGuard, settings=settings)
    app.include_router(health.router)
    _include_resource_routers(app)
    mount_frontend(app, settings.frontend_dir or _default_frontend_dir())
    return app


def _include_resource_routers(app: FastAPI) -> None:
    from . import routers

    for router_module in routers.ROUTERS:
        router_module.setup(app)


def _default_frontend_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "frontend" / "dist"
