"""``python cli.py watch --dir PATH``: import every export file that appears in a folder."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from ..config import Settings
from ..db.engine import make_engine
from ..db.migrations import upgrade_database
from ..events import EventBus
from ..ingest.watcher import FolderWatcher, WatchOutcome
from ..jobs.shared_events import SharedEventBus, publish_import_finished
from ..trades.rebuild import after_import_hook


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="import every export file that appears in a folder (Ctrl-C stops)",
        description=(
            "Imports each complete export file dropped into DIR, then moves it to "
            "DIR/processed/ or DIR/failed/ beside a JSON report. A file imported before "
            "(same sha256) is not imported again. A file still being copied (shorter than "
            "its SQLite header says) is waited for; one that changes in DIR/failed/ after "
            "it failed is tried again."
        ),
    )
    parser.add_argument("--dir", required=True, type=Path, help="folder to watch")
    parser.add_argument(
        "--settle",
        type=float,
        default=2.0,
        help="seconds a file's size must stay unchanged before it is imported (default 2)",
    )
    parser.add_argument(
        "--poll", type=float, default=0.5, help="seconds between checks (default 0.5)"
    )
    parser.add_argument(
        "--wait-incomplete",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long a file shorter than its SQLite header says (a copy that stalled) is "
        "waited for before it is tried anyway (default 600)",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="import the files already complete in the folder, then exit",
    )
    parser.set_defaults(func=run)


def _print_outcome(outcome: WatchOutcome) -> None:
    report = outcome.report
    if report.status == "duplicate":
        text = f"already imported (import {report.duplicate_of}), skipped"
    else:
        text = report.summary()
    notes = "".join(f"\n  Note: {warning}" for warning in report.warnings)
    print(
        f"{outcome.source_path.name}: {report.status} -> {outcome.path}\n  {text}{notes}",
        flush=True,
    )


def _outcome_hook(events: EventBus):
    def on_outcome(outcome: WatchOutcome) -> None:
        _print_outcome(outcome)
        publish_import_finished(events, outcome.report)

    return on_outcome


def run(args: argparse.Namespace, settings: Settings) -> int:
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    # The servers on this database announce each import and its analysis to their clients.
    events = SharedEventBus(engine)
    watcher = FolderWatcher(
        engine,
        args.dir,
        after_import=after_import_hook(engine, events),
        on_outcome=_outcome_hook(events),
        settle_seconds=args.settle,
        poll_seconds=args.poll,
        incomplete_seconds=args.wait_incomplete,
    )
    try:
        if args.once:
            return _run_once(watcher, args.settle)
        return _run_until_stopped(watcher)
    finally:
        engine.dispose()


def _run_once(watcher: FolderWatcher, settle: float) -> int:
    watcher.poll()  # first sight of each file: its size is recorded
    threading.Event().wait(settle)
    outcomes = watcher.poll()
    return 1 if any(o.status in ("failed", "refused") for o in outcomes) else 0


def _run_until_stopped(watcher: FolderWatcher) -> int:
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        print("Stopping after the current file (Ctrl-C again aborts it)...", flush=True)
        stop.set()
        # A second Ctrl-C interrupts the import in progress (its transaction rolls back).
        signal.signal(signal.SIGINT, signal.default_int_handler)

    for stopping in (signal.SIGINT, signal.SIGTERM):
        previous[stopping] = signal.signal(stopping, request_stop)
    print(f"Watching {watcher.directory} (Ctrl-C stops)", flush=True)
    try:
        watcher.run(stop)
    except KeyboardInterrupt:
        print("Interrupted: the file being imported stays in place and is retried next time.")
        return 130
    finally:
        for stopping, handler in previous.items():
            signal.signal(stopping, handler)
    print("Stopped.", flush=True)
    return 0
