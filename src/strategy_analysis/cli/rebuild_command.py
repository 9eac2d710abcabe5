"""``python cli.py rebuild [--run R]``: rebuild trades, lot matches and run statistics."""

from __future__ import annotations

import argparse
import sys

from ..config import Settings
from ..db.engine import make_engine
from ..db.migrations import upgrade_database
from ..jobs.shared_events import SharedEventBus
from ..trades.analysis_failures import RebuildFailed
from ..trades.rebuild import PHASES, RebuildResult, rebuild_trades


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rebuild",
        help="rebuild trades and statistics from the stored executions",
        description=(
            "Rebuilds the round-trip trades, FIFO lot matches, excursions and run statistics "
            "of one run (--run) or of every run. Imports do this automatically; use it after "
            "changing data by hand. A run whose rebuild fails is shown as such (its analysis "
            "failed, with the reason) and the others are still rebuilt; the exit code is "
            "then 1."
        ),
    )
    parser.add_argument("--run", metavar="RUN_ID", default=None, help="only this run")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    failed: RebuildFailed | None = None
    try:
        # Each rebuilt run is announced to the clients of the servers on this database.
        result = rebuild_trades(engine, run_id=args.run, event_bus=SharedEventBus(engine))
    except RebuildFailed as exc:
        failed = exc
        result = exc.result or RebuildResult()
    finally:
        engine.dispose()
    if not result.runs and failed is None:
        print("nothing to rebuild: no executions")
        return 0
    print(
        f"rebuilt {result.pairs} (run, symbol) pairs in {len(result.runs)} runs: "
        f"{result.trades} trades, {result.lots} lot matches from {result.executions} executions"
    )
    print(
        f"time {result.seconds:.2f}s: "
        + ", ".join(f"{phase} {result.timings[phase]:.2f}s" for phase in PHASES)
    )
    if failed is not None:
        for run_id, reason in failed.failures.items():
            print(f"error: cannot rebuild the trades of run {run_id}: {reason}", file=sys.stderr)
        return 1
    return 0
