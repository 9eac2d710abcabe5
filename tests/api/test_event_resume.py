"""GET /api/events over HTTP: an SSE client that reconnects with Last-Event-ID gets what
it missed meanwhile (a CLI import's events included), then ``connected``; an id the
server no longer keeps gets ``resync``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from app_server import AppServer
from live_server import ROOT
from sse_client import SseClient

from strategy_analysis.ingest.demo_export import write_demo_export


def cli_import(database_url: str, path: Path, workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "import", "--file", str(path)],
        cwd=workdir,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_client_that_reconnects_gets_what_it_missed(
    app_server: AppServer, tmp_path: Path
) -> None:
    base = app_server.base_url
    with SseClient(base) as first:
        start = first.wait_connected()
        with httpx.Client(base_url=base, timeout=60) as client:
            answer = client.put("/api/instruments/ES 12-25", json={"point_value": 50})
            assert answer.status_code == 200, answer.text
        seen = first.wait_for(lambda events: any(e.type == "instrument_updated" for e in events))
    last = [e for e in seen if e.id is not None][-1]
    assert last.type == "instrument_updated" and last.id > start.id

    # While no client listens: an instrument edit, and an import by another process.
    path = tmp_path / "missed.sqlite"
    write_demo_export(path, executions=300, seed=4)
    with httpx.Client(base_url=base, timeout=60) as client:
        assert client.put("/api/instruments/NQ 12-25", json={"point_value": 20}).status_code == 200
    cli_import(app_server.database_url, path, tmp_path)

    with SseClient(base, last_event_id=last.id) as resumed:
        resumed.wait_connected()
        events = resumed.events
    replayed = events[: [e.type for e in events].index("connected")]
    assert [e.type for e in replayed] == [
        "instrument_updated",
        "analysis_updated",
        "import_finished",
    ]
    assert replayed[0].data["symbol"] == "NQ 12-25"
    assert replayed[2].data["source"] == "cli" and replayed[2].data["status"] == "succeeded"
    assert replayed[1].data["run_id"] in replayed[2].data["run_ids"]
    ids = [e.id for e in replayed]
    assert ids == sorted(ids) and ids[0] > last.id  # type: ignore[operator]
    connected = events[len(replayed)]
    assert connected.id == ids[-1] and connected.data == {"last_event_id": ids[-1]}

    # Nothing new: a reconnect replays nothing; an id the server never gave: resync.
    with SseClient(base, last_event_id=ids[-1]) as again:  # type: ignore[arg-type]
        assert again.wait_connected().id == ids[-1]
        assert [e.type for e in again.events] == ["connected"]
    with SseClient(base, last_event_id=10**9) as stranger:
        stranger.wait_connected()
        assert [e.type for e in stranger.events] == ["resync", "connected"]
