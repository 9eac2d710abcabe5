"""``python cli.py import --file PATH [--dry-run] [--json]``: import one export file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from ..config import Settings
from ..db.engine import make_engine
from ..db.migrations import upgrade_database
from ..ingest.importer import import_export_file
from ..ingest.report import TABLES, ImportReport
from ..jobs.shared_events import SharedEventBus, publish_import_finished
from ..trades.rebuild import after_import_hook
from .check_command import format_findings

REJECTED_SHOWN = 10
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2
EXIT_REBUILD_FAILED = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import one export file (SQLite, schema 1.0 or 1.1)",
        description=(
            "Imports an export file: new records are inserted, changed ones updated under "
            "the contract's rules, identical ones left alone, then the trades of the runs it "
            "touched are rebuilt. Prints what was found. A file another process is still "
            "writing is read from a snapshot. Exit code "
            f"{EXIT_OK} on success (also with rejected records), {EXIT_REFUSED} when the "
            f"file is refused, {EXIT_FAILED} when the import fails, {EXIT_REBUILD_FAILED} "
            "when the import succeeded but the trades could not be rebuilt (the runs show "
            "their analysis as failed)."
        ),
    )
    parser.add_argument("--file", required=True, type=Path, help="the export file")
    parser.add_argument(
        "--dry-run", action="store_true", help="report what the import would do, write nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.set_defaults(func=run)


class ProgressBar:
    """A one-line progress bar on a terminal, shown once an import runs longer than a second."""

    def __init__(self, stream: TextIO, delay: float = 1.0, width: int = 30) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.delay = delay
        self.width = width
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.started < self.delay:
            return
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\rimporting [{bar}] {fraction:6.1%} {done:,}/{total:,} rows")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def format_report(report: ImportReport) -> str:
    """The human summary: per table counts, the first rejected records, the totals."""
    if report.status in ("refused", "failed"):
        return f"{report.file_name}: import {report.status}: {report.error}"
    lines = [
        f"{report.file_name}: schema {report.schema_version}, {report.size_bytes or 0:,} bytes,"
        f" run {', '.join(report.run_ids) or '(none: market data only)'}"
    ]
    header = f"  {'table':<12}{'new':>10}{'changed':>10}{'unchanged':>11}{'conflicts':>11}{'rejected':>10}"
    lines.append(header)
    for table in TABLES:
        c = report.counts[table]
        lines.append(
            f"  {table:<12}{c.inserted:>10,}{c.updated:>10,}{c.unchanged:>11,}"
            f"{c.conflicts:>11,}{c.rejected:>10,}"
        )
    if report.rejected:
        lines.append(f"Rejected records (first {min(REJECTED_SHOWN, len(report.rejected))}):")
        for r in report.rejected[:REJECTED_SHOWN]:
            where = f"#{r.position}" if r.position is not None else ""
            key = f" {r.key}" if r.key else ""
            lines.append(f"  {r.table} {where}{key}: {r.reason}")
    lines.append(report.summary())
    if report.status == "dry_run":
        lines.append(f"Data quality the import would find: {report.verdict}")
        lines.extend(format_findings(report.findings))
    lines.extend(f"Note: {warning}" for warning in report.warnings)
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..trades.analysis_failures import RebuildFailed

    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    # The servers on this database announce the import and its analysis to their clients.
    events = SharedEventBus(engine)
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() and not args.json else None
    rebuild_error = None
    try:
        try:
            report = import_export_file(
                engine, args.file, source="cli", dry_run=args.dry_run, progress=bar
            )
        finally:
            if bar is not None:
                bar.close()
        try:
            after_import_hook(engine, events)(report)
        except RebuildFailed as failed:
            rebuild_error = str(failed)
        publish_import_finished(events, report)
    finally:
        engine.dispose()
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print(format_report(report))
    if rebuild_error is not None:
        print(
            f"error: the import succeeded, but the trades could not be rebuilt ({rebuild_error});"
            " the runs show their analysis as failed",
            file=sys.stderr,
        )
        return EXIT_REBUILD_FAILED
    if report.status == "refused":
        return EXIT_REFUSED
    if report.status == "failed":
        return EXIT_FAILED
    return EXIT_OK
