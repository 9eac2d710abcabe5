"""``cli.py import``: exit codes and output, on both databases; exports in WAL mode and
exports being written."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ingest.export_factory import execution, order, write_export
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from wal_exports import open_wal_export, sidecars

from strategy_analysis.cli import import_command
from strategy_analysis.cli.main import run_command
from strategy_analysis.config import Settings
from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Execution, ImportRecord, Order, Trade
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.report import ImportReport
from strategy_analysis.services.runs_query import get_run

FIXTURES = Path(__file__).parents[1] / "fixtures"


def main(argv: list[str]) -> int:
    """The command as the dispatcher runs it (only this command registered)."""
    parser = argparse.ArgumentParser(prog="cli.py")
    import_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return run_command(args, Settings())


def count(url: str, model: type) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return s.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def test_import_prints_a_summary_and_exits_0(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "--file", str(FIXTURES / "prototype-export-1.0.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "prototype-export-1.0.sqlite: schema 1.0" in out
    assert "  orders               1         0          0          0         0" in out
    assert out.strip().endswith("0 conflicts, 0 rejected records.")
    assert count(cli_env, Order) == 1


def test_rejected_records_are_listed_and_still_exit_0(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_export(
        tmp_path / "mixed.sqlite",
        orders=[order("O1"), order("O2", side="Long")],
        executions=[execution("E1"), execution("E2", price=0)],
    )
    assert main(["import", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Rejected records (first 2):" in out
    assert "  orders #2 O2: side: unknown side 'Long' (expected one of BUY, SELL)" in out
    assert "  executions #2 E2: price: must be > 0, got 0.0" in out
    assert "2 rejected records." in out


def test_dry_run_writes_nothing(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_export(tmp_path / "d.sqlite", orders=[order(f"O{i}") for i in range(50)])
    assert main(["import", "--file", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Found" in out and "50 new orders" in out and "Dry run: nothing was written." in out
    assert count(cli_env, Order) == 0
    assert count(cli_env, ImportRecord) == 0


def test_json_prints_the_full_report(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_export(tmp_path / "j.sqlite", orders=[order("O1")], executions=[execution("E1")])
    assert main(["import", "--file", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "succeeded"
    assert report["counts"]["executions"]["inserted"] == 1
    assert report["affected"] == [[report["run_ids"][0], "ES 12-25"]]


def test_import_rebuilds_trades(cli_env: str, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "t.sqlite",
        orders=[order("O1"), order("O2", side="SELL", submit_time_utc="2025-01-06 10:05:00")],
        executions=[
            execution("E1", order_id="O1"),
            execution(
                "E2", order_id="O2", side="SELL", exec_time_utc="2025-01-06 10:05:00", price=5002.0
            ),
        ],
    )
    assert main(["import", "--file", str(path)]) == 0
    assert count(cli_env, Trade) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"hello", "is not a SQLite database"), (b"", "is not a SQLite database")],
)
def test_refused_file_exits_2(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "bad.sqlite"
    path.write_bytes(content)
    assert main(["import", "--file", str(path)]) == 2
    out = capsys.readouterr().out
    assert out.strip() == f"bad.sqlite: import refused: bad.sqlite {message} (no SQLite header)"


def test_missing_file_exits_2(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "--file", str(tmp_path / "nope.sqlite")]) == 2
    assert "cannot read nope.sqlite" in capsys.readouterr().out


def test_progress_bar_appears_only_after_the_delay() -> None:
    stream = io.StringIO()
    bar = import_command.ProgressBar(stream, delay=0.0)
    bar(50, 200)
    bar(200, 200)
    bar.close()
    text = stream.getvalue()
    assert "25.0% 50/200 rows" in text and "100.0% 200/200 rows" in text and text.endswith("\n")
    quiet = io.StringIO()
    slow = import_command.ProgressBar(quiet, delay=3600)
    slow(1, 2)
    slow.close()
    assert quiet.getvalue() == ""


def test_a_rebuild_that_fails_after_the_import_exits_3_and_marks_the_run(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_export(
        tmp_path / "run.sqlite",
        orders=[order("o1")],
        executions=[execution("x1", order_id="o1")],
    )
    assert main(["import", "--file", str(path), "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_ids"][0]
    engine = make_engine(cli_env)
    try:
        with engine.begin() as conn:  # an execution no import accepts, as a broken row
            conn.execute(
                insert(Execution).values(
                    run_id=run_id, execution_id="poison", order_id="o1", symbol="ES 12-25",
                    side="SELL", exec_time=datetime(2025, 1, 6, 15, tzinfo=UTC), price=1.0,
                    quantity=0.0, fee=0.0, sequence=99,
                )
            )  # fmt: skip
        changed = write_export(
            tmp_path / "more.sqlite",
            orders=[order("o1"), order("o2")],
            executions=[execution("x1", order_id="o1"), execution("x2", order_id="o2")],
        )
        assert main(["import", "--file", str(changed)]) == import_command.EXIT_REBUILD_FAILED
        captured = capsys.readouterr()
        assert "1 new executions" in captured.out
        assert captured.err.startswith("error: the import succeeded, but the trades could not")
        assert "quantity must be finite and > 0" in captured.err
        with engine.connect() as conn:
            run = get_run(conn, run_id)
            assert run is not None and run["analysis_status"] == "failed"
            assert "poison" in run["analysis_error"]
            imports = conn.execute(select(ImportRecord.status)).scalars().all()
        assert imports == ["succeeded", "succeeded"]
    finally:
        engine.dispose()


# -- exports in WAL mode, and exports another process is writing: every record they hold
# is read, consistently, and no -wal or -shm is left beside them.

DEMO_EXECUTIONS = 2000


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    write_demo_export(path, executions=DEMO_EXECUTIONS, seed=21)
    return path


def test_a_closed_wal_mode_export_leaves_no_wal_or_shm_beside_it(
    cli_env: str, demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    open_wal_export(demo_file, folder / "wal.sqlite").close()
    assert sidecars(folder) == []
    assert main(["import", "--file", str(folder / "wal.sqlite")]) == 0
    assert "Imported" in capsys.readouterr().out
    assert count(cli_env, Execution) == DEMO_EXECUTIONS
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
        assert count(cli_env, Execution) == DEMO_EXECUTIONS
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
    assert count(cli_env, Execution) == DEMO_EXECUTIONS
    assert sidecars(folder) == ["crashed.sqlite-wal"]


# The export's own executions: more than the writer's batch of 2000 copies from, enough
# for the snapshot to be read while the writer goes on.
BUSY_EXECUTIONS = 200_000
# Rewrites an export's last batch of executions in transactions, one every 10 ms or so
# (hundreds while the import reads; the writer no longer takes a core from the import),
# until its standard input closes (a strategy's exporter at work, rollback journal): each
# transaction deletes the batch of 2000 the one before appended and appends another, so
# every committed state holds the export's own rows and one batch, and the file does not
# grow with the time the import takes (an appending writer grows it to several times the
# export while PostgreSQL's import reads it in place, and the snapshot, its import and the
# rebuild with it). It prints "writing" once the first batch is committed.
_WRITER = """
import sqlite3, sys, threading, time
conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
columns = [row[1] for row in conn.execute("PRAGMA table_info(Executions)")]
names = ", ".join(columns)
picked = ", ".join("'w' || ? || '-' || execution_id" if c == "execution_id" else c for c in columns)
last = conn.execute("SELECT max(rowid) FROM Executions").fetchone()[0]
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
n = 0
while n == 0 or not done.is_set():
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM Executions WHERE rowid > ?", (last,))
    conn.execute(
        f"INSERT INTO Executions ({names}) SELECT {picked} FROM Executions"
        " WHERE rowid BETWEEN 1 AND 2000", (n,)
    )
    conn.execute("COMMIT")
    if n == 0:
        print("writing", flush=True)
    n += 1
    time.sleep(0.01)
print(n, flush=True)
"""


@pytest.fixture(scope="module")
def busy_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The busy export as written, once for both databases (each test writes to a copy)."""
    path = tmp_path_factory.mktemp("busy") / "busy.sqlite"
    write_demo_export(path, executions=BUSY_EXECUTIONS, seed=22)
    return path


@pytest.mark.slow
# One worker (pytest-xdist) runs it on both databases: the export is written once.
@pytest.mark.xdist_group("busy-export")
def test_an_export_being_written_is_imported_from_a_consistent_snapshot(
    cli_env: str, busy_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "busy.sqlite"
    shutil.copyfile(busy_export, path)
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
    assert batches > 1, "the writer wrote nothing while the file was imported"
    report = ImportReport.model_validate_json(out)
    assert any("a snapshot of it" in warning for warning in report.warnings)
    executions = report.counts["executions"]
    # One committed state of the file: the original rows and one whole batch of 2000.
    assert executions.rejected == 0
    assert executions.inserted == BUSY_EXECUTIONS + 2000
    assert count(cli_env, Execution) == executions.inserted
    engine = make_engine(cli_env)
    try:
        with Session(engine) as s:
            written = s.scalars(
                select(Execution.execution_id).where(Execution.execution_id.like("w%"))
            ).all()
    finally:
        engine.dispose()
    assert len(written) == 2000
    assert len({execution_id.split("-", 1)[0] for execution_id in written}) == 1
    assert sidecars(folder) == []
