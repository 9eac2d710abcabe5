"""The database fails under a stream, and no answered batch is lost: a SQLite write lock
held by another process past the busy timeout answers 503 with ``Retry-After``; PostgreSQL
connections terminated while hundreds of batches arrive leave every batch answered 2xx
wholly in the database."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from app_server import AppServer
from sqlalchemy import make_url, select

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Execution

from .stream_invariant import API_KEY, check_runs_readable, client_for

# Holds SQLite's write lock until its standard input closes (another process, as a CLI
# import would be).
_LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


def _batch(run_id: str, first: int, count: int) -> dict[str, Any]:
    return {
        "run": {"run_id": run_id, "strategy_id": "S"},
        "executions": [
            {
                "execution_id": f"e{n}",
                "order_id": f"o{n}",
                "symbol": "ES",
                "side": "BUY" if n % 2 == 0 else "SELL",
                "exec_time_utc": f"2025-01-06T10:{n // 60 % 60:02d}:{n % 60:02d}Z",
                "price": 100.0 + n % 7,
                "quantity": 1,
            }
            for n in range(first, first + count)
        ],
    }


def _stored_ids(engine, run_id: str) -> set[str]:
    with engine.connect() as conn:
        query = select(Execution.execution_id).where(Execution.run_id == run_id)
        return set(conn.execute(query).scalars())


def test_a_sqlite_lock_held_past_the_busy_timeout_is_503_and_nothing_answered_is_lost(
    tmp_path: Path, sqlite_template: Path
):
    path = tmp_path / "locked.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with (
        AppServer(url, tmp_path, API_KEY=API_KEY, SQLITE_BUSY_TIMEOUT_SECONDS="1") as server,
        client_for(server.base_url) as client,
    ):
        first = client.post("/api/ingest/stream", json=_batch("locked", 0, 50))
        assert first.status_code == 200, first.text
        locker = subprocess.Popen(
            [sys.executable, "-c", _LOCKER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
            started = time.monotonic()
            refused = client.post("/api/ingest/stream", json=_batch("locked", 50, 50))
            waited = time.monotonic() - started
        finally:
            locker.communicate("", timeout=30)
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"].isdigit()
        assert "locked" in refused.json()["detail"]
        # waited for the lock about as long as the busy timeout, not twice as long
        assert 1 <= waited < 10, waited
        assert _stored_ids(engine, "locked") == {f"e{n}" for n in range(50)}
        # sent again once the lock is gone: stored
        again = client.post("/api/ingest/stream", json=_batch("locked", 50, 50))
        assert again.status_code == 200, again.text
        assert _stored_ids(engine, "locked") == {f"e{n}" for n in range(100)}
        check_runs_readable(client)
    engine.dispose()


def _terminate_backends(admin_url: str, database: str, stop: threading.Event, count: list[int]):
    rng = random.Random(20)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        while not stop.is_set():
            terminated = conn.execute(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()) t",
                (database,),
            ).fetchone()
            count[0] += terminated[0] if terminated else 0
            stop.wait(rng.uniform(0.02, 0.2))


def test_postgresql_connections_terminated_mid_stream_lose_no_answered_batch(
    postgres_server, postgres_template_url, tmp_path: Path
):
    if postgres_server is None:
        pytest.skip("PostgreSQL unreachable (see the warning above)")
    database_url = postgres_server.fresh()
    url = make_url(database_url)
    admin_url = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    engine = make_engine(database_url)
    stop = threading.Event()
    terminated = [0]
    answers: dict[int, int] = {}
    acknowledged: set[str] = set()
    with (
        AppServer(database_url, tmp_path, API_KEY=API_KEY) as server,
        client_for(server.base_url) as client,
    ):
        killer = threading.Thread(
            target=_terminate_backends,
            args=(admin_url, url.database, stop, terminated),
            daemon=True,
        )
        killer.start()
        try:
            for number in range(300):
                batch = _batch("terminated", number * 50, 50)
                # a client sends a refused batch again, as the C# HttpExporter does
                for _attempt in range(20):
                    answer = client.post("/api/ingest/stream", json=batch)
                    answers[answer.status_code] = answers.get(answer.status_code, 0) + 1
                    if 200 <= answer.status_code < 300:
                        assert answer.json()["status"] == "succeeded", answer.text
                        acknowledged.update(e["execution_id"] for e in batch["executions"])
                        break
                    assert answer.status_code == 503, answer.text
                    assert answer.headers["Retry-After"].isdigit()
        finally:
            stop.set()
            killer.join(10)
        stored = _stored_ids(engine, "terminated")
        assert acknowledged <= stored, (
            f"{len(acknowledged - stored)} acknowledged executions are not stored; "
            f"answers {answers}"
        )
        # the fault reached the stream, and every batch got in once sent again
        assert answers.get(503, 0) > 0, (answers, terminated)
        assert len(acknowledged) == 300 * 50, answers
        check_runs_readable(client)
    engine.dispose()
