"""Deleting a run against the rebuilds: a rebuild that waited for the run's lock while the
run was deleted writes nothing (its statistics would name a run that is gone)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from strategy_analysis.db.models import RunStatistics, Trade
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.services.run_deletion import delete_run_rows
from strategy_analysis.trades import run_lock as run_lock_module
from strategy_analysis.trades.incremental import rebuild_since
from strategy_analysis.trades.rebuild import after_import_hook, rebuild_trades


def _imported_run(engine, tmp_path) -> tuple[str, list[tuple[str, str]]]:
    path = tmp_path / "demo.sqlite"
    write_demo_export(path, executions=120, seed=4)
    report = import_export_file(engine, path, after_import=after_import_hook(engine))
    (run_id,) = report.run_ids
    with engine.connect() as conn:
        symbols = conn.execute(select(Trade.symbol).where(Trade.run_id == run_id).distinct())
        return run_id, [(run_id, s) for s in symbols.scalars()]


def _waiting_for(run_id: str, users: int) -> None:
    """Until ``users`` hold or wait for the run's rebuild lock in this process."""
    deadline = time.monotonic() + 10
    while run_lock_module._rebuild_locks._locks.get(run_id, (None, 0))[1] < users:
        assert time.monotonic() < deadline, "the rebuild never asked for the run's lock"
        time.sleep(0.01)


def _rebuild_while_deleted(engine, run_id, rebuild) -> list[BaseException]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            rebuild()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    with run_lock_module.run_lock(engine, run_id):
        worker = threading.Thread(target=run)
        worker.start()
        _waiting_for(run_id, 2)
        with engine.begin() as conn:
            delete_run_rows(conn, run_id)
    worker.join(30)
    return errors


def _stored(engine, run_id):
    with engine.connect() as conn:
        stats = conn.execute(
            select(func.count()).where(RunStatistics.run_id == run_id)
        ).scalar_one()
        trades = conn.execute(select(func.count()).where(Trade.run_id == run_id)).scalar_one()
    return stats, trades


def test_a_full_rebuild_that_waited_finds_the_run_gone(engine, tmp_path):
    run_id, pairs = _imported_run(engine, tmp_path)
    errors = _rebuild_while_deleted(engine, run_id, lambda: rebuild_trades(engine, pairs))
    assert errors == []
    assert _stored(engine, run_id) == (0, 0)


def test_an_incremental_rebuild_that_waited_finds_the_run_gone(engine, tmp_path):
    run_id, pairs = _imported_run(engine, tmp_path)
    since = {pair: 0 for pair in pairs}
    errors = _rebuild_while_deleted(engine, run_id, lambda: rebuild_since(engine, since))
    assert errors == []
    assert _stored(engine, run_id) == (0, 0)
