"""The app in this process (ASGI, lifespan included) for tests that need no real server."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Starlette would rather drive its test client with httpx2; httpx is the project's client.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from strategy_analysis.api.app import create_app
from strategy_analysis.config import Settings

BASE_URL = "http://127.0.0.1:8000"


def settings_for(database_url: str, tmp_path: Path, **values: Any) -> Settings:
    values.setdefault("upload_dir", tmp_path / "uploads")
    values.setdefault("rebuild_debounce_seconds", 0.1)
    # A rebuild child (PostgreSQL) would cost an interpreter to start and stop per app;
    # tests/api/test_rebuild_process.py and the real-server tests cover it.
    values.setdefault("rebuild_process", False)
    return Settings(_env_file=None, database_url=database_url, **values)  # type: ignore[call-arg]


@contextmanager
def app_client(settings: Settings) -> Iterator[TestClient]:
    """A client of the app built from ``settings``, its workers started, as a browser on
    the server's own origin would reach it."""
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        yield client
