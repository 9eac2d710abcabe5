"""The command dispatcher: reads settings once, then hands them to a command."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from .. import __version__
from ..config import Settings
from ..errors import DomainError

# Each module has register(subparsers) and run(args, settings) -> exit code.
COMMAND_MODULES = (
    "serve_command",
    "db_command",
    "import_command",
    "check_command",
    "watch_command",
    "rebuild_command",
    "demo_command",
)
LONG_RUNNING = frozenset({"serve", "watch"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cli.py",
        description="Strategy Analysis Platform: import strategy exports, rebuild trades, serve the app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="debug logging (default: warnings only, info for serve and watch)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # One-shot commands print their own summary; long-running ones log what they do.
    quiet = logging.INFO if args.command in LONG_RUNNING else logging.WARNING
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return run_command(args, Settings())


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the parsed command; a domain error ends it with ``error: <message>`` on stderr
    and its class's exit code (the one translation of domain errors for commands)."""
    try:
        return int(args.func(args, settings) or 0)
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
