"""What a server keeps in its uploads folder, for tests that look for left-over files."""

from __future__ import annotations

import time
from pathlib import Path

from strategy_analysis.jobs.upload_store import MARKER


def stored_uploads(workdir: Path) -> list[str]:
    """The names of the stored uploads (not the folder's id, which the server keeps there)."""
    folder = workdir / "uploads"
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name != MARKER)


def uploads_left_after_job(workdir: Path, wait_seconds: float = 5.0) -> list[str]:
    """The stored uploads still there once a finished job's file had time to go: the worker
    removes it just after recording the job's end (the record first, so a job whose end
    could not be recorded can run again from its file)."""
    deadline = time.monotonic() + wait_seconds
    while (left := stored_uploads(workdir)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left
