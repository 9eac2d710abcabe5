"""``cli.py demo-export`` writes the file and reports it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from strategy_analysis.cli.main import main


def test_demo_export_writes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo.sqlite"
    code = main(["demo-export", "--out", str(out), "--executions", "250", "--schema", "1.0"])
    assert code == 0
    assert f"Wrote {out} (schema 1.0, 250 executions" in capsys.readouterr().out
    con = sqlite3.connect(out)
    try:
        assert con.execute("SELECT count(*) FROM Executions").fetchone()[0] == 250
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    finally:
        con.close()
    assert "Metadata" not in tables


def test_demo_export_rejects_negative_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["demo-export", "--out", str(tmp_path / "x.sqlite"), "--executions", "-5"])
    assert code == 2
    assert "--executions must be >= 0" in capsys.readouterr().out
    assert not (tmp_path / "x.sqlite").exists()
