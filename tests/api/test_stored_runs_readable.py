"""Runs stored before the import refused such values stay readable and reachable: a lone
surrogate in a run's parameters and metadata (SQLite keeps it as a JSON escape), a run id
of 10,000 characters or with a NUL (SQLite kept any text)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from app_server import AppServer
from sqlalchemy import insert

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Execution, Run, Strategy

from .stream_invariant import API_KEY, client_for

NO_DOCUMENTS = {"parameters": None, "run_metadata": None}
POISONED = {
    "surrogate": {"parameters": {"ratio": "\ud800"}, "run_metadata": {"note": "\udcff"}},
    "long-" + "r" * 10_000: NO_DOCUMENTS,
    "nul\x00run": NO_DOCUMENTS,
}


def test_runs_stored_with_bad_values_read_by_list_and_by_id(tmp_path: Path, sqlite_template: Path):
    path = tmp_path / "legacy.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Strategy), [{"strategy_id": "S"}])
        conn.execute(
            insert(Run),
            [{"run_id": run_id, "strategy_id": "S", **v} for run_id, v in POISONED.items()],
        )
        conn.execute(
            insert(Execution),
            [
                {
                    "run_id": run_id,
                    "execution_id": "E1",
                    "order_id": "O1",
                    "symbol": "ES",
                    "side": "BUY",
                    "exec_time": datetime(2025, 1, 6, 10, tzinfo=UTC),
                    "price": 100.0,
                    "quantity": 1.0,
                    "fee": 0.0,
                    "sequence": 1,
                }
                for run_id in POISONED
            ],
        )
    engine.dispose()
    with (
        AppServer(url, tmp_path, API_KEY=API_KEY) as server,
        client_for(server.base_url) as client,
    ):
        listed = client.get("/api/runs")
        assert listed.status_code == 200, listed.text[:300]
        assert {run["run_id"] for run in json.loads(listed.content)["items"]} == set(POISONED)
        for run_id in POISONED:
            one = client.get(f"/api/runs/{quote(run_id, safe='')}")
            assert one.status_code == 200, (run_id[:20], one.status_code, one.text[:300])
            assert one.json()["counts"]["executions"] == 1
            trades = client.get("/api/trades", params={"run_id": run_id})
            assert trades.status_code == 200, (run_id[:20], trades.text[:300])
        surrogate = client.get("/api/runs/surrogate").json()
        # sent as the JSON escape of the lone surrogate
        assert surrogate["parameters"] == {"ratio": "\ud800"}
