"""``cli.py rebuild``: exit codes and exact output, on both databases."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from strategy_analysis.cli import rebuild_command
from strategy_analysis.cli.main import run_command
from strategy_analysis.config import Settings
from strategy_analysis.db.engine import session_scope
from strategy_analysis.db.models import Execution, Run, Strategy, Trade

T0 = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)


def main(argv):
    """The command as the dispatcher runs it (only this command registered)."""
    parser = argparse.ArgumentParser(prog="cli.py")
    rebuild_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return run_command(args, Settings())


def seed(session_factory, run_id, fills):
    with session_scope(session_factory) as s:
        if s.get(Strategy, "S1") is None:
            s.add(Strategy(strategy_id="S1"))
            s.flush()
        s.add(Run(run_id=run_id, strategy_id="S1", account_id="Sim101"))
        s.flush()
        s.add_all(
            Execution(
                run_id=run_id,
                execution_id=f"{run_id}-{i}",
                order_id=f"o{i}",
                symbol=symbol,
                side=side,
                exec_time=T0 + timedelta(seconds=i),
                price=price,
                quantity=qty,
                fee=0.0,
                sequence=i,
            )
            for i, (symbol, side, qty, price) in enumerate(fills)
        )


def test_rebuild_all_runs(cli_env, session_factory, capsys):
    seed(
        session_factory,
        "R1",
        [("ES", "BUY", 1, 10.0), ("ES", "SELL", 1, 11.0), ("NQ", "SELL", 2, 5.0)],
    )
    seed(
        session_factory,
        "R2",
        [("ES", "BUY", 1, 10.0), ("ES", "SELL", 3, 12.0), ("ES", "BUY", 2, 9.0)],
    )
    assert main(["rebuild"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "rebuilt 3 (run, symbol) pairs in 2 runs: 4 trades, 3 lot matches from 6 executions"
    )
    assert lines[1].startswith("time ") and "build" in lines[1] and "write" in lines[1]
    with session_scope(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(Trade)) == 4


def test_rebuild_one_run(cli_env, session_factory, capsys):
    seed(session_factory, "R1", [("ES", "BUY", 1, 10.0), ("ES", "SELL", 1, 11.0)])
    seed(session_factory, "R2", [("ES", "BUY", 1, 10.0)])
    assert main(["rebuild", "--run", "R2"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "rebuilt 1 (run, symbol) pairs in 1 runs: 1 trades, 0 lot matches from 1 executions"
    )
    with session_scope(session_factory) as s:
        assert s.scalars(select(Trade.run_id)).all() == ["R2"]


def test_unknown_run_fails(cli_env, capsys):
    assert main(["rebuild", "--run", "nope"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "error: run 'nope' does not exist"
    assert captured.out == ""


def test_nothing_to_rebuild(cli_env, capsys):
    assert main(["rebuild"]) == 0
    assert capsys.readouterr().out == "nothing to rebuild: no executions\n"


def analysis_of(session_factory, run_id):
    from strategy_analysis.services.runs_query import get_run

    with session_scope(session_factory) as s:
        run = get_run(s.connection(), run_id)
    return {key: value for key, value in run.items() if key.startswith("analysis_")}


def test_a_run_whose_rebuild_fails_is_marked_and_the_others_are_rebuilt(
    cli_env, session_factory, capsys
):
    # A quantity of 0 no import accepts, written straight into the database.
    seed(session_factory, "R1", [("ES", "BUY", 1, 10.0), ("ES", "SELL", 0, 11.0)])
    seed(session_factory, "R2", [("ES", "BUY", 1, 10.0), ("ES", "SELL", 1, 12.0)])
    assert main(["rebuild"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == (
        "rebuilt 1 (run, symbol) pairs in 1 runs: 1 trades, 1 lot matches from 2 executions"
    )
    assert captured.err == (
        "error: cannot rebuild the trades of run R1: ExecutionDataError: execution 'R1-1' "
        "(ES): quantity must be finite and > 0\n"
    )
    failed = analysis_of(session_factory, "R1")
    assert failed["analysis_status"] == "failed"
    assert failed["analysis_error"] == (
        "ExecutionDataError: execution 'R1-1' (ES): quantity must be finite and > 0"
    )
    assert failed["analysis_failed_symbols"] == ["ES"] and failed["analysis_failed_at"]
    assert analysis_of(session_factory, "R2")["analysis_status"] == "built"

    with session_scope(session_factory) as s:
        s.get(Execution, ("R1", "R1-1")).quantity = 1.0
    assert main(["rebuild", "--run", "R1"]) == 0
    assert capsys.readouterr().err == ""
    cured = analysis_of(session_factory, "R1")
    assert cured["analysis_status"] == "built" and cured["analysis_error"] is None
