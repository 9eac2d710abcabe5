"""``cli.py serve`` in a process forked from one that has already imported the server.

multiprocessing's fork server imports ``PRELOAD`` once per test process; each server is then
a fork of it that runs the command's ``main`` with its own environment, directory and log.
Starting an interpreter and importing the app again took about 1 s of CPU per server, and a
run of the suite starts twenty or so; a fork answers within about 0.1 s. Nothing but imports
happens before the fork (no engine, thread or event loop), so each server starts from the
state a fresh ``python cli.py serve`` reaches once its imports are done.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from strategy_analysis.cli.main import COMMAND_MODULES, main

# What a server imports on its way to its first import job and rebuild. Modules of the
# package and of uvicorn only: the fork server is not given the tests' folder on its path
# (Python 3.11 ignores the path it is handed), and an import it cannot do is skipped.
PRELOAD = [
    *(f"strategy_analysis.cli.{name}" for name in COMMAND_MODULES),
    "strategy_analysis.api.app",
    "strategy_analysis.api.routers",
    "strategy_analysis.db.migrations",
    "strategy_analysis.ingest.importer",
    "strategy_analysis.jobs.worker",
    "strategy_analysis.trades.rebuild",
    "uvicorn.lifespan.on",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.websockets.auto",
]


def serve(argv: Sequence[str], env: Mapping[str, str], cwd: str, log_path: str) -> None:
    """The forked child: ``python cli.py <argv>`` from ``cwd`` with exactly ``env``, its
    output appended to ``log_path``."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    missing = [name for name in PRELOAD if name not in sys.modules]
    if missing:
        # The fork server skips an import it cannot do: each server would then import it
        # again, the cost this module is here to take away.
        sys.exit(f"the fork server did not import {missing}")
    sys.exit(main(list(argv)))
