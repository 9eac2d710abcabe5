"""Uploads refused before any import: wrong type, empty, oversize, malformed, traversal."""

from __future__ import annotations

import gzip

import httpx
import pytest
from app_server import AppServer

from .uploads_folder import stored_uploads

SQLITE_HEAD = b"SQLite format 3\x00"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"order_id,price\n1,2\n", "not an export"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not an export"),
        (gzip.compress(b"[1, 2, 3]"), "JSON batch object"),
        (b"\x1f\x8b\x08\x00garbage-not-deflate" * 4, "gzip"),
    ],
    ids=["csv", "empty", "png", "gzip-json-array", "corrupt-gzip"],
)
def test_wrong_file_types_are_415_and_leave_nothing(app_server, tmp_path, content, reason):
    answer = httpx.post(
        f"{app_server.base_url}/api/ingest/upload",
        files={"file": ("export.sqlite", content)},
        timeout=30,
    )
    assert answer.status_code == 415, answer.text
    assert reason in answer.json()["detail"]
    assert stored_uploads(tmp_path) == []
    assert httpx.get(f"{app_server.base_url}/api/imports").json()["total"] == 0


def test_missing_field_and_wrong_content_type(app_server):
    url = f"{app_server.base_url}/api/ingest/upload"
    missing = httpx.post(url, files={"other": ("a.sqlite", SQLITE_HEAD)}, timeout=10)
    assert missing.status_code == 422 and "'file'" in missing.json()["detail"]
    not_multipart = httpx.post(url, content=SQLITE_HEAD, timeout=10)
    assert not_multipart.status_code == 415 and "multipart" in not_multipart.json()["detail"]
    broken = httpx.post(
        url,
        content=b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\nSQLite',
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
        timeout=10,
    )
    assert broken.status_code in (400, 415, 422), broken.text


def test_oversize_upload_is_cut_off_with_413(database_url, tmp_path):
    limit = 256 * 1024
    with AppServer(database_url, tmp_path, MAX_UPLOAD_BYTES=str(limit)) as server:
        url = f"{server.base_url}/api/ingest/upload"
        body = SQLITE_HEAD + b"\x00" * limit  # one header over the limit
        answer = httpx.post(url, files={"file": ("big.sqlite", body)}, timeout=30)
        assert answer.status_code == 413, answer.text
        assert str(limit) in answer.json()["detail"]
        # A declared length far over the limit is refused before reading.
        huge = httpx.post(
            url,
            content=b"x" * (limit + 2 * 1024 * 1024),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
            timeout=30,
        )
        assert huge.status_code == 413
        assert stored_uploads(tmp_path) == []
        assert httpx.get(f"{server.base_url}/api/ingest/jobs/x").status_code == 404
        assert httpx.get(f"{server.base_url}/api/imports").json()["total"] == 0
