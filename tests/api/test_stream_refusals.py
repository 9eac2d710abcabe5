"""Stream bodies refused whole: not JSON, not an object, bad encoding, over the limits."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from app_server import AppServer


def _post(server, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/ingest/stream",
        content=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=30,
    )


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b"{not json", {}, 400, "not JSON"),
        (b"\xff\xfe", {}, 400, "not JSON"),
        (b"[1, 2]", {}, 422, "JSON object"),
        (b"{}", {"Content-Encoding": "br"}, 415, "Content-Encoding"),
        (b"{}", {"Content-Type": "text/csv"}, 415, "application/json"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00garbage", {"Content-Encoding": "gzip"}, 400, "gzip"),
        (gzip.compress(b'{"run": {')[:-8], {"Content-Encoding": "gzip"}, 400, "gzip"),
    ],
    ids=["bad-json", "bad-utf8", "array", "brotli", "csv", "corrupt-gzip", "truncated-gzip"],
)
def test_malformed_bodies_are_4xx_with_reason(app_server, body, headers, status, reason):
    answer = _post(app_server, body, **headers)
    assert answer.status_code == status, answer.text
    assert reason in answer.json()["detail"]


def test_body_and_gzip_bomb_limits(database_url, tmp_path):
    env = {"MAX_STREAM_BODY_BYTES": str(64 * 1024), "MAX_DECOMPRESSED_BYTES": str(1024 * 1024)}
    with AppServer(database_url, tmp_path, **env) as server:
        too_big = _post(server, json.dumps({"pad": "x" * 100_000}).encode())
        assert too_big.status_code == 413 and "limit" in too_big.json()["detail"]
        # 50 MB of zeros compresses to ~50 KB: under the body limit, over the inflated one.
        bomb = gzip.compress(b'{"pad": "' + b"0" * 50_000_000 + b'"}', compresslevel=9)
        assert len(bomb) < 64 * 1024
        cut = _post(server, bomb, **{"Content-Encoding": "gzip"})
        assert cut.status_code == 413 and "decompresses" in cut.json()["detail"]
        assert httpx.get(f"{server.base_url}/api/health", timeout=5).status_code == 200
        assert httpx.get(f"{server.base_url}/api/imports", timeout=5).json()["total"] == 0
