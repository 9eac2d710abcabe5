"""Small rows written straight into the test database for the read endpoints, and demo runs
imported for the analysis endpoints."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import (
    Bar,
    Execution,
    Run,
    RunStatistics,
    Strategy,
    Trade,
    TradeLot,
)
from strategy_analysis.db.partitions_postgres import OWN_PARTITION_MIN_ROWS
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.trades.rebuild import after_import_hook

T0 = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)
RUN_ID = "run-a"


def _trade(n: int, **fields: Any) -> dict[str, Any]:
    entry = T0 + timedelta(minutes=10 * n)
    row = {
        "trade_id": f"t{n:03d}",
        "run_id": RUN_ID,
        "strategy_id": "S1",
        "account_id": "A1",
        "symbol": "ES",
        "side": "LONG",
        "status": "CLOSED",
        "entry_time": entry,
        "exit_time": entry + timedelta(minutes=5),
        "entry_price": 100.0,
        "exit_price": 101.0,
        "quantity": 1.0,
        "pnl_gross": 50.0,
        "commission": 2.0,
        "pnl_net": 48.0,
        "mae": 25.0,
        "mfe": 75.0,
        "mae_points": 0.5,
        "mfe_points": 1.5,
        "etd": 25.0,
        "duration_seconds": 300.0,
        "point_value": 50.0,
        "first_execution_id": f"e{n:03d}a",
        "exit_sequence": 2 * n + 1,
        "entry_count": 1,
        "exit_count": 1,
    }
    row.update(fields)
    return row


def seed_run(engine: Engine) -> dict[str, Any]:
    """One strategy, one run, three trades (a winner, a loser, an open one), their fills,
    lots, bars of two timeframes and stored statistics."""
    trades = [
        _trade(0),
        _trade(
            1,
            side="SHORT",
            pnl_gross=-100.0,
            pnl_net=-102.0,
            exit_price=102.0,
            entry_price=100.0,
        ),
        _trade(
            2,
            symbol="NQ",
            status="OPEN",
            exit_time=None,
            exit_price=None,
            pnl_gross=None,
            pnl_net=None,
            mae=None,
            mfe=None,
            mae_points=None,
            mfe_points=None,
            etd=None,
            duration_seconds=None,
            exit_sequence=None,
        ),
    ]
    executions = []
    lots = []
    for n, trade in enumerate(trades):
        entry_side = "BUY" if trade["side"] == "LONG" else "SELL"
        exit_side = "SELL" if entry_side == "BUY" else "BUY"
        executions.append(
            {
                "run_id": RUN_ID,
                "execution_id": f"e{n:03d}a",
                "order_id": f"o{n}a",
                "strategy_id": "S1",
                "account_id": "A1",
                "symbol": trade["symbol"],
                "side": entry_side,
                "exec_time": trade["entry_time"],
                "price": trade["entry_price"],
                "quantity": 1.0,
                "fee": 1.0,
                "sequence": 2 * n,
            }
        )
        if trade["exit_time"] is not None:
            executions.append(
                {
                    "run_id": RUN_ID,
                    "execution_id": f"e{n:03d}b",
                    "order_id": f"o{n}b",
                    "strategy_id": "S1",
                    "account_id": "A1",
                    "symbol": trade["symbol"],
                    "side": exit_side,
                    "exec_time": trade["exit_time"],
                    "price": trade["exit_price"],
                    "quantity": 1.0,
                    "fee": 1.0,
                    "sequence": 2 * n + 1,
                }
            )
            lots.append(
                {
                    "trade_id": trade["trade_id"],
                    "lot_index": 0,
                    "run_id": RUN_ID,
                    "symbol": trade["symbol"],
                    "entry_execution_id": f"e{n:03d}a",
                    "exit_execution_id": f"e{n:03d}b",
                    "entry_time": trade["entry_time"],
                    "exit_time": trade["exit_time"],
                    "entry_price": trade["entry_price"],
                    "exit_price": trade["exit_price"],
                    "quantity": 1.0,
                    "points": trade["exit_price"] - trade["entry_price"],
                    "pnl_gross": trade["pnl_gross"],
                }
            )
    bars = []
    for minute in range(-60, 120):
        start = T0 + timedelta(minutes=minute)
        bars.append(
            {
                "symbol": "ES",
                "timeframe": "1m",
                "start_time": start,
                "open": 100.0,
                "high": 101.5,
                "low": 99.5,
                "close": 100.5,
                "volume": 10.0,
            }
        )
        if minute % 5 == 0:
            bars.append({**bars[-1], "timeframe": "5m", "volume": 50.0})
    statistics = {
        "statistics": {
            "total_trades": 2,
            "winning_trades": 1,
            "losing_trades": 1,
            "even_trades": 0,
            "open_trades": 1,
            "net_profit": -54.0,
            "profit_factor": 48.0 / 102.0,
            "percent_profitable": 50.0,
            "max_drawdown": -102.0,
            "reconciliation": None,
        },
        "equity": [
            {"time": "2025-01-06T14:30:00.000000Z", "equity": 0.0, "drawdown": 0.0},
            {"time": "2025-01-06T14:35:00.000000Z", "equity": 48.0, "drawdown": 0.0},
            {"time": "2025-01-06T14:45:00.000000Z", "equity": -54.0, "drawdown": -102.0},
        ],
    }
    with engine.begin() as conn:
        conn.execute(insert(Strategy), [{"strategy_id": "S1", "name": "Strategy one"}])
        conn.execute(
            insert(Run),
            [
                {
                    "run_id": RUN_ID,
                    "strategy_id": "S1",
                    "parameters": {"ratio": 3},
                    "mode": "backtest",
                    "status": "COMPLETED",
                    "first_data_time": T0,
                    "last_data_time": T0 + timedelta(minutes=25),
                }
            ],
        )
        conn.execute(insert(Execution), executions)
        conn.execute(insert(Trade), trades)
        conn.execute(insert(TradeLot), lots)
        conn.execute(insert(Bar), bars)
        conn.execute(insert(RunStatistics), [{"run_id": RUN_ID, "statistics": statistics}])
    return {"trades": trades, "executions": executions, "lots": lots, "statistics": statistics}


def one_fill_batch(run: dict[str, Any]) -> dict[str, Any]:
    """A stream batch (export-format.md section 2) of ``run`` with one execution."""
    return {
        "schema_version": "1.1",
        "run": run,
        "executions": [
            {
                "execution_id": "e1",
                "order_id": "o1",
                "symbol": "ES",
                "side": "Buy",
                "exec_time_utc": "2025-01-06 14:30:00",
                "price": 100,
                "quantity": 1,
            }
        ],
    }


def import_demo_runs(engine: Engine, folder: Path, seeds: tuple[int, ...] = (3, 4)) -> list[str]:
    """One demo run of 600 executions per seed, imported and rebuilt; their ids, sorted."""
    for seed in seeds:
        export = folder / f"demo-{seed}.sqlite"
        write_demo_export(export, executions=600, seed=seed)
        report = import_export_file(engine, export, after_import=after_import_hook(engine))
        assert report.status == "succeeded", report.status
    with engine.connect() as conn:
        return sorted(conn.execute(select(Run.run_id)).scalars())


# Executions of a demo export (a round number just above the fewest) whose orders,
# executions and bars all reach OWN_PARTITION_MIN_ROWS (20,245 orders, 31,461 bars at
# seed 3): on PostgreSQL each of its tables goes into a partition of its own, and the import
# runs long enough after its first progress report for a kill or a lost connection to land
# in the middle of it.
PARTITIONED_EXECUTIONS = 35_000


def write_partitioned_export(path: Path, seed: int) -> Path:
    """A demo export of PARTITIONED_EXECUTIONS executions whose every table is big enough
    for a partition of its own (checked: the demo's ratios could change)."""
    write_demo_export(path, executions=PARTITIONED_EXECUTIONS, seed=seed)
    with sqlite3.connect(path) as conn:
        for table in ("Orders", "Executions", "Bars"):
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert rows >= OWN_PARTITION_MIN_ROWS, f"{table}: {rows} rows, too few for a partition"
    return path


def stored_trades(
    database_url: str, run_id: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A run's trades and their lots as stored, read from the database: cheaper than paging
    them through the API, and every column, the lots included."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            trades = conn.execute(
                select(Trade).where(Trade.run_id == run_id).order_by(Trade.trade_id)
            ).all()
            lots = conn.execute(
                select(TradeLot)
                .where(TradeLot.run_id == run_id)
                .order_by(TradeLot.trade_id, TradeLot.lot_index)
            ).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in trades], [tuple(r) for r in lots]
