"""The folder watcher on a real folder and a real database (both dialects)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from strategy_analysis.db.models import Execution, ImportRecord
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.report import ImportReport
from strategy_analysis.ingest.watcher import FolderWatcher, WatchOutcome

# Mostly waiting (settle times, a slow copy): one worker (pytest-xdist) runs these one after
# another while the others keep the cores busy; spread over all workers at once, they left
# the machine idle for several seconds.
pytestmark = pytest.mark.xdist_group("folder-watcher")

# The watcher's settle time here, and how long the slow copy below grows, in pauses of a
# third of it (a file must not be imported while it grows).
SETTLE = 0.5
SLOW_COPY_SECONDS = 1.5


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def records(engine: Engine) -> list[ImportRecord]:
    with Session(engine) as session:
        return list(session.scalars(select(ImportRecord).order_by(ImportRecord.id)))


def execution_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Execution)) or 0


class Running:
    """A FolderWatcher running in a thread, with what it did."""

    def __init__(self, engine: Engine, directory: Path) -> None:
        self.outcomes: list[WatchOutcome] = []
        self.hooked: list[ImportReport] = []
        self.watcher = FolderWatcher(
            engine,
            directory,
            after_import=self.hooked.append,
            on_outcome=self.outcomes.append,
            settle_seconds=SETTLE,
            poll_seconds=0.1,
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watcher.run, args=(self.stop,), daemon=True)

    def by_name(self, name: str) -> WatchOutcome | None:
        return next((o for o in self.outcomes if o.source_path.name == name), None)

    def wait_outcome(self, name: str) -> WatchOutcome:
        wait_for(lambda: self.by_name(name) is not None)
        outcome = self.by_name(name)
        assert outcome is not None
        return outcome


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "staging" / "demo.sqlite"
    path.parent.mkdir()
    write_demo_export(path, executions=400, seed=11)
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "inbox"
    path.mkdir()
    return path


@pytest.fixture
def running(engine: Engine, inbox: Path) -> Iterator[Running]:
    run = Running(engine, inbox)
    run.thread.start()
    yield run
    run.stop.set()
    run.thread.join(timeout=10)
    assert not run.thread.is_alive(), "the watcher did not stop"


def write_slowly(source: Path, target: Path, seconds: float, pieces: int = 10) -> None:
    data = source.read_bytes()
    step = -(-len(data) // pieces)
    with target.open("wb") as handle:
        for start in range(0, len(data), step):
            handle.write(data[start : start + step])
            handle.flush()
            time.sleep(seconds / pieces)


def test_slow_file_duplicate_and_bad_file(
    engine: Engine, inbox: Path, demo_file: Path, running: Running
) -> None:
    # A file growing for three settle times (pauses shorter than it) is imported once, whole.
    target = inbox / "run-1.sqlite"
    writer = threading.Thread(target=write_slowly, args=(demo_file, target, SLOW_COPY_SECONDS))
    writer.start()
    while writer.is_alive():
        assert running.outcomes == [], "imported before the file was complete"
        assert not (inbox / "processed").exists() and not (inbox / "failed").exists()
        time.sleep(0.05)
    writer.join()
    first = running.wait_outcome("run-1.sqlite")
    assert first.status == "succeeded", first.report.error
    assert first.path == inbox / "processed" / "run-1.sqlite" and first.path.exists()
    assert not target.exists()
    report = json.loads(first.report_path.read_text())
    assert report["status"] == "succeeded" and report["source"] == "watch"
    assert report["counts"]["executions"]["inserted"] == 400
    assert execution_count(engine) == 400
    assert [r.report.import_id for r in running.outcomes] == [first.report.import_id]
    assert [h.import_id for h in running.hooked] == [first.report.import_id]
    assert running.hooked[0].affected, "the rebuild hook gets the affected runs and symbols"

    # Dropped together, to settle together: the same bytes under another name, and a file
    # that is not an export.
    shutil.copyfile(demo_file, inbox / "run-1-again.sqlite")
    (inbox / "garbage.sqlite").write_text("not a database at all\n" * 100)

    # The same bytes under another name: not imported again.
    again = running.wait_outcome("run-1-again.sqlite")
    assert again.status == "duplicate"
    assert again.report.duplicate_of == first.report.import_id
    assert again.path == inbox / "processed" / "run-1-again.sqlite"
    assert json.loads(again.report_path.read_text())["duplicate_of"] == first.report.import_id

    # Not an export: refused, moved to failed/ with the reason.
    bad = running.wait_outcome("garbage.sqlite")
    assert bad.status in ("refused", "failed")
    assert bad.path == inbox / "failed" / "garbage.sqlite" and bad.path.exists()
    bad_report = json.loads(bad.report_path.read_text())
    assert bad_report["error"]

    statuses = [(r.source, r.status, r.sha256 is not None) for r in records(engine)]
    assert statuses[0] == ("watch", "succeeded", True)
    assert ("watch", "duplicate", True) in statuses
    assert sum(1 for s in statuses if s[1] == "succeeded") == 1
    assert execution_count(engine) == 400
    assert len(running.hooked) == 1, "no rebuild for a duplicate or a refused file"


def test_already_imported_survives_a_restart(engine: Engine, inbox: Path, demo_file: Path) -> None:
    shutil.copyfile(demo_file, inbox / "first.sqlite")  # present before the watcher starts
    run = Running(engine, inbox)
    run.thread.start()
    try:
        assert run.wait_outcome("first.sqlite").status == "succeeded"
    finally:
        run.stop.set()
        run.thread.join(timeout=10)
    assert not run.thread.is_alive()

    restarted = Running(engine, inbox)
    restarted.thread.start()
    try:
        shutil.copyfile(demo_file, inbox / "second.sqlite")
        outcome = restarted.wait_outcome("second.sqlite")
    finally:
        restarted.stop.set()
        restarted.thread.join(timeout=10)
    assert outcome.status == "duplicate"
    assert restarted.hooked == []
    # A name already in processed/ is kept apart, not overwritten.
    shutil.copyfile(demo_file, inbox / "first.sqlite")
    again = FolderWatcher(engine, inbox, settle_seconds=0.0)
    wait_for(lambda: bool(again.poll() or again.poll()))
    assert len(list((inbox / "processed").glob("first*.sqlite"))) == 2


def test_unexpected_errors_are_retried_then_the_file_fails(
    engine: Engine, inbox: Path, demo_file: Path
) -> None:
    calls: list[Path] = []

    def broken_importer(engine: Engine, path: Path, **kwargs: object) -> ImportReport:
        calls.append(path)
        raise RuntimeError("database went away")

    watcher = FolderWatcher(
        engine,
        inbox,
        settle_seconds=0.0,
        retry_seconds=0.0,
        max_attempts=2,
        importer=broken_importer,
    )
    shutil.copyfile(demo_file, inbox / "run.sqlite")
    watcher.poll()  # first sight: size recorded
    assert watcher.poll() == []  # attempt 1 fails: the file stays for a retry
    assert (inbox / "run.sqlite").exists()
    outcomes = watcher.poll()  # attempt 2 fails: given up
    assert [o.status for o in outcomes] == ["failed"]
    assert "database went away" in (outcomes[0].report.error or "")
    assert outcomes[0].path == inbox / "failed" / "run.sqlite"
    assert len(calls) == 2
    assert execution_count(engine) == 0


def test_a_file_removed_before_its_import_is_forgotten(
    engine: Engine, inbox: Path, demo_file: Path
) -> None:
    def importer_that_loses_the_file(engine: Engine, path: Path, **kwargs: object) -> ImportReport:
        path.unlink()  # e.g. the user deleted it while it was being read
        raise FileNotFoundError(path)

    watcher = FolderWatcher(
        engine, inbox, settle_seconds=0.0, importer=importer_that_loses_the_file
    )
    shutil.copyfile(demo_file, inbox / "gone.sqlite")
    watcher.poll()
    assert watcher.poll() == []
    assert watcher.poll() == []  # not retried: nothing left to retry
    assert not (inbox / "failed").exists()
    assert records(engine) == []


def test_stop_ends_a_pass_after_the_current_file(
    engine: Engine, inbox: Path, demo_file: Path
) -> None:
    stop = threading.Event()
    for name in ("a.sqlite", "b.sqlite", "c.sqlite"):
        shutil.copyfile(demo_file, inbox / name)

    def import_then_stop(engine: Engine, path: Path, **kwargs: object) -> ImportReport:
        stop.set()  # Ctrl-C arrives during the first import
        return import_export_file(engine, path, **kwargs)  # type: ignore[arg-type]

    watcher = FolderWatcher(engine, inbox, settle_seconds=0.0, importer=import_then_stop)
    watcher.poll(stop)
    outcomes = watcher.poll(stop)
    assert [o.source_path.name for o in outcomes] == ["a.sqlite"]
    assert sorted(p.name for p in inbox.glob("*.sqlite")) == ["b.sqlite", "c.sqlite"]


def settle_and_poll(watcher: FolderWatcher, seconds: float = 0.3) -> list[WatchOutcome]:
    """A pass after the files seen so far had time to settle."""
    watcher.poll()
    time.sleep(seconds)
    return watcher.poll()


def test_a_copy_that_stalls_is_waited_for_until_its_header_says_it_is_complete(
    engine: Engine, inbox: Path, demo_file: Path
) -> None:
    data = demo_file.read_bytes()
    watcher = FolderWatcher(engine, inbox, settle_seconds=0.1)
    with (inbox / "run.sqlite").open("wb") as copy:
        copy.write(data[: len(data) // 3])  # the copy stalls here, longer than --settle
        copy.flush()
        assert settle_and_poll(watcher) == []
        assert settle_and_poll(watcher) == []
        assert (inbox / "run.sqlite").exists() and not (inbox / "failed").exists()
        copy.write(data[len(data) // 3 :])
    (outcome,) = settle_and_poll(watcher)
    assert outcome.status == "succeeded", outcome.report.error
    assert outcome.path == inbox / "processed" / "run.sqlite"
    assert execution_count(engine) == 400


def test_a_file_that_changes_in_failed_comes_back_and_is_imported(
    engine: Engine, inbox: Path, demo_file: Path
) -> None:
    data = demo_file.read_bytes()
    # A short wait for incomplete files: the stalled copy is tried and fails meanwhile.
    watcher = FolderWatcher(engine, inbox, settle_seconds=0.1, incomplete_seconds=0.2)
    with (inbox / "run.sqlite").open("wb") as copy:
        copy.write(data[: len(data) // 3])
        copy.flush()
        (refused,) = settle_and_poll(watcher)
        assert refused.status == "refused" and "truncated" in (refused.report.error or "")
        assert refused.path == inbox / "failed" / "run.sqlite"
        assert refused.report_path.exists()
        # The copy goes on, into the file now in failed/.
        copy.write(data[len(data) // 3 :])
    watcher.poll()  # it changed in failed/: back to the folder
    assert (inbox / "run.sqlite").exists()
    assert not refused.path.exists() and not refused.report_path.exists()
    (outcome,) = settle_and_poll(watcher)
    assert outcome.status == "succeeded", outcome.report.error
    assert outcome.path == inbox / "processed" / "run.sqlite"
    assert execution_count(engine) == 400
