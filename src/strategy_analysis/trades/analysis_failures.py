"""Rebuilds that failed, kept per (run, symbol) until a rebuild of the pair succeeds.

A rebuild works run by run. When one run's rebuild fails, its transaction is rolled back:
the run keeps the trades and statistics of its last successful rebuild, which may miss
what arrived since. That is recorded in ``analysis_failures`` with the reason and the time
(the API shows the run's analysis as failed) and published as ``analysis_failed``; the
other runs are still rebuilt, and the caller then gets one ``RebuildFailed`` naming every
run that failed. The next successful rebuild of a pair removes its row, in the
transaction that writes its trades.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db.error_text import describe_error
from ..db.errors import DATABASE_ERRORS, is_transient
from ..db.models import AnalysisFailure, Run, utc_now
from ..events import EventBus

log = logging.getLogger(__name__)

ANALYSIS_FAILED = "analysis_failed"
# The symbol recorded when a run with no (run, symbol) pair fails (its statistics).
WHOLE_RUN = ""

failures_table = AnalysisFailure.__table__


class RebuildFailed(RuntimeError):
    """The rebuild of one or more runs failed; each is recorded on its run, and the other
    runs were rebuilt. ``failures`` maps run_id to the reason; ``result`` is what the
    rebuild did (trades.rebuild.RebuildResult); ``transient`` says that every failure was
    a transient database error (db/errors.py), so another attempt may succeed."""

    def __init__(
        self, failures: dict[str, str], result: Any = None, transient: bool = False
    ) -> None:
        # All in args: the exception crosses a process boundary (rebuild_process.py).
        super().__init__(dict(failures), result, transient)
        self.failures = dict(failures)
        self.result = result
        self.transient = transient

    def __str__(self) -> str:
        return "; ".join(f"run {run_id}: {reason}" for run_id, reason in self.failures.items())


def record_failure(
    engine: Engine,
    *,
    run_id: str,
    strategy_id: str | None,
    symbols: Iterable[str],
    reason: str,
    event_bus: EventBus | None,
) -> None:
    """Store the failure on each of the run's pairs, then publish ``analysis_failed``: a
    client that reads the run on the notice finds it failed.

    Storing it may fail too (the database is down): that is logged, the notice still goes
    out, and the failure of the rebuild still reaches the caller."""
    names = sorted(set(symbols)) or [WHOLE_RUN]
    failed_at = utc_now()
    rows = [
        {"run_id": run_id, "symbol": name, "error": reason, "failed_at": failed_at}
        for name in names
    ]
    try:
        with engine.begin() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            statement = insert(failures_table).values(rows)
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[failures_table.c.run_id, failures_table.c.symbol],
                    set_={
                        "error": statement.excluded.error,
                        "failed_at": statement.excluded.failed_at,
                    },
                )
            )
    except DATABASE_ERRORS:
        log.exception("could not record the failed rebuild of run %s", run_id)
    if event_bus is not None:
        event_bus.publish(
            ANALYSIS_FAILED,
            strategy_id=strategy_id,
            run_id=run_id,
            symbols=[name for name in names if name != WHOLE_RUN],
            error=reason,
            failed_at=failed_at.isoformat().replace("+00:00", "Z"),
        )


def record_failures(
    engine: Engine,
    pairs: Iterable[tuple[str, str]],
    reason: str,
    event_bus: EventBus | None,
) -> None:
    """Record a failure that struck outside any one run's rebuild (the database was out
    of reach, the rebuild's process died) on every run of ``pairs``."""
    by_run: dict[str, set[str]] = {}
    for run_id, symbol in pairs:
        by_run.setdefault(run_id, set()).add(symbol)
    strategies: dict[str, str] = {}
    try:
        with engine.connect() as conn:
            strategies = {
                row.run_id: row.strategy_id
                for row in conn.execute(
                    select(Run.run_id, Run.strategy_id).where(Run.run_id.in_(list(by_run)))
                )
            }
    except DATABASE_ERRORS:
        log.exception("could not read the strategies of runs %s", ", ".join(sorted(by_run)))
    for run_id, symbols in sorted(by_run.items()):
        record_failure(
            engine,
            run_id=run_id,
            strategy_id=strategies.get(run_id),
            symbols=symbols,
            reason=reason,
            event_bus=event_bus,
        )


def clear_failures(conn: Connection, run_id: str, symbols: Iterable[str] | None) -> None:
    """In the transaction of a successful rebuild: the rebuilt pairs (every pair of the
    run when ``symbols`` is None) are no longer failed."""
    statement = delete(failures_table).where(failures_table.c.run_id == run_id)
    if symbols is not None:
        statement = statement.where(failures_table.c.symbol.in_([WHOLE_RUN, *symbols]))
    conn.execute(statement)


@dataclass
class RunFailures:
    """Collects the runs whose rebuild failed: ``guard`` around each run's rebuild,
    ``raise_if_any`` at the end."""

    engine: Engine
    event_bus: EventBus | None
    failures: dict[str, str] = field(default_factory=dict)
    transient: bool = True

    @contextmanager
    def guard(self, run_id: str, strategy_id: str | None, symbols: Iterable[str]) -> Iterator[None]:
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - recorded on the run, raised by raise_if_any
            log.exception("rebuild of run %s failed", run_id)
            reason = describe_error(exc)
            record_failure(
                self.engine,
                run_id=run_id,
                strategy_id=strategy_id,
                symbols=symbols,
                reason=reason,
                event_bus=self.event_bus,
            )
            self.failures[run_id] = reason
            self.transient = self.transient and is_transient(exc)

    def merge(self, failed: RebuildFailed) -> None:
        self.failures.update(failed.failures)
        self.transient = self.transient and failed.transient

    def raise_if_any(self, result: Any) -> None:
        if self.failures:
            raise RebuildFailed(self.failures, result, self.transient)
