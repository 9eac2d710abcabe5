"""``cli.py import``: exit codes and output, on both databases."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
from ingest.export_factory import execution, order, write_export
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from strategy_analysis.cli import import_command
from strategy_analysis.config import Settings
from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import ImportRecord, Order, Trade

FIXTURES = Path(__file__).parents[1] / "fixtures"


def main(argv: list[str]) -> int:
    """The command as the dispatcher runs it (only this command registered)."""
    parser = argparse.ArgumentParser(prog="cli.py")
    import_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args, Settings())


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


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
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from strategy_analysis.db.models import Execution
    from strategy_analysis.services.runs_query import get_run

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
