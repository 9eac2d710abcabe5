"""A rebuild that fails is visible: on the run (GET /api/runs, /api/runs/{id}), as an
``analysis_failed`` event, on the upload job (which phase failed), until a rebuild of the
same data succeeds.

The failure is provoked by an execution written straight into the database with a
quantity of 0, which no import accepts but which every rebuild of its (run, symbol) reads.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from app_server import AppServer
from sqlalchemy import delete, func, insert, select

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Execution, ImportRecord
from strategy_analysis.ingest.demo_export import write_demo_export

from .event_listener import EventListener
from .jobs_client import upload, wait_job
from .uploads_folder import uploads_left_after_job

T0 = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)
POISON = "poison"


def poison(database_url: str, run_id: str, symbol: str, when: datetime) -> None:
    """An execution no rebuild can use, written as a broken row would be."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(Execution).values(
                    run_id=run_id,
                    execution_id=POISON,
                    order_id=POISON,
                    symbol=symbol,
                    side="BUY",
                    exec_time=when,
                    price=100.0,
                    quantity=0.0,
                    fee=0.0,
                    sequence=10**9,
                )
            )
    finally:
        engine.dispose()


def cure(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(delete(Execution).where(Execution.execution_id == POISON))
    finally:
        engine.dispose()


def post_fill(client: httpx.Client, run_id: str, n: int) -> None:
    """One stream batch with one fill at T0 + n minutes (alternately buy and sell)."""
    batch = {
        "schema_version": "1.1",
        "run": {"run_id": run_id, "strategy_id": "S", "account_id": "A", "status": "RUNNING"},
        "executions": [
            {
                "execution_id": f"e{n}",
                "order_id": f"o{n}",
                "symbol": "ES",
                "side": "Buy" if n % 2 == 0 else "Sell",
                "exec_time_utc": (T0 + timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S"),
                "price": 100 + n,
                "quantity": 1,
            }
        ],
    }
    answer = client.post(
        "/api/ingest/stream",
        content=gzip.compress(json.dumps(batch).encode()),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "succeeded", answer.text


def run_of(client: httpx.Client, run_id: str) -> dict:
    answer = client.get(f"/api/runs/{run_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def listed(client: httpx.Client, run_id: str) -> dict:
    items = client.get("/api/runs").json()["items"]
    return next(item for item in items if item["run_id"] == run_id)


@pytest.fixture
def quick_rebuilds(database_url: str, tmp_path: Path) -> Iterator[AppServer]:
    """A server that rebuilds a stream's trades 0.1 s after its last batch (1 s by default):
    the test waits for three rebuilds."""
    with AppServer(database_url, tmp_path, REBUILD_DEBOUNCE_SECONDS="0.1") as server:
        yield server


def test_a_failed_stream_rebuild_shows_on_the_run_until_a_rebuild_succeeds(quick_rebuilds):
    app_server = quick_rebuilds
    run_id = "streamed"
    with (
        httpx.Client(base_url=app_server.base_url, timeout=30) as client,
        EventListener(app_server.base_url) as events,
    ):
        post_fill(client, run_id, 0)
        post_fill(client, run_id, 1)
        events.wait_for("analysis_updated", lambda data: data["trades"] == 1)
        built = run_of(client, run_id)
        assert built["analysis_status"] == "built" and built["analysis_error"] is None

        poison(app_server.database_url, run_id, "ES", T0 + timedelta(minutes=1, seconds=30))
        post_fill(client, run_id, 2)
        failed_event = events.wait_for("analysis_failed", lambda data: data["run_id"] == run_id)
        assert failed_event["strategy_id"] == "S" and failed_event["symbols"] == ["ES"]
        assert "quantity must be finite and > 0" in failed_event["error"]

        for run in (run_of(client, run_id), listed(client, run_id)):
            assert run["analysis_status"] == "failed"
            assert "ExecutionDataError" in run["analysis_error"]
            assert POISON in run["analysis_error"]
            assert run["analysis_failed_symbols"] == ["ES"]
            assert run["analysis_failed_at"].endswith("Z")
            # The trades of the last rebuild that succeeded are still there.
            assert run["counts"]["trades"] == 1

        cure(app_server.database_url)
        post_fill(client, run_id, 3)
        events.wait_for("analysis_updated", lambda data: data["trades"] == 2)
        cured = run_of(client, run_id)
        assert cured["analysis_status"] == "built"
        assert cured["analysis_error"] is None and cured["analysis_failed_at"] is None
        assert cured["analysis_failed_symbols"] == []


@pytest.fixture
def demo_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "mine.sqlite"
    write_demo_export(path, executions=2000, seed=5)
    with sqlite3.connect(path) as conn:
        run_id = conn.execute("SELECT value FROM Metadata WHERE key = 'run_id'").fetchone()[0]
        symbol = conn.execute("SELECT symbol FROM Executions ORDER BY rowid LIMIT 1").fetchone()[0]
    return path, f"{run_id}|{symbol}"


def test_a_failed_rebuild_after_an_upload_fails_the_job_in_its_rebuild_phase(
    app_server, demo_file, tmp_path
):
    path, key = demo_file
    run_id, symbol = key.split("|")
    # The broken row is there before the run's own executions arrive.
    poison(app_server.database_url, run_id, symbol, T0)
    with (
        httpx.Client(base_url=app_server.base_url, timeout=60) as client,
        EventListener(app_server.base_url) as events,
    ):
        job = wait_job(client, upload(client, path).json()["job_id"])
        assert job["status"] == "failed"
        assert job["failed_phase"] == "rebuild"
        assert job["error"].startswith("rebuild failed: ") and POISON in job["error"]
        # The import itself succeeded and stays committed, with its report.
        report = job["report"]
        assert report["status"] == "succeeded" and report["file_name"] == "mine.sqlite"
        assert report["counts"]["executions"]["inserted"] == 2000
        assert job["import_id"] is not None
        detail = client.get(f"/api/imports/{job['import_id']}").json()
        assert detail["status"] == "succeeded"
        run = run_of(client, run_id)
        assert run["counts"]["executions"] == 2001
        assert run["analysis_status"] == "failed" and symbol in run["analysis_failed_symbols"]
        failed = events.wait_for("analysis_failed", lambda data: data["run_id"] == run_id)
        assert failed["strategy_id"] == run["strategy_id"]
        finished = events.wait_for("job_finished")
        assert finished["status"] == "failed" and finished["failed_phase"] == "rebuild"
    # The upload's file is gone once the job ended.
    assert uploads_left_after_job(tmp_path) == []
    engine = make_engine(app_server.database_url)
    try:
        with engine.connect() as conn:
            statuses = conn.execute(select(ImportRecord.status)).scalars().all()
            executions = conn.execute(select(func.count()).select_from(Execution)).scalar_one()
    finally:
        engine.dispose()
    assert statuses == ["succeeded"] and executions == 2001


def test_a_point_value_change_whose_rebuild_fails_is_stored_and_names_the_run(app_server):
    run_id = "priced"
    with httpx.Client(base_url=app_server.base_url, timeout=30) as client:
        post_fill(client, run_id, 0)
        poison(app_server.database_url, run_id, "ES", T0 + timedelta(minutes=1))
        answer = client.put("/api/instruments/ES", json={"point_value": 50, "tick_size": 0.25})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["instrument"]["point_value"] == 50
        assert list(body["failed_runs"]) == [run_id]
        assert "quantity must be finite and > 0" in body["failed_runs"][run_id]
        assert run_of(client, run_id)["analysis_status"] == "failed"
        listed_instrument = next(
            i for i in client.get("/api/instruments").json() if i["symbol"] == "ES"
        )
        assert listed_instrument["point_value"] == 50
