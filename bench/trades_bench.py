"""Trade rebuild benchmark: 1,000,000 executions and 1,000,000 bars, in memory and on both databases.

In memory: ``build_trades`` over all executions, ``compute_excursions`` (position
excursions and efficiencies) for 100,000 closed trades over all bars, ``compute_statistics`` over every trade. On PostgreSQL and SQLite
(a fresh migrated database each, filled directly with the generated rows): the whole
``rebuild_trades`` of the run, first into empty trade tables, then again replacing them,
with its time split into load, build, excursions, write and statistics.

The data is a target-position walk per (account, symbol): scale in and out, reversals
through zero, partial fills, exits and entries in the same instant; prices lie inside
one-minute bars.

    python bench/trades_bench.py                      # 1,000,000 executions and bars
    python bench/trades_bench.py --executions 100000  # a quick run
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from import_bench import peak_rss_mb  # noqa: E402
from sqlalchemy import Engine, make_url, text  # noqa: E402

from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.db.migrations import upgrade_database  # noqa: E402
from strategy_analysis.trades.builder import build_trades  # noqa: E402
from strategy_analysis.trades.columns import (  # noqa: E402
    TRADE_FIELDS,
    BarColumns,
    ExecutionColumns,
)
from strategy_analysis.trades.excursions import compute_excursions  # noqa: E402
from strategy_analysis.trades.rebuild import PHASES, rebuild_trades  # noqa: E402
from strategy_analysis.trades.sql_time import micros_to_text  # noqa: E402
from strategy_analysis.trades.statistics import (  # noqa: E402
    compute_equity_curve,
    compute_statistics,
)
from strategy_analysis.trades.writing import (  # noqa: E402
    STORED_LOT_FIELDS,
    NumberedLots,
    bulk_insert,
)

DEFAULT_PG = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SYMBOLS = (
    ("ES 12-25", 50.0, 0.25, 5000.0),
    ("NQ 12-25", 20.0, 0.25, 20000.0),
    ("CL 01-26", 1000.0, 0.01, 70.0),
)
ACCOUNTS = ("Sim101", "Sim102")
START_US = 1_736_121_600_000_000  # 2025-01-06 00:00 UTC
MINUTE_US = 60_000_000
RUN_ID = "bench-run"
# Targets of issue #4 (seconds).
BUILD_TARGET, EXCURSIONS_TARGET, PG_REBUILD_TARGET = 2.0, 1.0, 15.0
EXCURSION_TRADES = 100_000


def generate(
    executions: int, bars: int, seed: int
) -> tuple[ExecutionColumns, dict[str, BarColumns]]:
    """Executions of one run and one-minute bars of its symbols, vectorised."""
    rng = np.random.default_rng(seed)
    bars_per_symbol = max(2, bars // len(SYMBOLS))
    bar_columns: dict[str, BarColumns] = {}
    closes = {}
    starts = START_US + np.arange(bars_per_symbol, dtype=np.int64) * MINUTE_US
    for symbol, _, tick, price in SYMBOLS:
        close = price + np.cumsum(rng.normal(0, 4 * tick, bars_per_symbol))
        close = np.round(np.maximum(close, 100 * tick) / tick) * tick
        open_ = np.concatenate(([close[0]], close[:-1]))
        high = np.maximum(open_, close) + tick * rng.integers(0, 6, bars_per_symbol)
        low = np.minimum(open_, close) - tick * rng.integers(0, 6, bars_per_symbol)
        bar_columns[symbol] = BarColumns(
            timeframe=np.full(bars_per_symbol, "1m", dtype=object),
            start_time=starts,
            end_time=starts + MINUTE_US,
            high=high,
            low=low,
        )
        closes[symbol] = (open_, close, high, low)

    groups = [(a, s) for a in ACCOUNTS for s in range(len(SYMBOLS))]
    per_group = executions // len(groups)
    parts: list[dict[str, np.ndarray]] = []
    for g, (account, s) in enumerate(groups):
        count = per_group if g < len(groups) - 1 else executions - per_group * (len(groups) - 1)
        # Target positions: flat 40% of the time, else 1..3 long or short.
        targets = rng.choice(
            [0, 1, 2, 3, -1, -2, -3], size=count * 2, p=[0.4, 0.15, 0.1, 0.05, 0.15, 0.1, 0.05]
        )
        targets = targets[np.concatenate(([True], np.diff(targets) != 0))]
        moves = np.diff(np.concatenate(([0], targets)))
        moves = moves[moves != 0]
        # Some orders fill in two parts: the first part half (rounded down), then the rest.
        split = (np.abs(moves) >= 2) & (rng.random(len(moves)) < 0.3)
        order_of_fill = np.repeat(np.arange(len(moves)), 1 + split)
        fills = moves[order_of_fill]
        second_part = np.concatenate(([False], np.diff(order_of_fill) == 0))
        half = np.sign(fills) * (np.abs(fills) // 2)
        halves = np.where(split[order_of_fill], np.where(second_part, fills - half, half), fills)
        fills = halves[:count]
        # Times: inside the bar span; a quarter of fills share the previous fill's instant.
        times = np.sort(rng.integers(starts[0], starts[-1] + MINUTE_US, len(fills)))
        same = rng.random(len(fills)) < 0.25
        same[0] = False
        times = np.where(same, np.concatenate(([times[0]], times[:-1])), times)
        times = np.maximum.accumulate(times)
        bar_index = (times - starts[0]) // MINUTE_US
        _, _, high, low = closes[SYMBOLS[s][0]]
        tick = SYMBOLS[s][2]
        price = (
            low[bar_index]
            + np.floor(rng.random(len(fills)) * ((high - low)[bar_index] / tick + 1)) * tick
        )
        parts.append(
            {
                "account": np.full(len(fills), account, dtype=object),
                "symbol": np.full(len(fills), SYMBOLS[s][0], dtype=object),
                "side": np.sign(fills).astype(np.int8),
                "quantity": np.abs(fills).astype(np.float64),
                "price": price,
                "time": times,
            }
        )
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(merged["time"], kind="stable")
    merged = {key: value[order] for key, value in merged.items()}
    n = len(order)
    ids = np.array([f"x{i:07d}" for i in range(n)], dtype=object)
    return (
        ExecutionColumns(
            execution_id=ids,
            account_id=merged["account"],
            symbol=merged["symbol"],
            side=merged["side"],
            price=merged["price"],
            quantity=merged["quantity"],
            fee=merged["quantity"] * 2.09,
            exec_time=merged["time"],
            sequence=np.arange(n, dtype=np.int64),
        ),
        bar_columns,
    )


def timed(fn: Any, *args: Any, repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - started)
    return best, result


def in_memory(executions: ExecutionColumns, bars: dict[str, BarColumns]) -> dict[str, Any]:
    point_values = {s: pv for s, pv, _, _ in SYMBOLS}
    build_s, built = timed(build_trades, executions, point_values, RUN_ID, "Bench")
    closed = np.flatnonzero(built.closed)[:EXCURSION_TRADES]
    subset = SimpleNamespace(
        **{
            name: getattr(built, name)[closed]
            for name in (
                "symbol",
                "closed",
                "direction",
                "entry_time",
                "exit_time",
                "entry_price",
                "exit_price",
                "quantity",
                "point_value",
                "pnl_gross",
            )
        },
        path=built.path.for_trades(closed),
    )
    total_bars = sum(len(b) for b in bars.values())
    exc_s, exc = timed(compute_excursions, subset, bars)
    compute_excursions(built, bars).assign_to(built)
    stats_s, _ = timed(lambda b: (compute_statistics(b), compute_equity_curve(b)), built)
    print(
        f"in memory: {len(executions):,} executions -> {len(built):,} trades "
        f"({int(built.closed.sum()):,} closed), {len(built.lots):,} lot matches"
    )
    print(f"  build_trades                  {build_s:7.3f} s  (target <= {BUILD_TARGET:.0f} s)")
    print(
        f"  excursions {len(closed):,} trades / {total_bars:,} bars "
        f"{exc_s:7.3f} s  (target <= {EXCURSIONS_TARGET:.0f} s)"
    )
    print(f"  statistics + equity curve     {stats_s:7.3f} s")
    print(f"  peak memory so far            {peak_rss_mb():7.0f} MB")
    missing = int(np.isnan(exc.mfe).sum())
    if missing:
        print(f"  warning: {missing} of the trades found no bar")
    return {"build": build_s, "excursions": exc_s, "built": built}


# -- databases -----------------------------------------------------------------------------


def _libpq(url: str, database: str | None = None) -> str:
    sa_url = make_url(url)
    if database is not None:
        sa_url = sa_url.set(database=database)
    return sa_url.set(drivername="postgresql").render_as_string(hide_password=False)


def _bulk(engine: Engine, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    with engine.begin() as conn:
        dbapi = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            with (
                dbapi.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor = dbapi.cursor()
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            cursor.close()


def _columns_to_rows(columns: list[Any]) -> list[list[Any]]:
    matrix = np.empty((len(columns[0]), len(columns)), dtype=object)
    for j, values in enumerate(columns):
        matrix[:, j] = values
    return matrix.tolist()


def seed_database(
    engine: Engine, executions: ExecutionColumns, bars: dict[str, BarColumns]
) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO strategies (strategy_id, name, created_at, updated_at) VALUES ('Bench', 'Bench', :t, :t)"
            ),
            {
                "t": "2025-01-06 00:00:00.000000"
                if engine.dialect.name == "sqlite"
                else "2025-01-06T00:00:00Z"
            },
        )
        conn.execute(
            text(
                "INSERT INTO runs (run_id, strategy_id, status, created_at, updated_at) "
                "VALUES (:r, 'Bench', 'COMPLETED', :t, :t)"
            ),
            {
                "r": RUN_ID,
                "t": "2025-01-06 00:00:00.000000"
                if engine.dialect.name == "sqlite"
                else "2025-01-06T00:00:00Z",
            },
        )
        for symbol, pv, tick, _ in SYMBOLS:
            conn.execute(
                text(
                    "INSERT INTO instruments (symbol, point_value, tick_size, updated_at) VALUES (:s, :pv, :tick, :t)"
                ),
                {
                    "s": symbol,
                    "pv": pv,
                    "tick": tick,
                    "t": "2025-01-06 00:00:00.000000"
                    if engine.dialect.name == "sqlite"
                    else "2025-01-06T00:00:00Z",
                },
            )
    n = len(executions)
    _bulk(
        engine,
        "executions",
        [
            "run_id",
            "execution_id",
            "order_id",
            "account_id",
            "symbol",
            "side",
            "exec_time",
            "price",
            "quantity",
            "fee",
            "sequence",
        ],
        _columns_to_rows(
            [
                [RUN_ID] * n,
                executions.execution_id.tolist(),
                executions.execution_id.tolist(),
                executions.account_id.tolist(),
                executions.symbol.tolist(),
                np.where(executions.side > 0, "BUY", "SELL").tolist(),
                micros_to_text(executions.exec_time),
                executions.price.tolist(),
                executions.quantity.tolist(),
                executions.fee.tolist(),
                executions.sequence.tolist(),
            ]
        ),
    )
    for symbol, b in bars.items():
        m = len(b)
        _bulk(
            engine,
            "bars",
            [
                "symbol",
                "timeframe",
                "start_time",
                "end_time",
                "open",
                "high",
                "low",
                "close",
                "volume",
            ],
            _columns_to_rows(
                [
                    [symbol] * m,
                    b.timeframe.tolist(),
                    micros_to_text(b.start_time),
                    micros_to_text(b.end_time),
                    b.low.tolist(),
                    b.high.tolist(),
                    b.low.tolist(),
                    b.high.tolist(),
                    [100.0] * m,
                ]
            ),
        )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def baseline_write(engine: Engine, built: Any) -> float:
    """The same trade and lot rows, same bulk path, into tables without indexes or keys."""
    with engine.begin() as conn:
        for table, copy in (("trades", "baseline_trades"), ("trade_lots", "baseline_lots")):
            if engine.dialect.name == "postgresql":
                conn.execute(
                    text(
                        f"CREATE TABLE {copy} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)"
                    )
                )
            else:
                conn.execute(text(f"CREATE TABLE {copy} AS SELECT * FROM {table} WHERE 0"))
    with engine.begin() as conn:
        started = time.perf_counter()
        bulk_insert(conn, "baseline_trades", TRADE_FIELDS, built, schema_table="trades")
        bulk_insert(
            conn,
            "baseline_lots",
            STORED_LOT_FIELDS,
            NumberedLots(built.lots),
            schema_table="trade_lots",
        )
    return time.perf_counter() - started


def bench_database(
    name: str,
    url: str,
    executions: ExecutionColumns,
    bars: dict[str, BarColumns],
    built: Any,
) -> float:
    upgrade_database(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        seed_database(engine, executions, bars)
        print(
            f"{name}: seeded {len(executions):,} executions and {sum(len(b) for b in bars.values()):,} bars in {time.perf_counter() - started:.1f} s"
        )
        totals = []
        for label in ("first rebuild", "rebuild again (replace)"):
            result = rebuild_trades(engine, run_id=RUN_ID)
            split = "  ".join(f"{phase} {result.timings[phase]:6.2f}" for phase in PHASES)
            print(f"  {label:24s} {result.seconds:6.2f} s = {split}")
            totals.append(result.seconds)
        print(f"  {result.trades:,} trades, {result.lots:,} lot matches, {result.bars:,} bars read")
        print(
            f"  baseline: the same rows into tables without indexes or foreign keys "
            f"{baseline_write(engine, built):6.2f} s (the write phase's floor on this machine)"
        )
        return max(totals)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--bars", type=int, default=None, help="default: as many as executions")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    args, _ = parser.parse_known_args()
    started = time.perf_counter()
    executions, bars = generate(args.executions, args.bars or args.executions, args.seed)
    print(
        f"generated {len(executions):,} executions and {sum(len(b) for b in bars.values()):,} bars in {time.perf_counter() - started:.1f} s"
    )
    memory = in_memory(executions, bars)
    verdicts = [
        ("build 1M executions <= 2 s", memory["build"] <= BUILD_TARGET),
        ("excursions 100k trades <= 1 s", memory["excursions"] <= EXCURSIONS_TARGET),
    ]
    for database in args.databases.split(","):
        if database == "postgresql":
            dbname = f"bench_trades_{uuid.uuid4().hex[:8]}"
            admin = psycopg.connect(_libpq(args.postgres_url), autocommit=True)
            admin.execute(f'CREATE DATABASE "{dbname}"')
            try:
                url = (
                    make_url(args.postgres_url)
                    .set(database=dbname)
                    .render_as_string(hide_password=False)
                )
                worst = bench_database("postgresql", url, executions, bars, memory["built"])
                verdicts.append(("PostgreSQL whole rebuild <= 15 s", worst <= PG_REBUILD_TARGET))
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
                admin.close()
        elif database == "sqlite":
            with tempfile.TemporaryDirectory() as workdir:
                bench_database(
                    "sqlite", f"sqlite:///{workdir}/bench.db", executions, bars, memory["built"]
                )
    scale = (
        ""
        if args.executions >= 1_000_000
        else f" (at {args.executions:,} executions, targets are for 1,000,000)"
    )
    for label, ok in verdicts:
        print(f"{'PASS' if ok else 'MISS'}: {label}{scale}")
    print(f"peak memory of the bench process: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
