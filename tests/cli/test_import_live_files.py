"""``cli.py import`` of exports in WAL mode and of exports another process is writing:
every record they hold is read, consistently, and no -wal or -shm is left beside them."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wal_exports import open_wal_export, sidecars

from strategy_analysis.cli import import_command
from strategy_analysis.config import Settings
from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Execution
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.report import ImportReport

DEMO_EXECUTIONS = 2000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cli.py")
    import_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args, Settings())


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    write_demo_export(path, executions=DEMO_EXECUTIONS, seed=21)
    return path


def stored_executions(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Execution)) or 0
    finally:
        engine.dispose()


def test_a_closed_wal_mode_export_leaves_no_wal_or_shm_beside_it(
    cli_env: str, demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    open_wal_export(demo_file, folder / "wal.sqlite").close()
    assert sidecars(folder) == []
    assert main(["import", "--file", str(folder / "wal.sqlite")]) == 0
    assert "Imported" in capsys.readouterr().out
    assert stored_executions(cli_env) == DEMO_EXECUTIONS
    assert sidecars(folder) == []


def test_an_export_whose_exporter_is_open_is_read_with_its_wal(
    cli_env: str, demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    writer = open_wal_export(demo_file, folder / "live.sqlite")
    try:
        assert main(["import", "--file", str(folder / "live.sqlite")]) == 0
        out = capsys.readouterr().out
        assert "live.sqlite was being written by another process: a snapshot" in out
        assert stored_executions(cli_env) == DEMO_EXECUTIONS
        assert sidecars(folder) == ["live.sqlite-shm", "live.sqlite-wal"]  # the writer's
    finally:
        writer.close()
    assert sidecars(folder) == []


def test_a_wal_left_by_a_stopped_exporter_is_read_and_no_shm_is_added(
    cli_env: str, demo_file: Path, tmp_path: Path
) -> None:
    exporter = tmp_path / "exporter"
    exporter.mkdir()
    writer = open_wal_export(demo_file, exporter / "crashed.sqlite")
    try:
        # What an exporter that died leaves: the file and its -wal, no connection.
        folder = tmp_path / "exports"
        folder.mkdir()
        shutil.copyfile(exporter / "crashed.sqlite", folder / "crashed.sqlite")
        shutil.copyfile(exporter / "crashed.sqlite-wal", folder / "crashed.sqlite-wal")
    finally:
        writer.close()
    assert main(["import", "--file", str(folder / "crashed.sqlite")]) == 0
    assert stored_executions(cli_env) == DEMO_EXECUTIONS
    assert sidecars(folder) == ["crashed.sqlite-wal"]


# Appends executions to an export in transactions of 500, every few milliseconds, until
# its standard input closes (a strategy's exporter at work, rollback journal).
_WRITER = """
import sqlite3, sys, threading, time
conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
columns = [row[1] for row in conn.execute("PRAGMA table_info(Executions)")]
names = ", ".join(columns)
picked = ", ".join("'w' || ? || '-' || execution_id" if c == "execution_id" else c for c in columns)
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
n = 0
print("writing", flush=True)
while not done.is_set():
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        f"INSERT INTO Executions ({names}) SELECT {picked} FROM Executions"
        " WHERE rowid BETWEEN 1 AND 500", (n,)
    )
    conn.execute("COMMIT")
    n += 1
    time.sleep(0.003)
print(n, flush=True)
"""


@pytest.mark.slow
def test_an_export_being_written_is_imported_from_a_consistent_snapshot(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "busy.sqlite"
    write_demo_export(path, executions=100_000, seed=22)
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        code = main(["import", "--file", str(path), "--json"])
    finally:
        assert writer.stdin is not None
        writer.stdin.close()
        batches = int(writer.stdout.readline())
        writer.wait(30)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "malformed" not in out
    assert batches > 0, "the writer wrote nothing while the file was imported"
    report = ImportReport.model_validate_json(out)
    assert any("a snapshot of it" in warning for warning in report.warnings)
    executions = report.counts["executions"]
    # One committed state of the file: the original rows and whole batches of 500.
    assert executions.rejected == 0
    assert executions.inserted >= 100_000 and (executions.inserted - 100_000) % 500 == 0
    assert stored_executions(cli_env) == executions.inserted
    assert sidecars(folder) == []
