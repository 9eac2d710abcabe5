"""PUT /api/instruments rebuilds the symbol; the API key guards every write endpoint."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from app_server import AppServer

from .factories import RUN_ID, seed_run


def test_put_instrument_rebuilds_the_symbols_trades(engine, app_server):
    seed_run(engine)
    with httpx.Client(base_url=app_server.base_url, timeout=30) as client:
        answer = client.put("/api/instruments/ES", json={"point_value": 20, "tick_size": 0.25})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["instrument"]["point_value"] == 20.0 and body["instrument"]["configured"]
        assert body["rebuilt_runs"] == 1 and body["trades"] == 2
        trades = client.get("/api/trades", params={"symbol": "ES", "sort": "entry_time"}).json()
        # Rebuilt from the fills: long 100 -> 101 and short 100 -> 102, 1 contract, x 20.
        assert [t["pnl_gross"] for t in trades["items"]] == [20.0, -40.0]
        listed = {i["symbol"]: i for i in client.get("/api/instruments").json()}
        assert listed["ES"]["configured"] and listed["ES"]["tick_size"] == 0.25
        assert not listed["NQ"]["configured"]
        stats = client.get(f"/api/runs/{RUN_ID}/stats").json()["statistics"]
        assert stats["net_profit"] == pytest.approx(20.0 - 40.0 - 4.0)


@pytest.mark.parametrize(
    "body",
    [{"point_value": 0}, {"point_value": -1}, {"point_value": "x"}, {}, {"point_value": 1, "x": 1}],
)
def test_put_instrument_refuses_bad_bodies(app_server, body):
    answer = httpx.put(f"{app_server.base_url}/api/instruments/ES", json=body, timeout=10)
    assert answer.status_code == 422
    assert isinstance(answer.json()["detail"], str)


def test_api_key_required_for_every_write(database_url, tmp_path, engine):
    seed_run(engine)
    batch = gzip.compress(json.dumps({"schema_version": "1.1"}).encode())
    with AppServer(database_url, tmp_path, API_KEY="s3cret") as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            writes = [
                lambda headers: client.put(
                    "/api/instruments/ES", json={"point_value": 5}, headers=headers
                ),
                lambda headers: client.post(
                    "/api/ingest/stream",
                    content=batch,
                    headers={
                        **headers,
                        "Content-Encoding": "gzip",
                        "Content-Type": "application/json",
                    },
                ),
                lambda headers: client.post(
                    "/api/ingest/upload",
                    files={"file": ("x.sqlite", b"SQLite format 3\x00" + b"\x00" * 100)},
                    headers=headers,
                ),
            ]
            for write in writes:
                for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": "s3cret-longer"}):
                    answer = write(headers)
                    assert answer.status_code == 401, answer.text
                    assert "X-API-Key" in answer.json()["detail"]
            # Nothing was written by the refused requests.
            assert client.get("/api/instruments").json()[0]["configured"] is False
            assert client.get("/api/imports").json()["total"] == 0
            # Reads need no key; a write with the key goes through.
            assert client.get("/api/trades").status_code == 200
            answer = client.put(
                "/api/instruments/ES", json={"point_value": 5}, headers={"X-API-Key": "s3cret"}
            )
            assert answer.status_code == 200, answer.text
