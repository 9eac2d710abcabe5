"""Error texts in API answers name the fault, never the statement or its bound values.

A trigger makes the database refuse every new strategy, as a real fault would (a constraint,
a lost connection): the failing statement carries the batch's values as parameters.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, text

from strategy_analysis.db.models import ImportRecord, Job

from .factories import one_fill_batch
from .in_process import app_client, settings_for

PROTOTYPE = Path(__file__).resolve().parents[1] / "fixtures" / "prototype-export-1.0.sqlite"
SECRET = "private-strategy-name-4711"
LEAKS = ("[SQL", "[parameters", "INSERT", "SELECT", SECRET, "\n")


def _refuse_new_strategies(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_strategies BEFORE INSERT ON strategies "
                    "BEGIN SELECT RAISE(ABORT, 'strategies are closed'); END"
                )
            )
            return
        conn.execute(
            text(
                "CREATE FUNCTION refuse_strategies() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'strategies are closed'; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse_strategies BEFORE INSERT ON strategies "
                "FOR EACH ROW EXECUTE FUNCTION refuse_strategies()"
            )
        )


def _assert_clean(error: str | None) -> None:
    assert error, "the failure is named"
    assert "strategies are closed" in error, error
    for leak in LEAKS:
        assert leak not in error, f"{leak!r} in {error!r}"


def _batch() -> dict:
    run = {"run_id": "run-with-private-values", "strategy_id": SECRET, "strategy_name": SECRET}
    return one_fill_batch({**run, "status": "RUNNING"})


def test_a_stream_batch_the_database_refuses(database_url, engine, tmp_path) -> None:
    _refuse_new_strategies(engine)
    with app_client(settings_for(database_url, tmp_path)) as client:
        answer = client.post("/api/ingest/stream", json=_batch())
        assert "error" in answer.text or "detail" in answer.text
        assert answer.status_code != 200 or answer.json()["status"] == "failed"
        for leak in LEAKS[:-1]:
            assert leak not in answer.text, f"{leak!r} in the answer {answer.text}"
        # The history shows the run's stream session, which keeps its failed batch's error.
        (session,) = client.get("/api/imports").json()["items"]
        assert session["kind"] == "stream_session" and session["batch_count"] == 1
        _assert_clean(session["error"])
        batches = client.get("/api/imports", params={"session_id": session["import_id"]})
        (record,) = batches.json()["items"]
        assert record["status"] == "failed"
        _assert_clean(record["error"])
        _assert_clean(client.get(f"/api/imports/{record['import_id']}").json()["error"])
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT error FROM import_records")).scalars().all()
    assert len(stored) == 2
    for error in stored:
        _assert_clean(error)


def test_an_upload_job_the_database_refuses(database_url, engine, tmp_path) -> None:
    _refuse_new_strategies(engine)
    with app_client(settings_for(database_url, tmp_path)) as client:
        answer = client.post(
            "/api/ingest/upload",
            files={"file": ("export.sqlite", PROTOTYPE.read_bytes(), "application/octet-stream")},
        )
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["job_id"]
        deadline = time.monotonic() + 120
        while (job := client.get(f"/api/ingest/jobs/{job_id}").json())["status"] not in (
            "succeeded",
            "failed",
        ):
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        assert job["status"] == "failed"
        _assert_clean(job["error"])
        if job["report"] is not None:
            _assert_clean(job["report"]["error"])
        (record,) = client.get("/api/imports").json()["items"]
        _assert_clean(record["error"])


STORED = (
    "DataError: (psycopg.errors.StringDataRightTruncation) value too long for type "
    f"character varying(200)\n[SQL: INSERT INTO orders (order_id) VALUES (%(o)s)]\n"
    f"[parameters: {{'o': '{SECRET}'}}]\n"
    "(Background on this error at: https://sqlalche.me/e/20/9h9h)"
)
SHOWN = "DataError: value too long for type character varying(200)"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_texts_stored_with_sql_are_answered_clean(database_url, engine, tmp_path) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        import_id = conn.execute(
            insert(ImportRecord)
            .values(source="stream", status="failed", error=STORED, created_at=now)
            .returning(ImportRecord.id)
        ).scalar_one()
        conn.execute(
            insert(Job).values(
                job_id="0b6f3c9e-1d2a-4e5f-8a7b-6c5d4e3f2a1b",
                kind="import",
                status="failed",
                source="upload",
                created_at=now,
                error=STORED,
                report={"status": "failed", "error": STORED},
                stored_path=str(tmp_path / "gone.upload"),
            )
        )
    with app_client(settings_for(database_url, tmp_path)) as client:
        assert client.get("/api/imports").json()["items"][0]["error"] == SHOWN
        assert client.get(f"/api/imports/{import_id}").json()["error"] == SHOWN
        job = client.get("/api/ingest/jobs/0b6f3c9e-1d2a-4e5f-8a7b-6c5d4e3f2a1b").json()
        assert job["error"] == SHOWN and job["report"]["error"] == SHOWN
