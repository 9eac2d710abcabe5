"""Execution quality and data-quality findings: 1,000,000 executions with their orders.

In memory: ``assess`` (execution quality of the run and of each symbol, every
data-quality check) over the run's orders, fills and bars, beside ``build_trades`` over
the same executions (the rebuild's own build step) as the baseline. On PostgreSQL (and
SQLite with ``--databases``): the whole ``rebuild_trades`` of the run, each in a process
of its own (its peak memory its own): once to store the trades, then without the
assessment (the baseline, same run) and with it, the difference, and the assessment's
time inside the rebuild (its ``quality`` phase: fed the rebuild's executions and bars
symbol by symbol, it reads only the run's orders); ``assess_run`` alone (reading fills
and bars itself, as a stream batch or a run never assessed does); then the answers'
latency (in-process ASGI client, 200 requests each): ``/execution-quality``,
``/execution-quality?symbol=``, ``/quality``, beside ``/api/health`` and ``/stats``.
Targets (issue #25): <= 2 s to compute in the rebuild, answers p95 <= 100 ms.

The data is trades_bench's run (a target-position walk per account and symbol, prices
inside one-minute bars), each fill with an order of its own (half MARKET, 30% LIMIT,
20% STOP with a reference a tick or two away, either side) plus one cancelled LIMIT
order without fill per ten fills.

    python bench/quality_bench.py                      # 1,000,000 executions and bars
    python bench/quality_bench.py --executions 100000  # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from import_bench import peak_rss_mb  # noqa: E402
from sqlalchemy import make_url  # noqa: E402
from trades_bench import (  # noqa: E402
    DEFAULT_PG,
    RUN_ID,
    SYMBOLS,
    _bulk,
    _columns_to_rows,
    _libpq,
    generate,
    seed_database,
)

import strategy_analysis.trades.rebuild as rebuild_module  # noqa: E402
from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.db.migrations import upgrade_database  # noqa: E402
from strategy_analysis.trades.builder import build_trades  # noqa: E402
from strategy_analysis.trades.columns import BarColumns, ExecutionColumns  # noqa: E402
from strategy_analysis.trades.quality.assessment import assess, assess_run  # noqa: E402
from strategy_analysis.trades.quality.checks import RunFacts, SymbolBars  # noqa: E402
from strategy_analysis.trades.quality.columns import FillColumns, OrderColumns  # noqa: E402
from strategy_analysis.trades.sql_time import micros_to_text  # noqa: E402

COMPUTE_TARGET, P95_TARGET_MS = 2.0, 100.0
REQUESTS = 200
TYPES = np.array(["MARKET", "LIMIT", "STOP"], dtype=object)


def make_orders(ex: ExecutionColumns, seed: int) -> OrderColumns:
    """One order per fill (its id the fill's), then the cancelled ones without fill."""
    rng = np.random.default_rng(seed)
    n = len(ex)
    kind = TYPES[rng.choice(3, size=n, p=[0.5, 0.3, 0.2])]
    ticks = {s: t for s, _, t, _ in SYMBOLS}
    tick = np.array([ticks[s] for s in ex.symbol.tolist()])
    reference = ex.price + tick * rng.integers(-2, 3, n)
    price = np.where(kind == "LIMIT", reference, np.nan)
    stop = np.where(kind == "STOP", reference, np.nan)
    extra = rng.choice(n, size=n // 10, replace=False)
    return OrderColumns(
        order_id=np.concatenate((ex.execution_id, [f"c{i:07d}" for i in range(len(extra))])),
        symbol=np.concatenate((ex.symbol, ex.symbol[extra])),
        order_type=np.concatenate((kind, np.full(len(extra), "LIMIT", dtype=object))),
        status=np.concatenate(
            (np.full(n, "FILLED", dtype=object), np.full(len(extra), "CANCELED", dtype=object))
        ),
        quantity=np.concatenate((ex.quantity, ex.quantity[extra])),
        price=np.concatenate((price, ex.price[extra] - 10 * tick[extra])),
        stop_price=np.concatenate((stop, np.full(len(extra), np.nan))),
        submit_time=np.concatenate(
            (ex.exec_time - rng.integers(0, 5_000_000, n), ex.exec_time[extra])
        ),
    )


def fills_of(ex: ExecutionColumns) -> FillColumns:
    flags = np.array(["MAKER", "TAKER", None], dtype=object)
    return FillColumns(
        execution_id=ex.execution_id,
        order_id=ex.execution_id,
        symbol=ex.symbol,
        side=ex.side,
        exec_time=ex.exec_time,
        price=ex.price,
        quantity=ex.quantity,
        fee=ex.fee,
        liquidity_flag=flags[np.arange(len(ex)) % 3],
    )


def best_of(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def in_memory(ex: ExecutionColumns, orders: OrderColumns, bars: dict[str, BarColumns]) -> float:
    fills = fills_of(ex)
    point_values = {s: pv for s, pv, _, _ in SYMBOLS}
    facts = RunFacts(RUN_ID, True, set(point_values), None, [])
    symbol_bars = {s: SymbolBars("1m", b) for s, b in bars.items()}
    build_s, _ = best_of(lambda: build_trades(ex, point_values, RUN_ID, "Bench"))
    assess_s, document = best_of(lambda: assess(facts, orders, fills, point_values, symbol_bars))
    found = {f["check"]: f["count"] for f in document["findings"]}
    print(f"in memory: {len(fills):,} executions, {len(orders):,} orders")
    print(f"  baseline build_trades         {build_s:7.3f} s")
    print(f"  assess (quality + findings)   {assess_s:7.3f} s  (target <= {COMPUTE_TARGET:.0f} s)")
    print(f"  findings: {found or 'none'}")
    print(f"  peak memory so far            {peak_rss_mb():7.0f} MB")
    return assess_s


def seed_orders(engine: Any, orders: OrderColumns, ex: ExecutionColumns) -> None:
    n = len(orders)
    accounts = {s: a for s, a in zip(ex.symbol.tolist(), ex.account_id.tolist(), strict=True)}
    own = np.concatenate((ex.account_id, [accounts[s] for s in orders.symbol[len(ex) :]]))
    sides = np.concatenate((ex.side, np.ones(n - len(ex), dtype=np.int8)))

    def value(v: float) -> float | None:
        return None if v != v else v

    _bulk(
        engine,
        "orders",
        ["run_id", "order_id", "strategy_id", "account_id", "symbol", "side", "order_type",
         "time_in_force", "submit_time", "price", "stop_price", "quantity", "status"],
        _columns_to_rows([
            [RUN_ID] * n, orders.order_id.tolist(), ["Bench"] * n, own.tolist(),
            orders.symbol.tolist(), np.where(sides > 0, "BUY", "SELL").tolist(),
            orders.order_type.tolist(), ["GTC"] * n, micros_to_text(orders.submit_time),
            [value(v) for v in orders.price.tolist()],
            [value(v) for v in orders.stop_price.tolist()],
            orders.quantity.tolist(), orders.status.tolist(),
        ]),
    )  # fmt: skip


def latency(client: Any, url: str) -> tuple[float, float]:
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
    p50, p95 = np.percentile(times, [50, 95])
    return float(p50), float(p95)


def answers(url: str, workdir: str) -> float:
    from api.in_process import app_client, settings_for

    worst = 0.0
    with app_client(settings_for(url, Path(workdir))) as client:
        base = f"/api/runs/{RUN_ID}"
        rows = [
            ("baseline /api/health", "/api/health", False),
            ("baseline /stats", f"{base}/stats", False),
            ("/execution-quality", f"{base}/execution-quality", True),
            ("/execution-quality?symbol=", f"{base}/execution-quality?symbol=ES%2012-25", True),
            ("/quality", f"{base}/quality", True),
        ]
        for name, path, counted in rows:
            p50, p95 = latency(client, path)
            if counted:
                worst = max(worst, p95)
            print(f"  {name:<32} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    return worst


class _NoAssessment:
    """Stands in for the rebuild's assessment in the baseline: fed, it keeps nothing."""

    @classmethod
    def reading_ahead(cls, *args: Any) -> _NoAssessment:
        return cls()

    def read_ahead(self) -> None:
        pass

    def add_from(self, *args: Any, **kwargs: Any) -> None:
        pass

    def add_beside(self, *args: Any) -> Future[None]:
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def add_unread(self, *args: Any) -> None:
        pass

    def document_of_run(self, *args: Any) -> None:
        return None


def rebuild_child(url: str, assessed: bool) -> int:
    """One ``rebuild_trades`` of the run in this process: its time, phases, peak memory
    as one JSON line."""
    if not assessed:
        rebuild_module.RunAssessment = _NoAssessment  # type: ignore[misc,assignment]
        rebuild_module.store_run_quality = lambda *args: None
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        result = rebuild_module.rebuild_trades(engine, run_id=RUN_ID)
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    print(json.dumps({"seconds": seconds, "timings": result.timings, "peak_mb": peak_rss_mb()}))
    return 0


def rebuild_in_child(url: str, assessed: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--rebuild-child", url]
    if not assessed:
        command.append("--without-assessment")
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the rebuild child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def phases(measured: dict[str, Any]) -> str:
    return " ".join(f"{k} {v:.2f}" for k, v in measured["timings"].items())


def bench_database(name: str, url: str, ex: ExecutionColumns, bars: dict, orders: OrderColumns,
                   workdir: str) -> tuple[float, float]:  # fmt: skip
    upgrade_database(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        seed_database(engine, ex, bars)
        seed_orders(engine, orders, ex)
        print(f"{name}: seeded in {time.perf_counter() - started:.1f} s")
        # The first rebuild writes the trades; the measured ones each replace them.
        first = rebuild_in_child(url, assessed=True)
        print(f"  first rebuild (stores the trades)   {first['seconds']:7.2f} s")
        without = rebuild_in_child(url, assessed=False)
        with_ = rebuild_in_child(url, assessed=True)
        difference = with_["seconds"] - without["seconds"]
        print(
            f"  baseline rebuild without assessment {without['seconds']:7.2f} s"
            f"  peak {without['peak_mb']:5.0f} MB  ({phases(without)})"
        )
        print(
            f"  rebuild with assessment             {with_['seconds']:7.2f} s"
            f"  peak {with_['peak_mb']:5.0f} MB  ({phases(with_)})"
        )
        print(
            f"  difference                          {difference:7.2f} s"
            f"  (target <= {COMPUTE_TARGET:.0f} s)"
        )
        inside = with_["timings"]["quality"]
        print(f"  assessment inside the rebuild       {inside:7.2f} s  (its quality phase)")
        with engine.connect() as conn:
            alone, _ = best_of(lambda: assess_run(conn, RUN_ID, None), 1)
        print(f"  assess_run alone (reads its own)    {alone:7.2f} s")
        worst = answers(url, workdir)
        print(f"  peak memory of this process so far  {peak_rss_mb():7.0f} MB")
        return difference, worst
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--bars", type=int, default=None, help="default: as many as executions")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--databases", default="postgresql", help="sqlite, postgresql, both (comma) or '' for none"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument("--rebuild-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--without-assessment", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.rebuild_child:
        return rebuild_child(args.rebuild_child, not args.without_assessment)
    ex, bars = generate(args.executions, args.bars or args.executions, args.seed)
    orders = make_orders(ex, args.seed)
    compute = in_memory(ex, orders, bars)
    verdicts = [("assess 1M executions in memory <= 2 s", compute <= COMPUTE_TARGET)]
    for database in filter(None, args.databases.split(",")):
        with tempfile.TemporaryDirectory() as workdir:
            if database == "sqlite":
                url = f"sqlite:///{workdir}/bench.db"
                difference, worst = bench_database("sqlite", url, ex, bars, orders, workdir)
            else:
                dbname = f"bench_quality_{uuid.uuid4().hex[:8]}"
                admin = psycopg.connect(_libpq(args.postgres_url), autocommit=True)
                admin.execute(f'CREATE DATABASE "{dbname}"')
                try:
                    url = make_url(args.postgres_url).set(database=dbname)
                    url = url.render_as_string(hide_password=False)
                    difference, worst = bench_database("postgresql", url, ex, bars, orders, workdir)
                finally:
                    admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
                    admin.close()
            verdicts.append(
                (f"{database} rebuild + assessment <= 2 s", difference <= COMPUTE_TARGET)
            )
            verdicts.append((f"{database} answers p95 <= 100 ms", worst <= P95_TARGET_MS))
    print(f"peak memory {peak_rss_mb():.0f} MB")
    for what, ok in verdicts:
        print(f"  {'met' if ok else 'MISSED'}: {what}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
