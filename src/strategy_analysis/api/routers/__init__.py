"""Resource routers. Each module has ``setup(app)`` that includes its router."""

from . import analysis, events, imports, ingest, instruments, run_analysis, runs, trades

ROUTERS: list = [ingest, imports, runs, analysis, run_analysis, trades, instruments, events]
