"""Read API benchmark: ``GET /api/trades`` (a page of 100) and ``GET /api/trades/{id}`` on
a database holding a generated run of 1,000,000 executions and its 1-minute bars.

Next to the endpoints, baselines measured in the same run: ``GET /api/health`` (the HTTP
floor of this server) and the page query run directly through SQLAlchemy (no HTTP).

    python bench/api_bench.py                        # 1,000,000 executions, PostgreSQL
    python bench/api_bench.py --executions 100000    # a quick run
    python bench/api_bench.py --database sqlite
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stream_bench import ROOT, fresh_database, latencies_ms, running_server  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.db.models import Bar, Execution, Trade  # noqa: E402
from strategy_analysis.ingest.demo_export import write_demo_export  # noqa: E402
from strategy_analysis.ingest.importer import import_export_file  # noqa: E402
from strategy_analysis.services import trades_query  # noqa: E402
from strategy_analysis.trades.rebuild import after_import_hook  # noqa: E402

TARGET_P95_MS = 50.0
REQUESTS = 200


def measure(call: Callable[[], object]) -> dict[str, float]:
    return latencies_ms([call], REQUESTS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--executions", type=int, default=1_000_000)
    args, _unknown = parser.parse_known_args()

    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        workdir = Path(tmp)
        export = workdir / "demo.sqlite"
        t0 = time.perf_counter()
        write_demo_export(export, executions=args.executions, seed=2)
        print(f"generated {args.executions:,} executions in {time.perf_counter() - t0:.1f} s")
        with fresh_database(args.database, workdir) as url:
            engine = make_engine(url)
            t0 = time.perf_counter()
            report = import_export_file(engine, export, after_import=after_import_hook(engine))
            print(f"import + trade rebuild: {time.perf_counter() - t0:.1f} s ({report.status})")
            # Steady state: autovacuum analyzes freshly written tables within about a
            # minute; without statistics the planner guesses a handful of trades per run.
            t0 = time.perf_counter()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(
                    "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
                )
            print(f"vacuum/analyze: {time.perf_counter() - t0:.1f} s")
            with engine.connect() as conn:
                executions = conn.execute(select(func.count()).select_from(Execution)).scalar_one()
                bars = conn.execute(select(func.count()).select_from(Bar)).scalar_one()
                trades = conn.execute(select(func.count()).select_from(Trade)).scalar_one()
                run_id = conn.execute(select(Trade.run_id).limit(1)).scalar_one()
                trade_ids = list(conn.execute(select(Trade.trade_id)).scalars())
            print(f"database: {executions:,} executions, {bars:,} bars, {trades:,} trades")
            pages = max(1, trades // 100)

            def direct_page() -> None:
                with engine.connect() as conn:
                    trades_query.list_trades(
                        conn,
                        trades_query.TradeFilters(run_id=run_id),
                        sort=None,
                        limit=100,
                        offset=100 * rng.randrange(min(pages, 100)),
                    )

            results = {"SQL page of 100, no HTTP (baseline)": measure(direct_page)}
            with running_server(url, workdir) as base, httpx.Client(base_url=base) as client:

                def get(path: str, **params: object) -> Callable[[], object]:
                    def call() -> object:
                        answer = client.get(path, params=params)
                        answer.raise_for_status()
                        return answer

                    return call

                results["GET /api/health (HTTP floor)"] = measure(get("/api/health"))

                def page() -> object:
                    offset = 100 * rng.randrange(min(pages, 100))
                    return get("/api/trades", run_id=run_id, limit=100, offset=offset)()

                results["GET /api/trades?run_id&limit=100"] = measure(page)
                results["GET /api/trades?sort=-pnl_net&limit=100"] = measure(
                    get("/api/trades", run_id=run_id, sort="-pnl_net", limit=100)
                )
                results["GET /api/trades?symbol&side&limit=100"] = measure(
                    get("/api/trades", symbol="ES 12-25", side="LONG", limit=100)
                )
                results["GET /api/trades/{id}"] = measure(
                    lambda: get(f"/api/trades/{rng.choice(trade_ids)}")()
                )
            engine.dispose()

    print()
    print(f"{'request':44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, row in results.items():
        print(f"{name:44} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['max']:>8.1f}")
    print()
    for name in ("GET /api/trades?run_id&limit=100", "GET /api/trades/{id}"):
        p95 = results[name]["p95"]
        verdict = "met" if p95 <= TARGET_P95_MS else "NOT met"
        print(f"  {name:40} p95 {p95:6.1f} ms   target <= {TARGET_P95_MS} ms  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
