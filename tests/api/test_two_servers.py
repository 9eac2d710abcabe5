"""Two ``serve`` processes on one PostgreSQL database with one uploads folder, as behind a
proxy: each announces what the other and the CLI did, a stream split between them gives
the trades of the same file, and a job whose server is killed is finished by the other."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer, live_servers
from sqlalchemy import select
from sse_client import SseClient, SseEvent

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Job
from strategy_analysis.ingest.demo_export import demo_batches, write_demo_export

from .factories import PARTITIONED_EXECUTIONS, write_partitioned_export
from .jobs_client import all_trades, upload, wait_job, wait_mid_import
from .test_event_resume import cli_import
from .test_stream import EXECUTIONS, SEED, _comparable, _file_with_run_id

RECOVER_SECONDS = 1.0


# The stream's rebuild child of each server (started with the server, a new interpreter
# importing the rebuild) only where a test streams: uploads and imports rebuild in the
# server's process.
NO_REBUILD_CHILD = {"REBUILD_PROCESS": "false"}


def _pair(database_url: str, tmp_path: Path, **env: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("servers share a PostgreSQL database; SQLite has one server per file")
    # A job whose server died is queued again at the survivor's next look (every second
    # here instead of every 30 s).
    servers = (
        LiveServer(database_url, tmp_path, JOB_RECOVER_SECONDS=str(RECOVER_SECONDS), **env),
        LiveServer(database_url, tmp_path, JOB_RECOVER_SECONDS=str(RECOVER_SECONDS), **env),
    )
    with live_servers(*servers) as (a, b):
        yield a, b


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    yield from _pair(database_url, tmp_path, **NO_REBUILD_CHILD)


@pytest.fixture
def two_streaming_servers(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[LiveServer, LiveServer]]:
    yield from _pair(database_url, tmp_path)


def _claimed_by(database_url: str, job_id: str) -> str:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(Job.claimed_by).where(Job.job_id == job_id)).scalar_one()
    finally:
        engine.dispose()


def _finished(job_id: str):  # type: ignore[no-untyped-def]
    def found(events: list[SseEvent]) -> bool:
        return any(e.type == "job_finished" and e.data["job_id"] == job_id for e in events)

    return found


def test_an_upload_to_one_server_is_announced_by_the_other(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("servers share a PostgreSQL database; SQLite has one server per file")
    path = tmp_path / "upload.sqlite"
    write_demo_export(path, executions=1000, seed=5)
    # Each with an uploads folder of its own: B cannot read A's uploads, so A runs the job.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        live_servers(
            LiveServer(database_url, tmp_path / "a", **NO_REBUILD_CHILD),
            LiveServer(database_url, tmp_path / "b", **NO_REBUILD_CHILD),
        ) as (a, b),
        SseClient(b.base_url) as listener,
    ):
        listener.wait_connected()
        with httpx.Client(base_url=a.base_url, timeout=60) as client:
            job_id = upload(client, path).json()["job_id"]
            events = listener.wait_for(_finished(job_id), timeout=120)
            run_id = client.get("/api/runs").json()["items"][0]["run_id"]
        assert _claimed_by(database_url, job_id).endswith(f":{a.process.pid}")  # type: ignore[union-attr]
    finished = [e for e in events if e.type == "job_finished"][-1]
    assert finished.data["status"] == "succeeded" and finished.id is not None
    updated = [e for e in events if e.type == "analysis_updated"]
    assert updated and updated[0].data["run_id"] == run_id and updated[0].data["trades"] > 0
    assert updated[0].data["strategy_id"] == "StackedImbalance"


def test_a_cli_import_is_announced_by_both(
    two_servers: tuple[LiveServer, LiveServer], tmp_path: Path
) -> None:
    path = tmp_path / "cli.sqlite"
    write_demo_export(path, executions=500, seed=6)
    listeners = [SseClient(server.base_url) for server in two_servers]
    try:
        for listener in listeners:
            listener.wait_connected()
        cli_import(two_servers[0].database_url, path, tmp_path)
        heard = [
            listener.wait_for(lambda ev: any(e.type == "import_finished" for e in ev))
            for listener in listeners
        ]
    finally:
        for listener in listeners:
            listener.close()
    for events in heard:
        kinds = [e.type for e in events if e.type != "connected"]
        assert kinds == ["analysis_updated", "import_finished"], kinds
        assert events[-1].data["source"] == "cli" and events[-1].data["file_name"] == "cli.sqlite"
    assert [e.id for e in heard[0]] == [e.id for e in heard[1]]


def test_a_stream_split_between_the_servers_gives_the_trades_of_the_file(
    two_streaming_servers: tuple[LiveServer, LiveServer], tmp_path: Path
) -> None:
    # The data of _file_with_run_id's file, in batches spread over both servers.
    batches = list(demo_batches(executions=EXECUTIONS, seed=SEED, batch_size=250))
    run_id = batches[0]["run"]["run_id"]
    clients = [httpx.Client(base_url=s.base_url, timeout=60) for s in two_streaming_servers]
    try:
        for number, batch in enumerate(batches):
            answer = clients[number % 2].post(
                "/api/ingest/stream",
                content=json.dumps(batch).encode(),
                headers={"Content-Type": "application/json"},
            )
            assert answer.status_code == 200 and answer.json()["status"] == "succeeded"
        a, b = clients
        file_job = upload(b, _file_with_run_id(tmp_path, "file-run")).json()["job_id"]
        assert wait_job(b, file_job)["status"] == "succeeded"
        expected = _comparable(all_trades(b, run_id="file-run"))
        assert len(expected) > 100
        deadline = time.monotonic() + 60
        while _comparable(all_trades(a, run_id=run_id)) != expected:
            assert time.monotonic() < deadline, "the streamed trades differ from the file's"
            time.sleep(0.2)
        # One history entry for the stream, whichever server took each batch.
        [session] = a.get("/api/imports", params={"source": "stream"}).json()["items"]
        assert (session["kind"], session["status"], session["batch_count"]) == (
            "stream_session",
            "closed",
            len(batches),
        )
        assert session["counts"]["executions"]["inserted"] == EXECUTIONS
    finally:
        for client in clients:
            client.close()


def test_a_job_of_a_killed_server_is_finished_by_the_other(
    two_servers: tuple[LiveServer, LiveServer], tmp_path: Path
) -> None:
    path = write_partitioned_export(tmp_path / "large.sqlite", seed=8)
    engine = make_engine(two_servers[0].database_url)
    try:
        with httpx.Client(base_url=two_servers[0].base_url, timeout=60) as client:
            job_id = upload(client, path).json()["job_id"]
        claimed_by = None
        deadline = time.monotonic() + 60
        while claimed_by is None:
            assert time.monotonic() < deadline, "no server started the job"
            with engine.connect() as conn:
                status, claimed_by = conn.execute(
                    select(Job.status, Job.claimed_by).where(Job.job_id == job_id)
                ).one()
            assert status in ("queued", "running"), status
            time.sleep(0.05)
    finally:
        engine.dispose()
    pids = [server.process.pid for server in two_servers]  # type: ignore[union-attr]
    running = pids.index(int(claimed_by.rsplit(":", 1)[1]))
    with httpx.Client(base_url=two_servers[running].base_url, timeout=60) as client:
        job = wait_mid_import(client, job_id)
    two_servers[running].kill()  # SIGKILL, mid-import
    assert job["status"] == "running", "the job ended before the kill: make the file bigger"
    assert 0 < job["progress_done"] < job["progress_total"], job
    survivor = two_servers[1 - running]
    with httpx.Client(base_url=survivor.base_url, timeout=60) as client:
        job = wait_job(client, job_id, timeout=240)
        assert job["status"] == "succeeded", job["error"]
        assert job["attempts"] == 2
        run = client.get("/api/runs").json()["items"][0]
        assert run["counts"]["executions"] == PARTITIONED_EXECUTIONS
        trades = client.get("/api/trades", params={"run_id": run["run_id"], "limit": 1}).json()
        assert trades["items"] and trades["total"] == run["counts"]["trades"] > 0
    assert _claimed_by(survivor.database_url, job_id).endswith(f":{pids[1 - running]}")
