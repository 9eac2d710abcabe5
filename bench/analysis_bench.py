"""Analysis benchmark: statistics of any subset, breakdowns, Monte Carlo and run comparison
against a real server whose database holds generated demo runs (default: four runs of
1,000,000 executions each, with their 1-minute bars).

Baselines measured in the same run: ``GET /api/health`` (this server's HTTP floor) and
``GET /api/runs/{run_id}/equity``, a read of the stored statistics document as
``/stats`` answered before it took subsets (one row, no computation).

    python bench/analysis_bench.py                          # 4 runs x 1,000,000 executions
    python bench/analysis_bench.py --executions 200000      # a quicker run
    python bench/analysis_bench.py --database sqlite
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from events_bench import vm_hwm_mb  # noqa: E402
from stream_bench import ROOT, fresh_database, latencies_ms, running_server  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.db.models import Execution, Run, Trade  # noqa: E402
from strategy_analysis.ingest.demo_export import write_demo_export  # noqa: E402
from strategy_analysis.ingest.importer import import_export_file  # noqa: E402
from strategy_analysis.services.analysis import load_analysis_trades  # noqa: E402
from strategy_analysis.trades.monte_carlo import monte_carlo  # noqa: E402
from strategy_analysis.trades.rebuild import after_import_hook  # noqa: E402

TARGET_SUBSET_P95_MS = 100.0
TARGET_MONTE_CARLO_S = 1.0
TARGET_COMPARE_P95_MS = 300.0
BREAKDOWN_KEYS = ("day", "week", "month", "year", "hour", "weekday", "symbol", "account",
                  "side", "duration")  # fmt: skip
ZONES = ("UTC", "America/New_York")


def import_runs(engine, workdir: Path, executions: int, runs: int) -> None:
    for k in range(runs):
        export = workdir / f"demo-{k}.sqlite"
        t0 = time.perf_counter()
        write_demo_export(export, executions=executions, seed=2 + k)
        generated = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = import_export_file(engine, export, after_import=after_import_hook(engine))
        print(
            f"run {k + 1}: generated {executions:,} executions in {generated:.1f} s, "
            f"import + trade rebuild {time.perf_counter() - t0:.1f} s ({report.status})",
            flush=True,
        )
        export.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--executions", type=int, default=1_000_000, help="per run")
    parser.add_argument("--runs", type=int, default=4, help="runs imported (compared)")
    parser.add_argument("--requests", type=int, default=200)
    args, _unknown = parser.parse_known_args()

    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="analysis-bench-") as tmp:
        workdir = Path(tmp)
        with fresh_database(args.database, workdir) as url:
            engine = make_engine(url)
            import_runs(engine, workdir, args.executions, args.runs)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(
                    "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
                )
            with engine.connect() as conn:
                run_ids = sorted(conn.execute(select(Run.run_id)).scalars())
                executions = conn.execute(
                    select(func.count()).where(Execution.run_id == run_ids[0])
                ).scalar_one()
                trades = conn.execute(
                    select(func.count()).where(Trade.run_id == run_ids[0])
                ).scalar_one()
                t0 = time.perf_counter()
                loaded = load_analysis_trades(conn, run_ids[0])
                cold_read = time.perf_counter() - t0
            run_id = run_ids[0]
            print(
                f"run {run_id}: {executions:,} executions, {trades:,} trades "
                f"({int(loaded.closed.sum()):,} closed); {len(run_ids)} runs in the database"
            )

            # Monte Carlo over exactly 100,000 trades' PnL, in process (the target's size)
            pnl = np.resize(loaded.pnl_net[loaded.closed], 100_000)
            t0 = time.perf_counter()
            monte_carlo(pnl, simulations=1000, seed=1)
            monte_carlo_100k = time.perf_counter() - t0
            # baseline: the contract's draws alone (int64, 4 rows at a time: the same numbers)
            t0 = time.perf_counter()
            draws = np.random.default_rng(1)
            for _ in range(250):
                draws.integers(0, len(pnl), size=(4, len(pnl)))
            draws_100k = time.perf_counter() - t0

            started: list[subprocess.Popen[bytes]] = []
            first_compare: float | None = None
            results: dict[str, dict[str, float]] = {}
            with (
                running_server(url, workdir, started) as base,
                httpx.Client(base_url=base, timeout=120) as client,
            ):

                def get(path: str, **params: object) -> Callable[[], object]:
                    def call() -> object:
                        answer = client.get(path, params=params)
                        answer.raise_for_status()
                        return answer

                    return call

                n = args.requests
                results["GET /api/health (HTTP floor, baseline)"] = latencies_ms(
                    [get("/api/health")], n
                )
                results["GET /equity: stored document (baseline)"] = latencies_ms(
                    [get(f"/api/runs/{run_id}/equity")], n
                )
                t0 = time.perf_counter()
                get(f"/api/runs/{run_id}/stats")()
                first_request = time.perf_counter() - t0
                run = client.get(f"/api/runs/{run_id}").json()
                subsets: list[dict[str, str]] = [{}, {"side": "long"}, {"side": "short"}]
                subsets += [{"symbol": s} for s in run["symbols"]]
                subsets += [{"account": a} for a in run["accounts"]]
                subsets += [
                    {"side": side, "symbol": s, "account": a}
                    for side in ("long", "short")
                    for s in run["symbols"]
                    for a in run["accounts"]
                ]
                rng.shuffle(subsets)
                results[f"GET /stats, {len(subsets)} subsets"] = latencies_ms(
                    [get(f"/api/runs/{run_id}/stats", **s) for s in subsets], n
                )
                breakdowns = [
                    get(f"/api/runs/{run_id}/breakdown", by=by, tz=tz)
                    for by in BREAKDOWN_KEYS
                    for tz in ZONES
                ]
                rng.shuffle(breakdowns)
                results["GET /breakdown, every key x UTC/New York"] = latencies_ms(breakdowns, n)
                results["GET /monte-carlo?simulations=1000 (whole run)"] = latencies_ms(
                    [get(f"/api/runs/{run_id}/monte-carlo", simulations=1000, seed=1)],
                    max(5, n // 20),
                )
                if len(run_ids) >= 2:
                    compared = run_ids[:4]
                    t0 = time.perf_counter()
                    get("/api/compare", run_id=compared)()
                    first_compare = time.perf_counter() - t0
                    results[f"GET /compare of {len(compared)} runs"] = latencies_ms(
                        [get("/api/compare", run_id=compared)], max(20, n // 5)
                    )
                server_peak = vm_hwm_mb(started[0].pid)
            engine.dispose()

    print()
    print(f"{'request':48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, row in results.items():
        print(f"{name:48} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['max']:>8.1f}")
    print()
    print(f"first /stats of the run (reads its trades): {first_request * 1000:.0f} ms; "
          f"the read alone, in process: {cold_read * 1000:.0f} ms")  # fmt: skip
    if first_compare is not None:
        print(
            f"first /compare of the runs (computes and keeps each run's statistics and "
            f"curve; later ones answer from them): {first_compare * 1000:.0f} ms"
        )
    print(
        f"Monte Carlo 1000 x 100k trades in process: {monte_carlo_100k * 1000:.0f} ms; "
        f"baseline, the contract's draws alone (int64): {draws_100k * 1000:.0f} ms"
    )
    print(
        f"server peak memory (VmHWM): {server_peak:.0f} MB; "
        f"this process (imports, rebuilds, in-process Monte Carlo): "
        f"{vm_hwm_mb(os.getpid()):.0f} MB"
    )
    print()
    verdicts = []
    for name, row in results.items():
        if name.startswith(("GET /stats", "GET /breakdown")):
            verdicts.append((name, row["p95"], TARGET_SUBSET_P95_MS, "ms p95"))
        if name.startswith("GET /compare"):
            verdicts.append((name, row["p95"], TARGET_COMPARE_P95_MS, "ms p95"))
    verdicts.append(
        ("Monte Carlo 1000 x 100k trades", monte_carlo_100k * 1000, 1000 * TARGET_MONTE_CARLO_S,
         "ms")
    )  # fmt: skip
    for name, value, target, unit in verdicts:
        verdict = "met" if value <= target else "NOT met"
        print(f"  {name:44} {value:8.1f} {unit:7} target <= {target:.0f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
