"""The default keyless loopback server against another origin's page and DNS rebinding.

A page of another origin can send a "simple" request without asking the server first: a
POST with no Content-Type, text/plain or a multipart form. Each must be refused before
anything is stored. A rebinding page reaches 127.0.0.1 under its own name: its Host
header gives it away.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from app_server import AppServer

from strategy_analysis.api.trusted_hosts import TrustedHosts

from .factories import one_fill_batch
from .uploads_folder import stored_uploads

PROTOTYPE = Path(__file__).resolve().parents[1] / "fixtures" / "prototype-export-1.0.sqlite"
EVIL = "http://evil.example"
BATCH = json.dumps(
    one_fill_batch({"run_id": "r-cross", "strategy_id": "S", "status": "RUNNING"})
).encode()


def _nothing_stored(client: httpx.Client, server: AppServer) -> None:
    assert client.get("/api/imports").json()["total"] == 0
    assert client.get("/api/runs").json()["total"] == 0
    assert stored_uploads(server.workdir) == []


def test_simple_cross_origin_writes_are_refused(app_server) -> None:
    with httpx.Client(base_url=app_server.base_url, timeout=30) as client:
        refused = {
            "no type": client.post("/api/ingest/stream", content=BATCH, headers={"Origin": EVIL}),
            "text/plain": client.post(
                "/api/ingest/stream",
                content=BATCH,
                headers={"Origin": EVIL, "Content-Type": "text/plain;charset=UTF-8"},
            ),
            "json": client.post(
                "/api/ingest/stream",
                content=BATCH,
                headers={"Origin": EVIL, "Content-Type": "application/json"},
            ),
            "multipart form": client.post(
                "/api/ingest/upload",
                files={"file": ("export.sqlite", PROTOTYPE.read_bytes())},
                headers={"Origin": EVIL},
            ),
            "sandboxed page": client.post(
                "/api/ingest/upload",
                files={"file": ("export.sqlite", PROTOTYPE.read_bytes())},
                headers={"Origin": "null"},
            ),
            "other port": client.post(
                "/api/ingest/stream",
                content=BATCH,
                headers={"Origin": "http://127.0.0.1:1", "Content-Type": "application/json"},
            ),
            "instrument": client.put(
                "/api/instruments/ES", json={"point_value": 5}, headers={"Origin": EVIL}
            ),
        }
        for what, answer in refused.items():
            assert answer.status_code == 403, f"{what}: {answer.status_code} {answer.text}"
            assert "origin" in answer.json()["detail"]
        _nothing_stored(client, app_server)
        assert not any(i["configured"] for i in client.get("/api/instruments").json())


def test_writes_need_a_json_or_multipart_body(app_server) -> None:
    with httpx.Client(base_url=app_server.base_url, timeout=30) as client:
        for headers in (
            {},
            {"Content-Type": "text/plain"},
            {"Content-Type": "application/x-www-form-urlencoded"},
        ):
            answer = client.post("/api/ingest/stream", content=BATCH, headers=headers)
            assert answer.status_code == 415, f"{headers}: {answer.text}"
        answer = client.post(
            "/api/ingest/upload",
            content=PROTOTYPE.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        assert answer.status_code == 415, answer.text
        _nothing_stored(client, app_server)


def test_the_servers_own_page_writes(app_server) -> None:
    with httpx.Client(base_url=app_server.base_url, timeout=30) as client:
        answer = client.post(
            "/api/ingest/stream",
            content=BATCH,
            headers={"Origin": app_server.base_url, "Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["counts"]["executions"]["inserted"] == 1


def test_a_listed_origin_writes(database_url, tmp_path) -> None:
    origin = "https://trading.example"
    with AppServer(
        database_url, tmp_path, ALLOWED_ORIGINS=f"{origin}, http://other.example"
    ) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            headers = {"Content-Type": "application/json"}
            ok = client.post(
                "/api/ingest/stream", content=BATCH, headers={**headers, "Origin": origin}
            )
            assert ok.status_code == 200, ok.text
            bad = client.post(
                "/api/ingest/stream", content=BATCH, headers={**headers, "Origin": EVIL}
            )
            assert bad.status_code == 403


def test_a_foreign_host_name_is_refused(database_url, tmp_path) -> None:
    with AppServer(database_url, tmp_path, ALLOWED_HOSTS="trading.example") as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            port = server.port
            for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
                for path in ("/api/health", "/api/runs", "/"):
                    answer = client.get(path, headers={"Host": host})
                    assert answer.status_code == 400, f"{host} {path}: {answer.status_code}"
                    assert "ALLOWED_HOSTS" in answer.json()["detail"]
                answer = client.post(
                    "/api/ingest/stream",
                    content=BATCH,
                    headers={"Host": host, "Content-Type": "application/json"},
                )
                assert answer.status_code == 400
            for host in (
                f"127.0.0.1:{port}",
                f"localhost:{port}",
                f"[::1]:{port}",
                "trading.example",
            ):
                assert client.get("/api/runs", headers={"Host": host}).status_code == 200, host
            assert client.get("/api/imports").json()["total"] == 0


@pytest.mark.parametrize(
    ("bound", "host", "allowed"),
    [
        ("127.0.0.1", "localhost", True),
        ("127.0.0.1", "LOCALHOST.:8000", True),
        ("127.0.0.1", "127.0.0.1:8000", True),
        ("127.0.0.1", "[::1]:8000", True),
        ("127.0.0.1", "192.168.1.20:8000", False),
        ("127.0.0.1", "attacker.example:8000", False),
        ("127.0.0.1", "", False),
        ("192.168.1.20", "192.168.1.20:8000", True),
        ("192.168.1.20", "192.168.1.21:8000", False),
        # Listening on every interface: any address of the machine, but no unlisted name.
        ("0.0.0.0", "192.168.1.20:8000", True),
        ("0.0.0.0", "[fe80::1]:8000", True),
        ("0.0.0.0", "attacker.example", False),
        ("::", "trading.example:443", True),
    ],
)
def test_trusted_hosts(bound: str, host: str, allowed: bool) -> None:
    trusted = TrustedHosts(bound, ["Trading.Example"], [])
    assert trusted.allows_host(host) is allowed


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("http://LOCALHOST:8000", "localhost:8000", True),
        ("https://trading.example", "trading.example", True),
        ("http://trading.example", "trading.example", True),
        ("https://trading.example:8443", "trading.example", False),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", False),
        ("http://evil.example", "127.0.0.1:8000", False),
        ("null", "127.0.0.1:8000", False),
        ("http://[::1]:8000", "[::1]:8000", True),
        ("https://app.example", "127.0.0.1:8000", True),
        ("https://app.example:1", "127.0.0.1:8000", False),
    ],
)
def test_origins(origin: str, host: str, allowed: bool) -> None:
    trusted = TrustedHosts("127.0.0.1", [], ["https://app.example/"])
    assert trusted.allows_origin(origin, host) is allowed


def test_any_host_when_listed_as_star() -> None:
    assert TrustedHosts("127.0.0.1", ["*"], []).allows_host("whatever.example")
