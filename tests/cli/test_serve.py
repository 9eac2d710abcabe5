from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
from app_server import AppServer
from live_server import ROOT, LiveServer


def test_health_over_http_names_dialect_and_revision(database_url: str, tmp_path: Path) -> None:
    # The entry script in an interpreter of its own, as a user starts it (the other
    # real-server tests fork a preloaded server).
    with LiveServer(database_url, tmp_path, fresh_interpreter=True) as server:
        body = httpx.get(f"{server.base_url}/api/health").json()
    expected = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert body["status"] == "ok"
    assert body["database"] == expected
    assert body["revision"] == "0001" or body["revision"] > "0001"


def test_unknown_api_path_is_json_404(app_server: AppServer) -> None:
    response = httpx.get(f"{app_server.base_url}/api/no-such-thing")
    assert response.status_code == 404
    assert "no-such-thing" in response.json()["detail"]


def test_serve_refuses_public_address_without_api_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "serve", "--host", "0.0.0.0", "--port", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "API_KEY" in result.stderr and "--insecure" in result.stderr


def test_db_upgrade_command_creates_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "db", "upgrade"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # Default DATABASE_URL: trading_data.db in the working directory.
    assert (tmp_path / "trading_data.db").is_file()
    assert result.stdout.startswith("sqlite: revision ")
