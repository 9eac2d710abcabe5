"""Resource routers. Each module has ``setup(app)`` that includes its router."""

from . import events, imports, ingest, instruments, runs, trades

ROUTERS: list = [ingest, imports, runs, trades, instruments, events]
