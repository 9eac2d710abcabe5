"""SIGKILL the server while an upload job runs; after a restart the job is resumed and the
data is exactly what an uninterrupted import gives."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from live_server import LiveServer
from sqlalchemy import func, select

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Execution, Job

from .factories import PARTITIONED_EXECUTIONS as EXECUTIONS
from .factories import stored_trades, write_partitioned_export
from .jobs_client import upload, wait_job, wait_mid_import

# One worker (pytest-xdist) runs this module: it writes the big export once.
pytestmark = pytest.mark.xdist_group("restart-big-export")


@pytest.fixture(scope="module")
def big_export(tmp_path_factory) -> Path:
    return write_partitioned_export(tmp_path_factory.mktemp("big") / "big.sqlite", seed=3)


def _left_by_the_kill(database_url: str, job_id: str) -> tuple[str, int, int]:
    """The killed job's status and attempts as stored, and the executions stored."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            status, attempts = conn.execute(
                select(Job.status, Job.attempts).where(Job.job_id == job_id)
            ).one()
            executions = conn.execute(select(func.count()).select_from(Execution)).scalar_one()
    finally:
        engine.dispose()
    return status, attempts, executions


@pytest.mark.slow
def test_killed_job_resumes_after_restart(database_url, tmp_path, big_export):
    # PostgreSQL: should the killed server's session outlive it for a moment, the restarted
    # server looks again for the job it left running after 1 s instead of 30 s. No stream:
    # no rebuild child (an upload job rebuilds in the server's process).
    server = LiveServer(
        database_url, tmp_path, JOB_RECOVER_SECONDS="1", REBUILD_PROCESS="false"
    ).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            job_id = upload(client, big_export).json()["job_id"]
            job = wait_mid_import(client, job_id)
            server.kill()
            assert job["status"] == "running", "the job ended before the kill: make the file bigger"
            assert 0 < job["progress_done"] < job["progress_total"], job
        # The kill landed mid-import: the job was left running in its first attempt, rows
        # written (above) and none of them committed.
        assert _left_by_the_kill(database_url, job_id) == ("running", 1, 0)

        server.start()
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            job = wait_job(client, job_id, timeout=300)
            assert job["status"] == "succeeded", job["error"]
            assert job["attempts"] == 2
            runs = client.get("/api/runs").json()
            assert runs["total"] == 1
            run = runs["items"][0]
            assert run["counts"]["executions"] == EXECUTIONS
            assert run["counts"]["trades"] > 0
            trades_after_resume = stored_trades(database_url, run["run_id"])
            stats_after_resume = client.get(f"/api/runs/{run['run_id']}/stats").json()

            # An uninterrupted import of the same file finds every record already there ...
            again = wait_job(client, upload(client, big_export).json()["job_id"], timeout=300)
            assert again["status"] == "succeeded", again["error"]
            counts = again["report"]["counts"]
            for table in ("orders", "executions", "bars"):
                assert counts[table]["inserted"] == counts[table]["updated"] == 0, counts
                assert counts[table]["conflicts"] == counts[table]["rejected"] == 0
            assert counts["executions"]["unchanged"] == EXECUTIONS
            # ... and the trades and statistics it rebuilds are the same.
            assert stored_trades(database_url, run["run_id"]) == trades_after_resume
            stats = client.get(f"/api/runs/{run['run_id']}/stats").json()
            assert stats["statistics"] == stats_after_resume["statistics"]
            history = client.get("/api/imports").json()["items"]
            assert all(item["status"] != "running" for item in history)
    finally:
        server.stop()
