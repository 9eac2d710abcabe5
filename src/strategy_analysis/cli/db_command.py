"""``python cli.py db upgrade|downgrade|current``."""

from __future__ import annotations

import argparse

from ..config import Settings
from ..db.engine import make_engine
from ..db.migrations import current_revision, downgrade_database, upgrade_database


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="manage the database schema (Alembic)")
    parser.add_argument(
        "action",
        choices=["upgrade", "downgrade", "current"],
        help="upgrade to head, downgrade to base, or show the current revision",
    )
    parser.add_argument("--revision", default=None, help="target revision (head / base)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "upgrade":
        upgrade_database(settings.database_url, args.revision or "head")
    elif args.action == "downgrade":
        downgrade_database(settings.database_url, args.revision or "base")
    engine = make_engine(settings.database_url)
    try:
        print(f"{engine.dialect.name}: revision {current_revision(engine) or '(none)'}")
    finally:
        engine.dispose()
    return 0
