"""``python cli.py demo-export --out FILE``: write a realistic demo export of any size."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..config import Settings
from ..ingest.demo_export import SCHEMA_VERSIONS, write_demo_export


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-export",
        help="write a demo export file (several symbols and accounts, partial fills, reversals)",
    )
    parser.add_argument("--out", required=True, type=Path, help="SQLite file to write (replaced)")
    parser.add_argument(
        "--executions", type=int, default=10_000, help="number of executions (default 10000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same file)")
    parser.add_argument(
        "--schema", choices=SCHEMA_VERSIONS, default="1.1", help="export schema version"
    )
    parser.add_argument("--no-bars", action="store_true", help="leave out the Bars table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.executions < 0:
        print("demo-export: --executions must be >= 0")
        return 2
    started = time.perf_counter()
    write_demo_export(
        args.out,
        executions=args.executions,
        seed=args.seed,
        bars=not args.no_bars,
        schema_version=args.schema,
    )
    size_mb = args.out.stat().st_size / 1e6
    print(
        f"Wrote {args.out} (schema {args.schema}, {args.executions} executions, "
        f"{size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s"
    )
    return 0
