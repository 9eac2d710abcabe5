"""``python cli.py serve``: the API and the web app on one port."""

from __future__ import annotations

import argparse
import logging
import sys

from ..config import Settings, is_loopback
from ..db.migrations import upgrade_database

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="serve the API and the web app")
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8000)")
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-loopback address without an API_KEY",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from ..api.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    # The app's defaults (reads protected, trusted hosts) follow where it really listens.
    settings = settings.model_copy(update={"host": host, "port": port})
    if not is_loopback(host) and settings.api_key is None and not args.insecure:
        print(
            f"refusing to listen on {host} without an API_KEY: set API_KEY, "
            "or pass --insecure to accept writes from anyone who can reach this address",
            file=sys.stderr,
        )
        return 2
    if settings.protect_reads and settings.api_key is None:
        print("PROTECT_READS needs an API_KEY: set API_KEY", file=sys.stderr)
        return 2
    upgrade_database(settings.database_url)
    app = create_app(settings)
    access = (
        "reads and writes need X-API-Key"
        if settings.reads_need_key
        else ("writes need X-API-Key" if settings.api_key else "no API_KEY")
    )
    print(f"Serving on http://{host}:{port}/ ({settings.database_url.split(':', 1)[0]}; {access})")
    uvicorn.run(app, host=host, port=port, log_level="info")
    return 0
