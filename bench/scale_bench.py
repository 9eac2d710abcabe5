"""Scale benchmark on PostgreSQL: a run of 1,000,000 executions (or 10,000,000) from
``cli.py demo-export``, imported and rebuilt by the CLI in processes of their own, then
``GET /api/trades`` at the first, middle and last page of every sort the web app offers.

For each process: its wall time and its peak memory (the child's own maximum resident
set, from ``wait4``). Baselines measured in the same run: a raw binary ``COPY`` of the
export's executions (the write floor of this server), and the same pages read the way
they were read before numbered lists and cursors (``LIMIT/OFFSET`` with a count), straight
through SQLAlchemy.

    python bench/scale_bench.py                          # 1,000,000 executions
    python bench/scale_bench.py --executions 10000000    # 10M (about an hour here)
    python bench/scale_bench.py --executions 100000      # a quick run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import pg_copy_baseline  # noqa: E402
from stream_bench import ROOT, fresh_database, percentile, running_server  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.db.models import Execution, Trade  # noqa: E402
from strategy_analysis.services import trades_query  # noqa: E402

TARGET_P95_MS = 50.0
TARGET_PEAK_MB = {1_000_000: 400.0, 10_000_000: 1024.0}
REQUESTS = 20
# Each LIMIT/OFFSET page deep in a large run reads the run: a few are enough.
LEGACY_REQUESTS = 2
PAGE = 100
# The sorts the web app's trades table offers (frontend/src/components/trades/TradesTable).
SORTS = (
    "entry_time",
    "symbol",
    "account_id",
    "side",
    "status",
    "quantity",
    "entry_price",
    "exit_price",
    "exit_time",
    "duration_seconds",
    "pnl_net",
    "commission",
    "mae",
    "mfe",
    "etd",
    "total_efficiency",
    "entry_signal",
    "exit_signal",
)


def run_measured(args: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run ``cli.py *args``; its wall time, exit code and peak resident memory (MB)."""
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": time.perf_counter() - started,
        "exit": process.returncode,
        "peak_mb": usage.ru_maxrss / 1024,  # KiB on Linux
    }


def timings(call: Callable[[], object], n: int) -> list[float]:
    call()  # the first read after a rebuild numbers the list: not a steady-state page
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--sorts", default=",".join(SORTS), help="comma-separated")
    args, _unknown = parser.parse_known_args()
    sorts = [s for s in args.sorts.split(",") if s]
    print(f"load average at start: {os.getloadavg()}")

    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        workdir = Path(tmp)
        export = workdir / "demo.sqlite"
        made = run_measured(
            ["demo-export", "--out", str(export), "--executions", str(args.executions)],
            {},
            workdir / "demo-export.log",
        )
        print(f"demo-export: {args.executions:,} executions in {made['seconds']:.1f} s")
        with fresh_database("postgresql", workdir) as url:
            copy = pg_copy_baseline(url, export)
            env = {"DATABASE_URL": url}
            imported = run_measured(["import", "--file", str(export)], env, workdir / "imp.log")
            engine = make_engine(url)
            with engine.connect() as conn:
                run_id = conn.execute(select(Trade.run_id).limit(1)).scalar_one()
                executions = conn.execute(select(func.count()).select_from(Execution)).scalar()
                trades = conn.execute(select(func.count()).select_from(Trade)).scalar_one()
            rebuilt = run_measured(["rebuild", "--run", run_id], env, workdir / "rebuild.log")
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"database: {executions:,} executions, {trades:,} trades")
            positions = {"first": 0, "middle": (trades // 2 // PAGE) * PAGE}
            positions["last"] = max(0, (trades - 1) // PAGE * PAGE)

            legacy: dict[tuple[str, str], list[float]] = {}
            for sort in sorts:
                for where, offset in positions.items():

                    def offset_page(sort: str = sort, offset: int = offset) -> None:
                        with engine.connect() as conn:
                            trades_query.list_trades(
                                conn,
                                trades_query.TradeFilters(run_id=run_id),
                                sort=sort,
                                limit=PAGE,
                                offset=offset,
                            )

                    legacy[(sort, where)] = timings(offset_page, LEGACY_REQUESTS)

            by_offset: dict[tuple[str, str], list[float]] = {}
            by_cursor: dict[tuple[str, str], list[float]] = {}
            with running_server(url, workdir) as base, httpx.Client(base_url=base) as client:

                def get(**params: Any) -> dict[str, Any]:
                    answer = client.get("/api/trades", params={"run_id": run_id, **params})
                    answer.raise_for_status()
                    return answer.json()

                for sort in sorts:
                    for where, offset in positions.items():
                        by_offset[(sort, where)] = timings(
                            lambda s=sort, o=offset: get(sort=s, limit=PAGE, offset=o), REQUESTS
                        )
                        # The page after this one, by the cursor this one answered.
                        cursor = get(sort=sort, limit=PAGE, offset=max(0, offset - PAGE))
                        if cursor["next_cursor"] is None:
                            continue
                        by_cursor[(sort, where)] = timings(
                            lambda s=sort, c=cursor["next_cursor"]: get(
                                sort=s, limit=PAGE, cursor=c
                            ),
                            REQUESTS,
                        )
            engine.dispose()

    print()
    print(f"{'process':40} {'seconds':>9} {'peak MB':>9} {'exec/s':>10} {'exit':>5}")
    for name, row in (
        ("raw binary COPY of the executions (baseline)", copy),
        ("cli.py import (rebuild included)", imported),
        ("cli.py rebuild --run", rebuilt),
    ):
        rate = executions / row["seconds"] if row["seconds"] else float("nan")
        peak = row.get("peak_mb", float("nan"))
        print(
            f"{name[:40]:40} {row['seconds']:>9.1f} {peak:>9.0f} {rate:>10,.0f} {row.get('exit', 0):>5}"
        )
    print()
    print(
        f"{'GET /api/trades page of 100':28} {'where':>7} {'offset p95':>11} "
        f"{'cursor p95':>11} {'before p50':>11} (ms; before = LIMIT/OFFSET + count)"
    )
    worst = 0.0
    for sort in sorts:
        for where in positions:
            offset_p95 = percentile(by_offset[(sort, where)], 95)
            cursor_p95 = percentile(by_cursor.get((sort, where), []), 95)
            before = percentile(legacy[(sort, where)], 50)
            worst = max(worst, offset_p95, cursor_p95 if cursor_p95 == cursor_p95 else 0.0)
            print(
                f"sort={sort:23} {where:>7} {offset_p95:>11.1f} {cursor_p95:>11.1f} {before:>11.1f}"
            )
    print()
    verdict = "met" if worst <= TARGET_P95_MS else "NOT met"
    print(f"  worst page p95 {worst:.1f} ms, target <= {TARGET_P95_MS} ms: {verdict}")
    target = TARGET_PEAK_MB.get(args.executions)
    if target is not None:
        for name, row in (("import", imported), ("rebuild", rebuilt)):
            verdict = "met" if row["peak_mb"] <= target else "NOT met"
            print(f"  {name} peak {row['peak_mb']:.0f} MB, target <= {target:.0f} MB: {verdict}")
    print(f"load average at end: {os.getloadavg()}")
    return 0 if imported["exit"] == 0 and rebuilt["exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
