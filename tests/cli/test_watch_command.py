"""``cli.py watch``: as a real process, imports dropped files and stops cleanly on Ctrl-C;
its ``--once`` exit codes from the command run in this process."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_server import ROOT

from strategy_analysis.cli import watch_command
from strategy_analysis.cli.main import run_command
from strategy_analysis.config import Settings
from strategy_analysis.ingest.demo_export import write_demo_export


def _wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "the watcher exited early"
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.1)


def _cli(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "cli.py"), *args]


def _env(database_url: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url}


def test_watch_imports_then_stops_on_ctrl_c(database_url: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    staging = tmp_path / "demo.sqlite"
    write_demo_export(staging, executions=200, seed=5)
    process = subprocess.Popen(
        _cli("watch", "--dir", str(inbox), "--settle", "0.2", "--poll", "0.1"),
        cwd=tmp_path,
        env=_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(inbox, process)  # the watcher creates the folder
        shutil.copyfile(staging, inbox / "demo.sqlite")
        _wait_for(inbox / "processed" / "demo.sqlite.json", process)
        (inbox / "broken.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 40)  # truncated
        _wait_for(inbox / "failed" / "broken.db.json", process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "Watching" in stdout
    assert "demo.sqlite: succeeded -> " in stdout
    assert "broken.db: refused -> " in stdout or "broken.db: failed -> " in stdout
    assert stdout.rstrip().endswith("Stopped."), stdout
    assert "Traceback" not in stderr
    report = json.loads((inbox / "processed" / "demo.sqlite.json").read_text())
    assert report["counts"]["executions"]["inserted"] == 200


def _main(argv: list[str]) -> int:
    """The command as the dispatcher runs it (only this command registered), in this
    process: ``--once`` installs no signal handler."""
    parser = argparse.ArgumentParser(prog="cli.py")
    watch_command.register(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(argv), Settings())


# The exit codes are the command's, whatever the database: SQLite only. The command imports
# and refuses files on PostgreSQL in test_watch_imports_then_stops_on_ctrl_c, and the
# watcher under it runs on both databases in tests/ingest/test_watcher.py. In this process:
# an interpreter per run would cost more than the command; the real process's exit code is
# the command's (cli.py exits with it), as the two tests around this one show.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_watch_once_exit_codes(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_demo_export(inbox / "good.sqlite", executions=50, seed=1, schema_version="1.0")
    once = ["watch", "--dir", str(inbox), "--once", "--settle", "0.2"]
    assert _main(once) == 0, capsys.readouterr()
    assert (inbox / "processed" / "good.sqlite").exists()

    (inbox / "notes.txt").write_text("hello")
    assert _main(once) == 1
    out = capsys.readouterr().out
    assert "notes.txt: refused -> " in out or "notes.txt: failed -> " in out
    assert (inbox / "failed" / "notes.txt").exists()


def test_watch_once_on_a_fresh_database_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_demo_export(inbox / "run.sqlite", executions=30, seed=2)
    result = subprocess.run(
        _cli("watch", "--dir", str(inbox), "--once", "--settle", "0.2"),
        cwd=tmp_path,
        env=_env(f"sqlite:///{tmp_path / 'fresh.db'}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "run.sqlite: succeeded -> " in result.stdout
