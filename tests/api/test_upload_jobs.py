"""Upload -> job -> trades over HTTP, dry run, duplicates, bad files, SSE."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.jobs.upload_store import MARKER

from .jobs_client import all_trades, upload, wait_job

PROTOTYPE = Path(__file__).resolve().parents[1] / "fixtures" / "prototype-export-1.0.sqlite"
# Trades on every symbol and account, and progress events before the job ends, as with
# 2000 executions; the many uploads here each import it again.
EXECUTIONS = 300


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    write_demo_export(path, executions=EXECUTIONS, seed=7)
    return path


@pytest.fixture
def client(app_server):
    with httpx.Client(base_url=app_server.base_url, timeout=60) as c:
        yield c


def test_upload_job_then_trades(client, demo_file, tmp_path):
    answer = upload(client, demo_file)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "queued" and body["duplicate_of"] is None
    assert body["job"]["file_name"] == "demo.sqlite" and body["job"]["size_bytes"] > 0
    job = wait_job(client, body["job_id"])
    assert job["status"] == "succeeded", job
    assert job["error"] is None and job["import_id"] is not None
    assert job["report"]["counts"]["executions"]["inserted"] == EXECUTIONS
    assert job["progress_total"] and job["progress_done"] == job["progress_total"]
    # The trades are built before the job says succeeded.
    runs = client.get("/api/runs").json()
    assert runs["total"] == 1
    run = runs["items"][0]
    assert run["counts"]["executions"] == EXECUTIONS
    trades = all_trades(client, run_id=run["run_id"])
    assert len(trades) == run["counts"]["trades"] > 0
    assert client.get(f"/api/runs/{run['run_id']}/stats").json()["statistics"]["total_trades"] > 0
    history = client.get("/api/imports").json()
    assert history["total"] == 1 and history["items"][0]["job_id"] == body["job_id"]
    detail = client.get(f"/api/imports/{job['import_id']}").json()
    assert detail["status"] == "succeeded" and detail["rejected_total"] == 0
    # The stored upload is removed once imported.
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [MARKER]


def test_duplicate_upload_is_recognised(client, demo_file):
    first = upload(client, demo_file)
    first_job = wait_job(client, first.json()["job_id"])
    trades_before = all_trades(client)
    second = upload(client, demo_file, name="same-content.sqlite")
    assert second.status_code == 202
    assert second.json()["duplicate_of"] == first_job["import_id"]
    assert "already imported" in second.json()["message"]
    job = wait_job(client, second.json()["job_id"])
    assert job["status"] == "succeeded"
    assert job["report"]["duplicate_of"] == first_job["import_id"]
    counts = job["report"]["counts"]
    assert counts["executions"]["inserted"] == counts["executions"]["updated"] == 0
    assert counts["executions"]["unchanged"] == EXECUTIONS
    assert all_trades(client) == trades_before


def test_dry_run_writes_nothing(client, demo_file, tmp_path):
    answer = upload(client, demo_file, dry_run="true")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["status"] == "dry_run"
    assert report["counts"]["executions"]["inserted"] == EXECUTIONS
    assert report["counts"]["orders"]["inserted"] > 0 and report["import_id"] is None
    assert client.get("/api/runs").json()["total"] == 0
    assert client.get("/api/trades").json()["total"] == 0
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [MARKER]


def test_prototype_export_imports(client):
    job = wait_job(client, upload(client, PROTOTYPE).json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["report"]["schema_version"] in ("1.0", None)
    assert job["report"]["counts"]["orders"]["inserted"] == 1


def test_traversal_style_names_are_only_display_names(client, demo_file, tmp_path):
    outside = tmp_path / "escaped.sqlite"
    for name in ("../escaped.sqlite", "..\\..\\escaped.sqlite", "/etc/passwd", "a/../../b\x00c.db"):
        answer = upload(client, demo_file, name=name)
        assert answer.status_code == 202, answer.text
        shown = answer.json()["job"]["file_name"]
        assert shown is None or ("/" not in shown and "\\" not in shown and ".." != shown)
        wait_job(client, answer.json()["job_id"])
    assert not outside.exists()
    assert not Path("/etc/passwd.upload").exists()


def _truncated(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 3])
    return dst


def _no_export_tables(dst: Path) -> Path:
    with sqlite3.connect(dst) as conn:
        conn.execute("CREATE TABLE Notes (text TEXT)")
        conn.execute("INSERT INTO Notes VALUES ('hello')")
    return dst


def _future_schema(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    with sqlite3.connect(dst) as conn:
        conn.execute("UPDATE Metadata SET value = '2.0' WHERE key = 'schema_version'")
    return dst


def _garbage_after_header(dst: Path) -> Path:
    dst.write_bytes(b"SQLite format 3\x00" + b"\xde\xad\xbe\xef" * 5000)
    return dst


@pytest.mark.parametrize("kind", ["truncated", "no-export-tables", "schema-2.0", "garbage"])
def test_bad_files_fail_the_job_with_nothing_written(client, demo_file, tmp_path, kind):
    dst = tmp_path / f"{kind}.sqlite"
    path = {
        "truncated": lambda: _truncated(demo_file, dst),
        "no-export-tables": lambda: _no_export_tables(dst),
        "schema-2.0": lambda: _future_schema(demo_file, dst),
        "garbage": lambda: _garbage_after_header(dst),
    }[kind]()
    answer = upload(client, path)
    if answer.status_code == 202:
        job = wait_job(client, answer.json()["job_id"])
        assert job["status"] == "failed", job
        assert job["error"]
        if kind == "schema-2.0":
            assert "2.0" in job["error"]
    else:
        assert 400 <= answer.status_code < 500
    assert client.get("/api/runs").json()["total"] == 0
    assert client.get("/api/trades").json()["total"] == 0
    dry = upload(client, path, dry_run="true")
    assert 400 <= dry.status_code < 500 and dry.json()["detail"]


def test_sse_delivers_analysis_updated_after_upload(app_server, demo_file):
    events: list[tuple[str, dict]] = []
    connected = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{app_server.base_url}/api/events", timeout=60) as stream:
            name = None
            for line in stream.iter_lines():
                if line.startswith(": connected"):
                    connected.set()
                elif line.startswith("event: "):
                    name = line[len("event: ") :]
                elif line.startswith("data: ") and name:
                    events.append((name, json.loads(line[len("data: ") :])))
                    if name == "job_finished":
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(10)
    with httpx.Client(base_url=app_server.base_url, timeout=60) as client:
        job_id = upload(client, demo_file).json()["job_id"]
        listener.join(60)
        run_id = client.get("/api/runs").json()["items"][0]["run_id"]
    names = [name for name, _ in events]
    assert "job_progress" in names and names[-1] == "job_finished"
    updated = [data for name, data in events if name == "analysis_updated"]
    assert updated and updated[0]["run_id"] == run_id and updated[0]["trades"] > 0
    assert updated[0]["strategy_id"]
    # analysis_updated comes before the job is reported finished.
    assert names.index("analysis_updated") < names.index("job_finished")
    finished = events[-1][1]
    assert finished["job_id"] == job_id and finished["status"] == "succeeded"
