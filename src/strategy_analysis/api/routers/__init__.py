"""Resource routers. Each module has ``setup(app)`` that includes its router."""

from . import analysis, events, imports, ingest, instruments, runs, trades

ROUTERS: list = [ingest, imports, runs, analysis, trades, instruments, events]
