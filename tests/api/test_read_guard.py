"""PROTECT_READS: with API_KEY set, every endpoint but /api/health needs X-API-Key.

The endpoints are enumerated from the app itself (its OpenAPI document), so a new one is
checked without anyone listing it here. The event stream, which never ends, is checked on
the real server.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from app_server import AppServer
from live_server import ROOT, LiveServer
from sqlalchemy import Engine, insert

from strategy_analysis.api.app import create_app
from strategy_analysis.config import Settings
from strategy_analysis.db.models import ImportRecord, Job

from .factories import RUN_ID, seed_run
from .in_process import app_client, settings_for

KEY = "read-guard-key"
JOB_ID = "0b6f3c9e-1d2a-4e5f-8a7b-6c5d4e3f2a1b"
OPEN_PATHS = {"/api/health"}


def _seed(engine: Engine) -> dict[str, str]:
    """One of everything a path can name; the values to put in the paths."""
    seed_run(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        import_id = conn.execute(
            insert(ImportRecord)
            .values(source="stream", status="succeeded", created_at=now, run_ids=[RUN_ID])
            .returning(ImportRecord.id)
        ).scalar_one()
        conn.execute(
            insert(Job).values(
                job_id=JOB_ID, kind="import", status="succeeded", source="upload", created_at=now
            )
        )
    return {
        "run_id": RUN_ID,
        "trade_id": "t000",
        "import_id": str(import_id),
        "job_id": JOB_ID,
        "symbol": "ES",
    }


def _endpoints(settings: Settings) -> list[tuple[str, str, bool, bool]]:
    """(method, path template, streams, needs a query parameter) of every /api operation
    the app documents (a breakdown needs its key, a comparison its runs)."""
    found = []
    for path, operations in create_app(settings).openapi()["paths"].items():
        for method, operation in operations.items():
            content = operation.get("responses", {}).get("200", {}).get("content", {})
            asks = any(
                p.get("in") == "query" and p.get("required")
                for p in operation.get("parameters", [])
            )
            found.append((method.upper(), path, "text/event-stream" in content, asks))
    assert {path for _m, path, _s, _q in found} >= {"/api/runs", "/api/events", "/api/health"}
    return found


def _fill(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"{path}: give the read-guard test a value for {{{name}}}"
        return values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def test_every_read_needs_the_key(database_url, engine, tmp_path) -> None:
    values = _seed(engine)
    settings = settings_for(database_url, tmp_path, api_key=KEY, protect_reads=True)
    reads = [
        (path, _fill(path, values), asks)
        for method, path, streams, asks in _endpoints(settings)
        if method == "GET" and not streams and path not in OPEN_PATHS
    ]
    assert len(reads) >= 10
    with app_client(settings) as client:
        for template, url, asks in reads:
            for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY + "x"}):
                answer = client.get(url, headers=headers)
                assert answer.status_code == 401, f"{template}: {answer.status_code}"
                assert "X-API-Key" in answer.json()["detail"]
            answer = client.get(url, headers={"X-API-Key": KEY})
            if asks:  # answered by the endpoint: its own 422 names what
                assert answer.status_code == 422, f"{template}: {answer.text}"
            else:
                assert answer.status_code == 200, f"{template}: {answer.text}"
        # Open: the health check, the web app that asks for the key, the API's description.
        assert client.get("/api/health").status_code == 200
        for path in ("/", "/runs", "/assets/app.js", "/openapi.json", "/docs"):
            assert client.get(path).status_code == 200, path
        assert client.get("/api/no-such-thing").status_code == 401


def test_every_write_needs_the_key(database_url, engine, tmp_path) -> None:
    values = _seed(engine)
    settings = settings_for(database_url, tmp_path, api_key=KEY)
    writes = [
        (method, path, _fill(path, values))
        for method, path, _streams, _asks in _endpoints(settings)
        if method not in ("GET", "HEAD")
    ]
    assert len(writes) >= 3
    with app_client(settings) as client:
        for method, template, url in writes:
            answer = client.request(method, url, json={})
            assert answer.status_code == 401, f"{method} {template}: {answer.status_code}"
        # Reads stay open on loopback unless PROTECT_READS says otherwise.
        assert client.get("/api/runs").status_code == 200


def test_reads_are_protected_by_default_beyond_loopback() -> None:
    def settings(**values: object) -> Settings:
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    assert settings(api_key=KEY, host="0.0.0.0").reads_need_key
    assert settings(api_key=KEY, host="192.168.1.20").reads_need_key
    assert not settings(api_key=KEY, host="127.0.0.1").reads_need_key
    assert not settings(api_key=KEY, host="localhost").reads_need_key
    assert settings(api_key=KEY, host="127.0.0.1", protect_reads=True).reads_need_key
    assert not settings(api_key=KEY, host="0.0.0.0", protect_reads=False).reads_need_key
    # Without a key nothing can be asked for (serve refuses PROTECT_READS without one).
    assert not settings(host="0.0.0.0").reads_need_key


# What is checked here is how ``serve`` sets the guard up from its host, the same whatever
# the database; the guard itself is checked on both above (test_every_read_needs_the_key).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_beyond_loopback_guards_reads(database_url, tmp_path) -> None:
    with LiveServer(database_url, tmp_path, API_KEY=KEY, HOST="0.0.0.0") as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert client.get("/api/runs").status_code == 401
            assert client.get("/api/runs", headers={"X-API-Key": KEY}).status_code == 200
            assert client.get("/api/health").status_code == 200
        assert "reads and writes need X-API-Key" in server.log()


def test_the_event_stream_needs_the_key(database_url, tmp_path) -> None:
    with AppServer(database_url, tmp_path, API_KEY=KEY, PROTECT_READS="true") as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            for headers in ({}, {"X-API-Key": "wrong"}):
                with client.stream("GET", "/api/events", headers=headers) as answer:
                    assert answer.status_code == 401
            with client.stream("GET", "/api/events", headers={"X-API-Key": KEY}) as answer:
                assert answer.status_code == 200
                assert answer.headers["content-type"].startswith("text/event-stream")
                assert next(answer.iter_text()).startswith(": connected")


def test_serve_refuses_protected_reads_without_a_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "serve", "--port", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "PROTECT_READS": "true",
        },
        timeout=60,
    )
    assert result.returncode == 2
    assert "PROTECT_READS needs an API_KEY" in result.stderr


@pytest.fixture(autouse=True)
def _built_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in for frontend/dist, so the web app's own paths can be checked."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    (dist / "assets" / "app.js").write_text("console.log('app')")
    monkeypatch.setenv("FRONTEND_DIR", str(dist))
