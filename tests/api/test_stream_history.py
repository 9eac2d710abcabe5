"""Over HTTP: 300 stream batches of one run make one entry of the import history, with
their totals; its batches are one request away."""

from __future__ import annotations

import json

import httpx
from app_server import AppServer

# Six pages of the history (50 entries by default): the batches still make one entry.
BATCHES = 300


def _batch(number: int) -> bytes:
    executions = [
        {
            "execution_id": f"E{number}-{k}",
            "order_id": f"O{number}-{k}",
            "symbol": "ES",
            "side": "Buy" if k == 0 else "Sell",
            "exec_time_utc": f"2025-01-06T{number // 3600 % 24:02d}:{number // 60 % 60:02d}:"
            f"{number % 60:02d}.{k}Z",
            "price": 100.0 + number % 5,
            "quantity": 1,
        }
        for k in range(2)
    ]
    if number % 100 == 0:
        executions[1]["quantity"] = 0  # rejected: every 100th batch has one
    status = "COMPLETED" if number == BATCHES - 1 else "RUNNING"
    run = {"run_id": "long-stream", "strategy_id": "S1", "account_id": "A1", "status": status}
    return json.dumps({"schema_version": "1.1", "run": run, "executions": executions}).encode()


def test_hundreds_of_batches_make_one_history_entry(app_server: AppServer) -> None:
    with httpx.Client(base_url=app_server.base_url, timeout=60) as client:
        for number in range(BATCHES):
            answer = client.post(
                "/api/ingest/stream",
                content=_batch(number),
                headers={"Content-Type": "application/json"},
            )
            assert answer.status_code == 200, answer.text
        history = client.get("/api/imports").json()
        assert history["total"] == 1
        [entry] = history["items"]
        assert (entry["kind"], entry["status"], entry["run_id"], entry["strategy_id"]) == (
            "stream_session",
            "closed",
            "long-stream",
            "S1",
        )
        assert entry["batch_count"] == BATCHES
        assert entry["counts"]["executions"] == {
            "inserted": 2 * BATCHES - BATCHES // 100,
            "updated": 0,
            "unchanged": 0,
            "rejected": BATCHES // 100,
            "conflicts": 0,
        }
        assert entry["rejected_count"] == BATCHES // 100
        batches = client.get(
            "/api/imports", params={"session_id": entry["import_id"], "limit": 5}
        ).json()
        assert batches["total"] == BATCHES
        assert [b["kind"] for b in batches["items"]] == ["stream_batch"] * 5
        detail = client.get(f"/api/imports/{entry['import_id']}").json()
        assert detail["rejected_total"] == BATCHES // 100
        run = client.get("/api/runs/long-stream").json()
        assert run["counts"]["executions"] == 2 * BATCHES - BATCHES // 100
