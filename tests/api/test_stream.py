"""POST /api/ingest/stream over HTTP: out-of-order and retried batches give the trades of
the same data imported as a file; gzip bodies; rejected records with position and reason."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from app_server import AppServer

from strategy_analysis.ingest.demo_export import demo_batches, write_demo_export

from .jobs_client import all_trades, upload, wait_job

# Six batches (five shuffled, each sent twice) of a few hundred trades, positions open
# across batches, as 3000 executions in batches of 500 gave.
EXECUTIONS = 1500
BATCH = 250
SEED = 11
COMPARED = (
    "account_id",
    "symbol",
    "side",
    "status",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "quantity",
    "pnl_gross",
    "commission",
    "pnl_net",
    "mae",
    "mfe",
    "mae_points",
    "mfe_points",
    "etd",
    "duration_seconds",
)


def _comparable(trades: list[dict]) -> list[tuple]:
    def value(v):
        return round(v, 6) if isinstance(v, float) else v

    return sorted(tuple(value(t[name]) for name in COMPARED) for t in trades)


def _post(client: httpx.Client, batch: dict, *, compress: bool = False) -> httpx.Response:
    body = json.dumps(batch).encode()
    headers = {"Content-Type": "application/json"}
    if compress:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return client.post("/api/ingest/stream", content=body, headers=headers)


def _file_with_run_id(tmp_path: Path, run_id: str) -> Path:
    path = tmp_path / "same-data.sqlite"
    write_demo_export(path, executions=EXECUTIONS, seed=SEED)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE Metadata SET value = ? WHERE key = 'run_id'", (run_id,))
    return path


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    return last


def test_out_of_order_and_retried_batches_match_the_file(live_server, tmp_path):
    batches = list(demo_batches(executions=EXECUTIONS, seed=SEED, batch_size=BATCH))
    run_id = batches[0]["run"]["run_id"]
    closing = batches[-1]
    shuffled = batches[:-1]
    random.Random(3).shuffle(shuffled)
    with httpx.Client(base_url=live_server.base_url, timeout=60) as client:
        for batch in shuffled:
            first = _post(client, batch)
            assert first.status_code == 200, first.text
            retry = _post(client, batch, compress=True)  # the client retried (gzip this time)
            assert retry.status_code == 200, retry.text
            counts = retry.json()["counts"]
            assert counts["executions"]["inserted"] == counts["executions"]["updated"] == 0
            assert counts["executions"]["unchanged"] == len(batch.get("executions") or [])
        assert _post(client, closing).status_code == 200
        run = client.get(f"/api/runs/{run_id}").json()
        assert run["status"] == "COMPLETED" and run["counts"]["executions"] == EXECUTIONS

        file_path = _file_with_run_id(tmp_path, "file-run")
        job = wait_job(client, upload(client, file_path).json()["job_id"])
        assert job["status"] == "succeeded", job["error"]
        expected = _comparable(all_trades(client, run_id="file-run"))
        assert len(expected) > 100

        streamed = _wait_for(
            lambda: _comparable(all_trades(client, run_id=run_id)) == expected, timeout=60
        )
        got = _comparable(all_trades(client, run_id=run_id))
        assert streamed, f"{len(got)} streamed trades vs {len(expected)} from the file"


def test_rejected_records_report_position_key_and_reason(database_url, tmp_path):
    batch = {
        "schema_version": "1.1",
        "run": {"run_id": "r-1", "strategy_id": "S", "account_id": "A", "status": "RUNNING"},
        "executions": [
            {
                "execution_id": "good",
                "order_id": "o1",
                "symbol": "ES",
                "side": "Buy",
                "exec_time_utc": "2025-01-06 14:30:00.1234567",
                "price": 100,
                "quantity": 1,
            },
            {
                "execution_id": "bad",
                "order_id": "o1",
                "symbol": "ES",
                "side": "Buy",
                "exec_time_utc": "2025-01-06 14:31:00",
                "price": -5,
                "quantity": 1,
            },
        ],
    }
    # A short debounce: the test waits for the rebuild, not for the timer.
    with (
        AppServer(database_url, tmp_path, REBUILD_DEBOUNCE_SECONDS="0.1") as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        answer = _post(client, batch, compress=True)
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["counts"]["executions"]["inserted"] == 1
        assert report["counts"]["executions"]["rejected"] == 1
        (rejected,) = report["rejected"]
        assert rejected["table"] == "executions" and rejected["position"] == 1
        assert rejected["key"] and "bad" in rejected["key"]
        assert "price" in rejected["reason"]
        # The execution arrived before its order: kept; the trade shows up after the debounce.
        opened = _wait_for(
            lambda: client.get("/api/trades", params={"run_id": "r-1"}).json()["items"]
        )
        assert opened and opened[0]["status"] == "OPEN"
        assert opened[0]["entry_time"] == "2025-01-06T14:30:00.123456Z"
        imports = client.get("/api/imports").json()["items"]
        assert imports[0]["source"] == "stream" and imports[0]["rejected_count"] == 1


def test_nan_and_huge_numbers_get_a_verdict_per_record(app_server):
    # NaN and a 20-digit integer are read as the json module reads them: each record gets
    # its own verdict, the batch is not refused as "not JSON".
    record = (
        '{{"execution_id": "{id}", "order_id": "o1", "symbol": "ES", "side": "Buy",'
        ' "exec_time_utc": "2025-01-06 14:30:00", "price": {price}, "quantity": 1}}'
    )
    body = (
        '{"schema_version": "1.1", "run": {"run_id": "r-nan", "strategy_id": "S",'
        ' "account_id": "A"}, "executions": ['
        + ", ".join(
            record.format(id=i, price=p)
            for i, p in (("nan", "NaN"), ("big", "12345678901234567890123"), ("ok", "100.5"))
        )
        + "]}"
    )
    with httpx.Client(base_url=app_server.base_url, timeout=30) as client:
        answer = client.post(
            "/api/ingest/stream", content=body, headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["counts"]["executions"]["inserted"] == 1
    assert [(r["key"], r["position"]) for r in report["rejected"]] == [("nan", 0), ("big", 1)]
    # a price is at most 1e15 (README: values it stores)
    assert "price: must be at most 1e15" in report["rejected"][1]["reason"]


@pytest.mark.parametrize("body", [{"run": "x"}, {"executions": "nope"}, {"executions": [1]}])
def test_wrong_batch_shapes_are_422(app_server, body):
    answer = _post(httpx.Client(base_url=app_server.base_url, timeout=30), body)
    assert answer.status_code == 422, answer.text
    assert isinstance(answer.json()["detail"], str) and answer.json()["detail"]


def test_gzip_upload_of_a_batch(database_url, tmp_path):
    (batch,) = list(demo_batches(executions=200, seed=5, batch_size=1000))
    path = tmp_path / "batch.json.gz"
    path.write_bytes(gzip.compress(json.dumps(batch).encode()))
    with (
        AppServer(database_url, tmp_path) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as client,
    ):
        job = wait_job(client, upload(client, path).json()["job_id"])
        assert job["status"] == "succeeded", job
        assert job["report"]["counts"]["executions"]["inserted"] == 200
        assert client.get("/api/trades").json()["total"] > 0
    shutil.rmtree(tmp_path / "uploads", ignore_errors=True)
