"""``python cli.py check --file PATH [--json]``: the data-quality findings an export would
produce, from a dry run of its import (nothing is written)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..config import Settings
from ..db.engine import make_engine
from ..db.migrations import upgrade_database
from ..ingest.importer import import_export_file

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_REFUSED = 2
EXAMPLES_SHOWN = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="list the data-quality findings an export file would produce, write nothing",
        description=(
            "Runs the import of an export file as a dry run against the configured database "
            "(its instruments count, as they would for the import) and prints every "
            'data-quality finding the file would produce (analytics.md "Data quality"): '
            "check, severity, count and the first examples. Exit code "
            f"{EXIT_OK} when no finding is an error, {EXIT_ERRORS} when one is, "
            f"{EXIT_REFUSED} when the file is refused or cannot be read."
        ),
    )
    parser.add_argument("--file", required=True, type=Path, help="the export file")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.set_defaults(func=run)


def format_findings(findings: Iterable[dict[str, Any]]) -> list[str]:
    """One line per finding: severity, check, run, count and the first examples."""
    lines = []
    for f in findings:
        shown = ", ".join(f["examples"][:EXAMPLES_SHOWN])
        more = "" if f["count"] <= EXAMPLES_SHOWN else f", ... ({f['count']} in all)"
        lines.append(
            f"  {f['severity']:<8}{f['check']:<25}{f.get('run_id', ''):<20}"
            f"{f['count']:>8,}  {shown}{more}"
        )
    return lines


def run(args: argparse.Namespace, settings: Settings) -> int:
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        report = import_export_file(engine, args.file, source="cli", dry_run=True)
    finally:
        engine.dispose()
    if report.status in ("refused", "failed"):
        print(f"{report.file_name}: cannot be checked: {report.error}")
        return EXIT_REFUSED
    if args.json:
        print(json.dumps({"verdict": report.verdict, "findings": report.findings}, indent=2))
    else:
        runs = ", ".join(report.run_ids) or "(none: market data only)"
        print(f"{report.file_name}: run {runs}: {report.verdict}")
        print("\n".join(format_findings(report.findings)) or "  no findings")
    return EXIT_ERRORS if report.verdict == "errors" else EXIT_OK
