"""Execution quality and data-quality findings over HTTP, on both databases: each check
fires exactly once on a crafted export imported from a file; the verdict is on the run;
a clean run says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from quality.crafted_export import EXPECTED, RUN_ID, write_crafted_export
from sqlalchemy import insert, text

from strategy_analysis.db.models import Execution
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.trades.rebuild import after_import_hook, rebuild_trades

from .in_process import app_client, settings_for


@pytest.fixture
def client(engine, database_url, tmp_path):
    path = write_crafted_export(tmp_path / "crafted.sqlite")
    report = import_export_file(engine, path, after_import=after_import_hook(engine))
    assert report.status == "succeeded", report.error
    with app_client(settings_for(database_url, tmp_path)) as client:
        yield client


def test_every_check_fires_exactly_once(client):
    answer = client.get(f"/api/runs/{RUN_ID}/quality")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verdict"] == "errors" and body["updated_at"] is not None
    found = {f["check"]: f for f in body["findings"]}
    assert [f["check"] for f in body["findings"]] == list(EXPECTED)
    open_trades = client.get("/api/trades", params={"run_id": RUN_ID, "status": "OPEN"}).json()[
        "items"
    ]
    for check, (severity, examples) in EXPECTED.items():
        finding = found[check]
        assert (finding["severity"], finding["count"]) == (severity, 1), check
        if examples is None:
            examples = [open_trades[0]["trade_id"]]
        assert finding["examples"] == examples, check


def test_verdict_on_the_run_and_in_the_list(client):
    assert client.get(f"/api/runs/{RUN_ID}").json()["quality_verdict"] == "errors"
    (listed,) = client.get("/api/runs").json()["items"]
    assert listed["quality_verdict"] == "errors"
    assert client.get("/api/runs/nope/quality").status_code == 404


def test_execution_quality_of_the_run_and_of_a_symbol(client):
    whole = client.get(f"/api/runs/{RUN_ID}/execution-quality").json()
    assert (whole["orders"], whole["executions"], whole["symbols"]) == (5, 6, ["ES 12-25", "NQ"])
    by_status = {r["status"]: r for r in whole["by_status"]}
    # O1, O2, O4 (overfilled: 2 of 1) and O5 filled; O3 working.
    assert by_status["FILLED"] == {
        "status": "FILLED",
        "count": 4,
        "ordered_quantity": 4.0,
        "filled_quantity": 5.0,
        "fill_ratio": 1.25,
    }
    assert by_status["NEW"]["fill_ratio"] == 0.0
    # Market orders only: no reference price, no slippage rows.
    assert whole["slippage"] == []
    # O1 30 s, O2 60 s, O4 10 s, O5 10 s: median 20, p95 55.5.
    assert whole["time_to_fill"] == {"orders": 4, "median_seconds": 20.0, "p95_seconds": 55.5}
    assert whole["liquidity"] == [
        {"liquidity_flag": "TAKER", "executions": 6, "quantity": 6.0, "fees": 15.0}
    ]
    nq = client.get(f"/api/runs/{RUN_ID}/execution-quality", params={"symbol": "NQ"}).json()
    assert (nq["symbol"], nq["orders"], nq["executions"]) == ("NQ", 1, 2)
    assert nq["time_to_fill"]["median_seconds"] == 10.0
    none = client.get(f"/api/runs/{RUN_ID}/execution-quality", params={"symbol": "CL"}).json()
    assert (none["orders"], none["executions"], none["by_status"]) == (0, 0, [])


def test_a_clean_run(engine, database_url, tmp_path):
    run = {"run_id": "clean-run", "strategy_id": "S", "account_id": "A1", "status": "COMPLETED"}
    fill = {"symbol": "ES", "quantity": 1, "price": 100.0}
    batch = {
        "schema_version": "1.1",
        "run": run,
        "instruments": [{"symbol": "ES", "point_value": 50}],
        "bars": [
            {"symbol": "ES", "timeframe": "1m", "start_time_utc": f"2025-01-06 10:0{m}:00",
             "open": 100, "high": 101, "low": 99, "close": 100, "volume": 1}
            for m in range(3)
        ],
        "orders": [
            {"order_id": "O1", "symbol": "ES", "side": "BUY", "order_type": "LIMIT",
             "price": 100.25, "submit_time_utc": "2025-01-06 10:00:00", "quantity": 1,
             "status": "FILLED"},
            {"order_id": "O2", "symbol": "ES", "side": "SELL", "order_type": "MARKET",
             "submit_time_utc": "2025-01-06 10:01:00", "quantity": 1, "status": "FILLED"},
        ],
        "executions": [
            {"execution_id": "E1", "order_id": "O1", "side": "BUY",
             "exec_time_utc": "2025-01-06 10:00:05", **fill},
            {"execution_id": "E2", "order_id": "O2", "side": "SELL",
             "exec_time_utc": "2025-01-06 10:01:05", **fill},
        ],
    }  # fmt: skip
    assert ingest_batch(engine, batch).status == "succeeded"
    rebuild_trades(engine, run_id="clean-run")
    with app_client(settings_for(database_url, tmp_path)) as client:
        assert client.get("/api/runs/clean-run/quality").json()["findings"] == []
        assert client.get("/api/runs/clean-run").json()["quality_verdict"] == "clean"
        quality = client.get("/api/runs/clean-run/execution-quality").json()
        # Bought 0.25 under the limit: better than asked, -0.25 x 1 x 50.
        assert quality["slippage"] == [
            {"order_type": "LIMIT", "executions": 1, "slippage_points_total": -0.25,
             "slippage_points_mean": -0.25, "slippage_total": -12.5, "slippage_mean": -12.5}
        ]  # fmt: skip


def test_the_pre_import_report_lists_the_findings(engine, database_url, tmp_path):
    path = write_crafted_export(tmp_path / "crafted.sqlite")
    with app_client(settings_for(database_url, tmp_path)) as client:
        with path.open("rb") as body:
            answer = client.post(
                "/api/ingest/upload",
                params={"dry_run": "true"},
                files={"file": ("crafted.sqlite", body, "application/octet-stream")},
            )
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert (report["status"], report["verdict"]) == ("dry_run", "errors")
        assert [(f["run_id"], f["check"], f["count"]) for f in report["findings"]] == [
            (RUN_ID, check, 1) for check in EXPECTED
        ]
        # Nothing was written.
        assert client.get("/api/runs").json()["items"] == []


def test_a_dry_run_whose_trades_cannot_be_built_says_so(engine, database_url, tmp_path):
    """A stored fill no rebuild accepts (a quantity of 0 written by hand): the dry run of
    the run's file is still a report, whose findings name the fill, not a failure."""
    path = write_crafted_export(tmp_path / "crafted.sqlite")
    report = import_export_file(engine, path)
    assert report.status == "succeeded", report.error
    with engine.begin() as conn:  # a row the file does not hold: the dry run keeps it
        symbol = conn.execute(
            text("SELECT min(symbol) FROM executions WHERE run_id = :r"), {"r": RUN_ID}
        ).scalar_one()
        conn.execute(
            insert(Execution).values(
                run_id=RUN_ID, execution_id="broken", order_id="broken", symbol=symbol,
                side="BUY", exec_time=datetime(2025, 1, 6, tzinfo=UTC), price=1.0,
                quantity=0.0, fee=0.0, sequence=10**9,
            )
        )  # fmt: skip
    with app_client(settings_for(database_url, tmp_path)) as client:
        with path.open("rb") as body:
            answer = client.post(
                "/api/ingest/upload",
                params={"dry_run": "true"},
                files={"file": ("crafted.sqlite", body, "application/octet-stream")},
            )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["status"], report["verdict"]) == ("dry_run", "errors")
    first = report["findings"][0]
    assert (first["run_id"], first["check"], first["severity"]) == (
        RUN_ID, "trades_not_built", "error"
    )  # fmt: skip
    assert "quantity must be finite and > 0" in first["examples"][0]


def test_a_stream_is_assessed_when_it_closes(engine, database_url, tmp_path):
    from strategy_analysis.trades.incremental import rebuild_since

    since = 1_736_121_600_000_000  # 2025-01-06 00:00 UTC: the incremental path

    run = {"run_id": "live", "strategy_id": "S", "account_id": "A1", "status": "RUNNING"}
    order = {
        "order_id": "O1",
        "symbol": "ES",
        "side": "BUY",
        "order_type": "MARKET",
        "submit_time_utc": "2025-01-06 10:00:00",
        "quantity": 1,
        "status": "Working",
    }
    fill = {"execution_id": "E1", "order_id": "O1", "symbol": "ES", "side": "BUY",
            "exec_time_utc": "2025-01-06 10:00:01", "price": 100.0, "quantity": 1}  # fmt: skip
    batch = {"schema_version": "1.1", "run": run, "orders": [order], "executions": [fill]}
    assert ingest_batch(engine, batch).affected == [("live", "ES")]
    rebuild_since(engine, {("live", "ES"): since})
    with app_client(settings_for(database_url, tmp_path)) as client:
        found = {f["check"] for f in client.get("/api/runs/live/quality").json()["findings"]}
        # Still running: a working order and an open trade are no finding yet.
        assert found == {"point_value_missing", "no_bars"}
        closing = {**batch, "run": {**run, "status": "COMPLETED"}, "orders": [], "executions": []}
        closed = ingest_batch(engine, closing)
        assert closed.affected == [("live", "ES")]
        rebuild_since(engine, {("live", "ES"): since})
        found = {f["check"] for f in client.get("/api/runs/live/quality").json()["findings"]}
        assert found == {"point_value_missing", "order_left_working", "open_at_end", "no_bars"}
