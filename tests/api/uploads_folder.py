"""What a server keeps in its uploads folder, for tests that look for left-over files."""

from __future__ import annotations

from pathlib import Path

from strategy_analysis.jobs.upload_store import MARKER


def stored_uploads(workdir: Path) -> list[str]:
    """The names of the stored uploads (not the folder's id, which the server keeps there)."""
    folder = workdir / "uploads"
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name != MARKER)
