"""Small HTTP steps shared by the API tests."""

from __future__ import annotations

import time
from pathlib import Path

import httpx


def upload(
    client: httpx.Client, path: Path, *, name: str | None = None, **params
) -> httpx.Response:
    with path.open("rb") as handle:
        return client.post(
            "/api/ingest/upload",
            files={"file": (name or path.name, handle, "application/octet-stream")},
            params=params,
        )


def wait_job(client: httpx.Client, job_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/ingest/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish within {timeout} s: {job}")


def wait_mid_import(client: httpx.Client, job_id: str) -> dict:
    """The job once its import has reported rows written (the caller checks it is not at the
    end yet: a kill then lands mid-import)."""
    deadline = time.monotonic() + 60
    while True:
        job = client.get(f"/api/ingest/jobs/{job_id}").json()
        if job["status"] != "queued" and (job["progress_done"] or 0) > 0:
            return job
        assert time.monotonic() < deadline, f"the import never progressed: {job}"
        time.sleep(0.005)


def all_trades(client: httpx.Client, **params) -> list[dict]:
    trades: list[dict] = []
    while True:
        page = client.get(
            "/api/trades", params={**params, "limit": 1000, "offset": len(trades)}
        ).json()
        trades.extend(page["items"])
        if len(trades) >= page["total"] or not page["items"]:
            return trades
