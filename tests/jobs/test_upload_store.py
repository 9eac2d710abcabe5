"""A job is claimed only by a worker that reads the uploads folder holding its file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from strategy_analysis.jobs import queue
from strategy_analysis.jobs.upload_store import MARKER, upload_store_id


def _job(engine: Engine, store: str | None) -> str:
    with engine.begin() as conn:
        job = queue.create_job(
            conn,
            file_name="f.sqlite",
            stored_path="/nowhere/f.upload",
            sha256="0" * 64,
            size_bytes=1,
            upload_store=store,
        )
    return job["job_id"]


def test_a_folder_keeps_its_id_and_another_folder_has_its_own(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    first = upload_store_id(shared)
    assert upload_store_id(shared) == first  # a second server on the same folder
    assert (shared / MARKER).read_text() == first
    assert upload_store_id(tmp_path / "other") != first
    assert [p.name for p in shared.iterdir()] == [MARKER]


def test_a_worker_claims_only_the_jobs_of_its_folder(engine: Engine) -> None:
    theirs = _job(engine, "store-a")
    assert queue.claim_next(engine, "b:1", "store-b") is None
    ours = _job(engine, "store-b")
    claimed = queue.claim_next(engine, "b:1", "store-b")
    assert claimed is not None and claimed.job_id == ours
    claimed.release()
    mine = queue.claim_next(engine, "a:1", "store-a")
    assert mine is not None and mine.job_id == theirs
    mine.release()


def test_a_job_queued_without_a_folder_is_anyone_s(engine: Engine) -> None:
    older = _job(engine, None)
    claimed = queue.claim_next(engine, "b:1", "store-b")
    assert claimed is not None and claimed.job_id == older
    claimed.release()
