"""``cli.py check``: the findings an export would produce, exit codes and output, on both
databases; nothing is written. ``cli.py import --dry-run`` lists the same findings."""

from __future__ import annotations

import argparse
import json

from ingest.export_factory import bar, execution, instrument, order, write_export
from quality.crafted_export import EXPECTED, RUN_ID, write_crafted_export
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from strategy_analysis.cli import check_command, import_command
from strategy_analysis.config import Settings
from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Execution, ImportRecord, Order


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cli.py")
    subparsers = parser.add_subparsers(dest="command", required=True)
    check_command.register(subparsers)
    import_command.register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args, Settings())


def _stored(url: str) -> list[int]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return [
                s.scalar(select(func.count()).select_from(model)) or 0
                for model in (Order, Execution, ImportRecord)
            ]
    finally:
        engine.dispose()


def test_errors_exit_1_with_every_finding(cli_env, tmp_path, capsys):
    path = write_crafted_export(tmp_path / "crafted.sqlite")
    assert main(["check", "--file", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"crafted.sqlite: run {RUN_ID}: errors"
    assert [line.split()[:2] for line in lines[1:]] == [
        [severity, check] for check, (severity, _) in EXPECTED.items()
    ]
    assert all(line.split()[3] == "1" for line in lines[1:])
    assert "  error   point_value_missing      crafted-run" in lines[1]
    assert lines[1].endswith("  NQ")
    assert _stored(cli_env) == [0, 0, 0]


def test_json_lists_the_findings(cli_env, tmp_path, capsys):
    path = write_crafted_export(tmp_path / "crafted.sqlite")
    assert main(["check", "--json", "--file", str(path)]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["verdict"] == "errors"
    assert {f["check"]: f["count"] for f in answer["findings"]} == dict.fromkeys(EXPECTED, 1)
    assert {f["run_id"] for f in answer["findings"]} == {RUN_ID}


def test_warnings_only_exit_0(cli_env, tmp_path, capsys):
    path = write_export(
        tmp_path / "warn.sqlite",
        metadata={"schema_version": "1.1", "run_id": "warn", "strategy_id": "S1",
                  "account_id": "A1"},
        instruments=[instrument()],
        bars=[bar("2025-01-06 10:00:00")],
        orders=[order("O1")],
        # Bought at 5000.5 against a bar of 4999..5001, its order for 1 filled twice.
        executions=[execution("E1", price=5000.5), execution("E2", price=5000.5,
                    exec_time_utc="2025-01-06 10:00:40")],
    )  # fmt: skip
    assert main(["check", "--file", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "warn.sqlite: run warn: warnings"
    assert [line.split()[1] for line in out[1:]] == ["overfilled_order", "open_at_end"]


def test_a_clean_file_and_a_refused_one(cli_env, tmp_path, capsys):
    path = write_export(
        tmp_path / "clean.sqlite",
        metadata={"schema_version": "1.1", "run_id": "clean", "strategy_id": "S1",
                  "account_id": "A1"},
        instruments=[instrument()],
        bars=[bar("2025-01-06 10:00:00")],
        orders=[order("O1"), order("O2", side="SELL")],
        executions=[execution("E1", order_id="O1"),
                    execution("E2", order_id="O2", side="SELL",
                              exec_time_utc="2025-01-06 10:00:40")],
    )  # fmt: skip
    assert main(["check", "--file", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "clean.sqlite: run clean: clean",
        "  no findings",
    ]
    (tmp_path / "not.sqlite").write_bytes(b"not a database")
    assert main(["check", "--file", str(tmp_path / "not.sqlite")]) == 2
    assert "cannot be checked" in capsys.readouterr().out


def test_import_dry_run_lists_the_findings(cli_env, tmp_path, capsys):
    path = write_crafted_export(tmp_path / "crafted.sqlite")
    assert main(["import", "--dry-run", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Data quality the import would find: errors" in out
    assert all(check in out for check in EXPECTED)
    assert _stored(cli_env) == [0, 0, 0]
