"""A run's rows that the planner statistics do not know yet are analyzed before the
executions read joins them (db/planner_estimates.py): with the estimate of one order,
PostgreSQL joined a window of executions to the run's orders by reading all of them once
per execution."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from strategy_analysis.db.planner_estimates import refresh_stale_estimates
from strategy_analysis.trades.reading import (
    JOINED_RUN_TABLES,
    execution_windows,
    read_executions,
    run_contexts,
)

ROWS = 3_000


def _add_run(conn: Connection, run_id: str, rows: int) -> None:
    conn.execute(
        text(
            "INSERT INTO runs (run_id, strategy_id, status, created_at, updated_at) "
            "VALUES (:run, 'S', 'COMPLETED', now(), now())"
        ),
        {"run": run_id},
    )
    conn.execute(
        text(
            "INSERT INTO orders (run_id, order_id, strategy_id, account_id, symbol, side, "
            "order_type, time_in_force, submit_time, quantity, status) "
            "SELECT :run, 'O' || n, 'S', 'A', 'ES', 'BUY', 'MARKET', 'DAY', "
            "timestamptz '2026-01-02' + n * interval '1 second', 1, 'FILLED' "
            "FROM generate_series(1, :rows) AS n"
        ),
        {"run": run_id, "rows": rows},
    )
    conn.execute(
        text(
            "INSERT INTO executions (run_id, execution_id, order_id, symbol, side, exec_time, "
            "price, quantity, fee, sequence) "
            "SELECT :run, 'E' || n, 'O' || n, 'ES', "
            "CASE WHEN n % 2 = 0 THEN 'BUY' ELSE 'SELL' END, "
            "timestamptz '2026-01-02' + n * interval '1 second', 100, 1, 0, n "
            "FROM generate_series(1, :rows) AS n"
        ),
        {"run": run_id, "rows": rows},
    )


def _estimate(conn: Connection, table: str, run_id: str) -> int:
    plan = conn.execute(
        text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} WHERE run_id = '{run_id}'")
    ).scalar_one()
    return int(plan[0]["Plan"]["Plan Rows"])


def _join_plan(conn: Connection, run_id: str) -> str:
    """The plan of the executions read's join (trades/reading.py, _ORDER_JOIN): a Join
    Filter reads every order of the run for each execution."""
    return "\n".join(
        conn.execute(
            text(
                "EXPLAIN SELECT o.client_tag FROM executions e LEFT JOIN orders o "
                f"ON o.run_id = '{run_id}' AND o.order_id = e.order_id "
                f"WHERE e.run_id = '{run_id}' AND e.symbol = 'ES' "
                "ORDER BY e.symbol, e.exec_time, e.sequence, e.execution_id LIMIT 1000"
            )
        ).scalars()
    )


@pytest.fixture
def stale_run(engine):
    """Run B's rows in the DEFAULT partitions, analyzed while they held run A only."""
    if engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    with engine.begin() as conn:
        for table in JOINED_RUN_TABLES:
            # Autovacuum would analyze them on its own, sooner or later.
            conn.execute(text(f"ALTER TABLE {table}_default SET (autovacuum_enabled = false)"))
        conn.execute(
            text(
                "INSERT INTO strategies (strategy_id, created_at, updated_at) "
                "VALUES ('S', now(), now())"
            )
        )
        _add_run(conn, "A", 50)
    with engine.begin() as conn:
        for table in JOINED_RUN_TABLES:
            conn.execute(text(f"ANALYZE {table}_default"))
        _add_run(conn, "B", ROWS)
    with engine.connect() as conn:
        for table in JOINED_RUN_TABLES:
            assert _estimate(conn, table, "B") < 10
        assert "Join Filter" in _join_plan(conn, "B")
        return run_contexts(conn, ["B"])["B"]


def test_the_windows_read_analyzes_what_the_planner_underestimates(engine, stale_run):
    windows = list(execution_windows(engine, stale_run, "ES", 1_000))
    assert sum(len(window) for window, _ in windows) == ROWS
    with engine.connect() as conn:
        for table in JOINED_RUN_TABLES:
            assert _estimate(conn, table, "B") > ROWS * 0.8
            # The orders are joined by their key, not read whole per execution.
        assert "Join Filter" not in _join_plan(conn, "B")
        # Estimates now right: nothing more is analyzed.
        assert refresh_stale_estimates(conn, JOINED_RUN_TABLES, "run_id", "B") == []


def test_a_read_in_the_writing_transaction_analyzes_its_own_rows(engine, stale_run):
    with engine.connect() as conn:
        _add_run(conn, "C", ROWS)
        (run,) = run_contexts(conn, ["C"]).values()
        assert len(read_executions(conn, run, ["ES"])) == ROWS
        for table in JOINED_RUN_TABLES:
            assert _estimate(conn, table, "C") > ROWS * 0.8
        conn.rollback()


def test_estimates_of_a_small_run_are_left_alone(engine, stale_run):
    with engine.begin() as conn:
        _add_run(conn, "D", 200)
        assert refresh_stale_estimates(conn, JOINED_RUN_TABLES, "run_id", "D") == []
        assert refresh_stale_estimates(conn, JOINED_RUN_TABLES, "run_id", "B") == [
            "executions_default",
            "orders_default",
        ]
