"""Uploads leave nothing behind in UPLOAD_DIR, read WAL-mode exports consistently or say
why not, and name the user's file in their messages."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from app_server import AppServer
from sqlalchemy import make_url
from wal_exports import open_wal_export, sidecars

from strategy_analysis.ingest.demo_export import write_demo_export

from .jobs_client import upload, wait_job
from .uploads_folder import uploads_left_after_job


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    write_demo_export(path, executions=2000, seed=9)
    return path


@pytest.fixture
def client(app_server):
    with httpx.Client(base_url=app_server.base_url, timeout=60) as c:
        yield c


_HOLD_WRITE_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


@pytest.mark.slow
def test_an_upload_answered_503_leaves_no_file(database_url, demo_file, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock makes the queueing fail")
    database = make_url(database_url).database
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITE_LOCK, database],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    # The queueing gives up after the busy timeout (30 s by default).
    with (
        AppServer(database_url, tmp_path, SQLITE_BUSY_TIMEOUT_SECONDS="1") as server,
        httpx.Client(base_url=server.base_url, timeout=60) as client,
    ):
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
            answer = upload(client, demo_file)
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"]
            assert uploads_left_after_job(tmp_path) == []
        finally:
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.close()
            holder.wait(30)
        # Once the lock is gone the same upload is queued and imported.
        job = wait_job(client, upload(client, demo_file).json()["job_id"])
        assert job["status"] == "succeeded", job
        assert uploads_left_after_job(tmp_path) == []


def test_a_wal_mode_upload_without_its_wal_is_refused_with_the_reason(client, demo_file, tmp_path):
    exporter = tmp_path / "exporter"
    exporter.mkdir()
    writer = open_wal_export(demo_file, exporter / "live.sqlite")
    try:
        # What a user uploads while the exporter still has the file open: the file alone.
        copied = tmp_path / "copied.sqlite"
        shutil.copyfile(exporter / "live.sqlite", copied)
        dry = upload(client, copied, name="exporter-open.sqlite", dry_run="true")
        assert dry.status_code == 422
        job = wait_job(client, upload(client, copied, name="exporter-open.sqlite").json()["job_id"])
    finally:
        writer.close()
    assert job["status"] == "failed" and job["failed_phase"] == "import"
    for error in (dry.json()["detail"], job["error"]):
        assert "exporter-open.sqlite is in WAL mode and holds no records" in error
        assert "-wal" in error and "wal_checkpoint" in error
        assert ".upload" not in error
    assert client.get("/api/runs").json()["total"] == 0
    # Neither the file nor a -wal or -shm of it stays behind.
    assert uploads_left_after_job(tmp_path) == []


def test_a_wal_mode_upload_with_its_records_in_the_file_imports_and_warns(
    client, demo_file, tmp_path
):
    exported = tmp_path / "exporter" / "closed.sqlite"
    exported.parent.mkdir()
    open_wal_export(demo_file, exported).close()  # closing moves the records into the file
    assert sidecars(exported.parent) == []
    job = wait_job(client, upload(client, exported).json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["report"]["counts"]["executions"]["inserted"] == 2000
    (warning,) = job["report"]["warnings"]
    assert warning.startswith("closed.sqlite is in WAL mode")
    assert uploads_left_after_job(tmp_path) == []


def test_refusals_name_the_users_file_not_the_servers_copy(client, demo_file, tmp_path):
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(demo_file.read_bytes()[: demo_file.stat().st_size // 3])
    job = wait_job(client, upload(client, cut, name="my export.sqlite").json()["job_id"])
    assert job["error"].startswith("my export.sqlite is truncated"), job["error"]
    assert ".upload" not in job["error"]
    assert job["status"] == "failed" and job["failed_phase"] == "import"
    dry = upload(client, cut, name="my export.sqlite", dry_run="true")
    assert dry.status_code == 422
    assert "my export.sqlite is truncated" in dry.json()["detail"]
    assert ".upload" not in dry.json()["detail"]


def test_a_gzip_batch_refusal_names_the_users_file(client, tmp_path):
    batch = tmp_path / "batch.json.gz"
    batch.write_bytes(gzip.compress(b'{"schema_version": "1.1", "run": '))
    job = wait_job(client, upload(client, batch, name="my batch.json.gz").json()["job_id"])
    assert job["error"].startswith("my batch.json.gz does not hold JSON"), job["error"]
    assert job["status"] == "failed" and job["failed_phase"] == "import"
    assert uploads_left_after_job(tmp_path) == []
