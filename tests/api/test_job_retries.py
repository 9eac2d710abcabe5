"""Upload jobs retry transient database errors and keep their file until they end.

PostgreSQL: the import's backend is terminated in the middle of the import (as an
administrator or a failover would); SQLite: another process takes the write lock the
moment it is free (the job has started) and holds it beyond the busy timeout, so the
import, or the rebuild after it, meets "database is locked". Either way the job is tried
again and succeeds, with every record stored once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from app_server import AppServer
from sqlalchemy import make_url

from .event_listener import EventListener
from .factories import PARTITIONED_EXECUTIONS as EXECUTIONS
from .factories import write_partitioned_export
from .jobs_client import upload, wait_job, wait_mid_import
from .uploads_folder import stored_uploads, uploads_left_after_job

# The server's SQLite busy timeout in these tests (30 s by default), and a lock held beyond
# it, also for a rebuild that computes for a while before it writes (when the lock is
# taken only after the import's commit).
BUSY_TIMEOUT_SECONDS = 1
LOCK_HELD_SECONDS = 4

# One worker (pytest-xdist) runs this module: it writes the big export once.
pytestmark = pytest.mark.xdist_group("job-retries-big-export")


@pytest.fixture(scope="module")
def big_export(tmp_path_factory) -> Path:
    return write_partitioned_export(tmp_path_factory.mktemp("big") / "big.sqlite", seed=4)


def import_backends(conn: psycopg.Connection) -> list[int]:
    """Backends of the test database inside a transaction that wrote (the import's)."""
    return conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
    ).fetchall()


@pytest.mark.slow
def test_a_connection_lost_mid_import_is_retried(database_url, tmp_path, big_export):
    if not database_url.startswith("postgresql"):
        pytest.skip("a backend to terminate is PostgreSQL's")
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    server = AppServer(database_url, tmp_path, JOB_RETRY_DELAY_SECONDS="0.5").start()
    try:
        with (
            httpx.Client(base_url=server.base_url, timeout=120) as client,
            EventListener(server.base_url) as events,
            psycopg.connect(libpq, autocommit=True) as admin,
        ):
            job_id = upload(client, big_export).json()["job_id"]
            mid_import = wait_mid_import(client, job_id)
            victims = import_backends(admin)
            assert victims, "the import ended before its backend could be terminated"
            for (pid,) in victims:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            assert mid_import["status"] == "running", mid_import
            assert 0 < mid_import["progress_done"] < mid_import["progress_total"], mid_import

            retrying = events.wait_for("job_retrying", lambda data: data["job_id"] == job_id)
            assert retrying["phase"] == "import" and retrying["attempt"] == 1
            # The file stays while the job waits for its next attempt.
            assert len(stored_uploads(tmp_path)) == 1

            job = wait_job(client, job_id, timeout=300)
            assert job["status"] == "succeeded", job["error"]
            assert job["failed_phase"] is None
            counts = job["report"]["counts"]
            # The lost attempt was rolled back whole: this one inserted everything.
            assert counts["executions"]["inserted"] == EXECUTIONS
            run = client.get("/api/runs").json()["items"][0]
            assert run["counts"]["executions"] == EXECUTIONS
            assert run["counts"]["orders"] == counts["orders"]["inserted"] > 0
            assert run["analysis_status"] == "built" and run["counts"]["trades"] > 0
            history = client.get("/api/imports").json()["items"]
            assert [item["status"] for item in history] == ["succeeded"]
        assert uploads_left_after_job(tmp_path) == []
        assert "trying again" in server.log()
    finally:
        server.stop()


# Waits for a job to start, takes the database's write lock as soon as it can (before
# the job's import does, or right after its commit), holds it, then lets it go.
_LOCK_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
print("watching", flush=True)
deadline = time.monotonic() + 300
while not conn.execute("SELECT count(*) FROM jobs WHERE status = 'running'").fetchone()[0]:
    assert time.monotonic() < deadline
    time.sleep(0.0005)
while True:
    try:
        conn.execute("BEGIN IMMEDIATE")
        break
    except sqlite3.OperationalError:
        assert time.monotonic() < deadline
        time.sleep(0.001)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", flush=True)
"""


@pytest.mark.slow
def test_a_write_lock_held_beyond_the_timeout_is_retried(database_url, tmp_path, big_export):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock")
    database = make_url(database_url).database
    server = AppServer(
        database_url,
        tmp_path,
        JOB_RETRY_DELAY_SECONDS="1",
        SQLITE_BUSY_TIMEOUT_SECONDS=str(BUSY_TIMEOUT_SECONDS),
    ).start()
    holder = None
    try:
        with (
            httpx.Client(base_url=server.base_url, timeout=120) as client,
            EventListener(server.base_url) as events,
        ):
            holder = subprocess.Popen(
                [sys.executable, "-c", _LOCK_HOLDER, database, str(LOCK_HELD_SECONDS)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert holder.stdout is not None and holder.stdout.readline() == "watching\n"
            job_id = upload(client, big_export).json()["job_id"]
            assert holder.stdout.readline() == "locked\n"
            retrying = events.wait_for(
                "job_retrying", lambda data: data["job_id"] == job_id, timeout=120
            )
            assert retrying["phase"] in ("import", "rebuild")
            assert "database is locked" in retrying["error"]
            job = wait_job(client, job_id, timeout=300)
            assert holder.wait(60) == 0
            assert job["status"] == "succeeded", job["error"]
            assert job["report"]["counts"]["executions"]["inserted"] == EXECUTIONS
            run = client.get("/api/runs").json()["items"][0]
            assert run["counts"]["executions"] == EXECUTIONS
            # The failure the rebuild met while it waited is gone with its success.
            assert run["analysis_status"] == "built" and run["analysis_error"] is None
            assert run["counts"]["trades"] > 0
        assert uploads_left_after_job(tmp_path) == []
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
        server.stop()
