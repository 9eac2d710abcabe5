"""Issue 20's bad values over HTTP, on both databases with ``API_KEY`` set: a record value
that cannot be stored rejects that record with its reason while the rest of the batch or
file is stored; a run value that cannot be stored refuses the batch (422) naming it; a
body nested too deep is 400. Nothing stored stays unreadable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app_server import AppServer
from ingest.export_factory import TextBytes, execution, write_export
from sqlalchemy import func, select

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Bar, Execution, Order, Run

from .jobs_client import upload, wait_job
from .stream_invariant import API_KEY, check_runs_readable, client_for, stream_execution


def _order(n: int, **values: Any) -> dict[str, Any]:
    return {
        "order_id": f"o{n}",
        "strategy_id": "S",
        "account_id": "A",
        "symbol": "ES",
        "side": "BUY",
        "order_type": "MARKET",
        "submit_time_utc": "2025-01-06T10:00:00Z",
        "quantity": 1,
        "status": "FILLED",
        **values,
    }


def _bar(symbol: str) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "timeframe": "1m",
        "start_time_utc": "2025-01-06T10:00:00Z",
        "open": 1,
        "high": 1,
        "low": 1,
        "close": 1,
        "volume": 1,
    }


# (name, batch, table, reason): the first record of the table is rejected for reason, the
# second one stored.
RECORD_FAULTS = [
    ("201-character order_id", [_order(1, order_id="x" * 201), _order(2)], "orders",
     "order_id: is longer than 200 characters"),
    ("201-character symbol", [stream_execution(1, symbol="x" * 201), stream_execution(2)], "executions",
     "symbol: is longer than 200 characters"),
    ("201-character client_tag", [_order(1, client_tag="x" * 201), _order(2)], "orders",
     "client_tag: is longer than 200 characters"),
    ("NUL in a bar's symbol", [_bar("E\x00S"), _bar("ES")], "bars",
     "symbol: contains a NUL character"),
    ("lone surrogate", [stream_execution(1, order_id="\ud800"), stream_execution(2)], "executions",
     "order_id: is not valid Unicode"),
    ("offset beyond year 9999",
     [stream_execution(1, exec_time_utc="9999-12-31T23:59:59-01:00"), stream_execution(2)], "executions",
     "outside years 1-9999"),
    ("quantity 1e-10", [stream_execution(1, quantity=1e-10), stream_execution(2)], "executions",
     "quantity: must be from 1e-9 to 1e9"),
    ("quantity 1e308", [stream_execution(1, quantity=1e308), stream_execution(2)], "executions",
     "quantity: must be from 1e-9 to 1e9"),
]  # fmt: skip
# (name, run, words the 422 names)
RUN_FAULTS = [
    ("blank run_id", {"run_id": "   "}, ["run.run_id", "required"]),
    ("NUL in strategy_name", {"run_id": "r", "strategy_name": "a\x00b"}, ["strategy_name", "NUL"]),
    ("NUL in parameters", {"run_id": "r", "parameters": {"k": "v\x00"}}, ["parameters", "NUL"]),
    ("lone surrogate in parameters", {"run_id": "r", "parameters": {"k": "\ud800"}},
     ["parameters", "Unicode"]),
    ("10,000-character run_id", {"run_id": "r" * 10_000}, ["run_id", "longer than 200"]),
    ("NUL in run_id", {"run_id": "r\x00"}, ["run_id", "NUL"]),
]  # fmt: skip

_TABLES = {"orders": Order, "executions": Execution, "bars": Bar}


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(_TABLES[table])).scalar_one()


def test_bad_values_reject_their_record_or_refuse_the_batch(database_url, tmp_path):
    engine = make_engine(database_url)
    with (
        AppServer(database_url, tmp_path, API_KEY=API_KEY) as server,
        client_for(server.base_url) as client,
    ):

        def post(batch: dict[str, Any] | bytes):
            body = batch if isinstance(batch, bytes) else json.dumps(batch).encode()
            return client.post("/api/ingest/stream", content=body)

        for name, records, table, reason in RECORD_FAULTS:
            before = _count(engine, table)
            answer = post({"run": {"run_id": f"run-{name}"}, table: records})
            assert answer.status_code == 200, (name, answer.text)
            report = answer.json()
            assert report["status"] == "succeeded", (name, report)
            [rejected] = report["rejected"]
            assert (rejected["table"], rejected["position"]) == (table, 0), name
            assert reason in rejected["reason"], (name, rejected["reason"])
            assert _count(engine, table) == before + 1, name

        with engine.connect() as conn:
            runs_before = conn.execute(select(func.count()).select_from(Run)).scalar_one()
        for name, run, words in RUN_FAULTS:
            answer = post({"run": run, "executions": [stream_execution(99)]})
            assert answer.status_code == 422, (name, answer.status_code, answer.text)
            detail = answer.json()["detail"]
            assert all(word in detail for word in words), (name, detail)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(Run)).scalar_one() == runs_before

        deep = b'{"run": {"run_id": "deep"}, "pad": ' + b"[" * 1000 + b"]" * 1000 + b"}"
        answer = post(deep)
        assert answer.status_code == 400, answer.text
        assert "nests deeper than 64 levels" in answer.json()["detail"]

        check_runs_readable(client)
    engine.dispose()


def test_an_upload_with_a_text_cell_that_is_not_utf8_rejects_that_record(
    database_url, tmp_path: Path
):
    path = write_export(
        tmp_path / "my-export.sqlite",
        metadata={"schema_version": "1.1", "run_id": "utf8"},
        executions=[
            execution("E1", symbol=TextBytes(b"ES \xff")),
            execution("E2", exec_time_utc="9999-12-31T23:59:59-01:00"),
            execution("E3"),
        ],
    )
    with (
        AppServer(database_url, tmp_path, API_KEY=API_KEY) as server,
        client_for(server.base_url) as client,
    ):
        client.headers.pop("Content-Type")
        accepted = upload(client, path)
        assert accepted.status_code == 202, accepted.text
        job = wait_job(client, accepted.json()["job_id"])
        assert job["status"] == "succeeded", job
        report = job["report"]
        assert report["counts"]["executions"]["inserted"] == 1
        reasons = {r["position"]: r["reason"] for r in report["rejected"]}
        assert "symbol: is not valid Unicode" in reasons[1]
        assert "outside years 1-9999" in reasons[2]
        # the record as read is shown with its byte escaped, so any answer can carry it
        [first] = [r for r in report["rejected"] if r["position"] == 1]
        assert first["record"]["symbol"] == "ES \\udcff"
        check_runs_readable(client)
