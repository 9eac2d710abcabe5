"""Stream sessions on both databases: a run's batches make one history entry that adds up
their counts; the batch that closes the run closes it; a failed batch is counted with its
error; the history filters by source, run and status and lists a session's batches."""

from __future__ import annotations

from typing import Any

import pytest
from ingest.export_factory import execution, order, write_export
from sqlalchemy import Engine, text

from strategy_analysis.ingest.errors import StoreFailedError
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.services.imports_query import get_import, list_imports


def _batch(run_id: str, first: int, count: int, *, status: str = "RUNNING", **extra: Any) -> dict:
    executions = [
        {
            "execution_id": f"{run_id}-E{n}",
            "order_id": f"{run_id}-O{n}",
            "symbol": "ES",
            "side": "Buy" if n % 2 == 0 else "Sell",
            "exec_time_utc": f"2025-01-06T14:{n // 60 % 60:02d}:{n % 60:02d}Z",
            "price": 100.0 + n % 7,
            "quantity": 1,
        }
        for n in range(first, first + count)
    ]
    run = {"run_id": run_id, "strategy_id": "S1", "account_id": "A1", "status": status}
    return {"schema_version": "1.1", "run": run, "executions": executions, **extra}


def _history(engine: Engine, **filters: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows, total, _rejected = list_imports(conn, limit=100, offset=0, **filters)
    assert total == len(rows)
    return rows


def test_the_batches_of_a_run_make_one_entry_with_their_totals(engine: Engine) -> None:
    reports = [ingest_batch(engine, _batch("r1", n * 3, 3)) for n in range(4)]
    # A resent batch (unchanged records) and one with a rejected record.
    reports.append(ingest_batch(engine, _batch("r1", 0, 3)))
    bad = _batch("r1", 12, 2)
    bad["executions"][1]["price"] = -5
    reports.append(ingest_batch(engine, bad))
    assert all(r.status == "succeeded" for r in reports)

    [entry] = _history(engine)
    assert (entry["kind"], entry["source"], entry["status"]) == ("stream_session", "stream", "live")
    assert (entry["run_id"], entry["strategy_id"], entry["batch_count"]) == ("r1", "S1", 6)
    assert entry["counts"]["executions"] == {
        "inserted": 13,
        "updated": 0,
        "unchanged": 3,
        "rejected": 1,
        "conflicts": 0,
    }
    assert entry["rejected_count"] == 1 and entry["file_name"] is None
    assert entry["last_batch_at"] >= entry["created_at"]
    assert entry["duration_seconds"] > 0

    batches = _history(engine, session_id=entry["import_id"])
    assert [b["import_id"] for b in batches] == [r.import_id for r in reversed(reports)]
    assert {b["kind"] for b in batches} == {"stream_batch"}
    with engine.connect() as conn:
        detail = get_import(conn, entry["import_id"], limit=10, offset=0)
    assert detail is not None and detail["rejected_total"] == 1
    assert "price" in detail["rejected"][0]["reason"]


def test_the_closing_batch_closes_the_session_and_a_later_one_opens_another(
    engine: Engine,
) -> None:
    ingest_batch(engine, _batch("r2", 0, 2))
    ingest_batch(engine, _batch("r2", 2, 2, status="COMPLETED"))
    [closed] = _history(engine)
    assert (closed["status"], closed["batch_count"]) == ("closed", 2)
    assert closed["finished_at"] is not None

    ingest_batch(engine, _batch("r2", 4, 1))
    newer, older = _history(engine)
    assert older["import_id"] == closed["import_id"] and older["batch_count"] == 2
    assert (newer["status"], newer["batch_count"], newer["run_id"]) == ("live", 1, "r2")


def test_runs_have_sessions_of_their_own_and_market_data_shares_one(engine: Engine) -> None:
    ingest_batch(engine, _batch("ra", 0, 1))
    ingest_batch(engine, _batch("rb", 0, 1))
    ingest_batch(engine, _batch("ra", 1, 1))
    for n in range(2):
        bar = {
            "symbol": "ES",
            "timeframe": "1m",
            "start_time_utc": f"2025-01-06T14:0{n}:00Z",
            "open": 1,
            "high": 2,
            "low": 0.5,
            "close": 1.5,
            "volume": 10,
        }
        ingest_batch(engine, {"schema_version": "1.1", "bars": [bar]})
    entries = {e["run_id"]: e for e in _history(engine)}
    assert {run: e["batch_count"] for run, e in entries.items()} == {"ra": 2, "rb": 1, None: 2}
    assert entries[None]["counts"]["bars"]["inserted"] == 2


def _refuse_execution(engine: Engine, execution_id: str) -> None:
    """A trigger that fails the statement storing ``execution_id``, as a real fault would."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_execution BEFORE INSERT ON executions "
                    f"WHEN NEW.execution_id = '{execution_id}' "
                    "BEGIN SELECT RAISE(ABORT, 'execution refused'); END"
                )
            )
            return
        conn.execute(
            text(
                "CREATE FUNCTION refuse_execution() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN IF NEW.execution_id = '{execution_id}' THEN "
                "RAISE EXCEPTION 'execution refused'; END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse_execution BEFORE INSERT ON executions "
                "FOR EACH ROW EXECUTE FUNCTION refuse_execution()"
            )
        )


def test_a_failed_batch_is_counted_with_its_error(engine: Engine) -> None:
    ingest_batch(engine, _batch("rf", 0, 2))
    broken = _batch("rf", 2, 1)
    _refuse_execution(engine, broken["executions"][0]["execution_id"])
    with pytest.raises(StoreFailedError) as failure:
        ingest_batch(engine, broken)
    assert failure.value.report.status == "failed"
    [entry] = _history(engine)
    assert entry["batch_count"] == 2 and entry["status"] == "live"
    assert entry["error"].startswith("a batch failed: ")
    assert entry["counts"]["executions"]["inserted"] == 2  # the failed batch stored nothing
    statuses = [b["status"] for b in _history(engine, session_id=entry["import_id"])]
    assert statuses == ["failed", "succeeded"]


def test_the_history_filters_by_source_run_and_status(engine: Engine, tmp_path: Any) -> None:
    path = tmp_path / "file.sqlite"
    write_export(
        path,
        metadata={
            "schema_version": "1.1",
            "run_id": "file-run",
            "strategy_id": "S2",
            "account_id": "A1",
        },
        orders=[order("O1")],
        executions=[execution("E1", order_id="O1")],
    )
    file_report = import_export_file(engine, path, source="cli")
    assert file_report.status == "succeeded", file_report.error
    ingest_batch(engine, _batch("rs", 0, 1, status="COMPLETED"))
    ingest_batch(engine, _batch("rt", 0, 1))

    assert [e["run_id"] for e in _history(engine)] == ["rt", "rs", "file-run"]
    [file_entry] = _history(engine, source="cli")
    assert (file_entry["kind"], file_entry["run_id"], file_entry["strategy_id"]) == (
        "import",
        "file-run",
        "S2",
    )
    assert file_entry["batch_count"] is None and file_entry["size_bytes"] > 0
    assert [e["run_id"] for e in _history(engine, source="stream")] == ["rt", "rs"]
    assert [e["run_id"] for e in _history(engine, run_id="rs")] == ["rs"]
    assert [e["run_id"] for e in _history(engine, status="live")] == ["rt"]
    assert [e["run_id"] for e in _history(engine, status="closed")] == ["rs"]
    assert [e["run_id"] for e in _history(engine, status="succeeded")] == ["file-run"]
    assert _history(engine, source="upload") == []
