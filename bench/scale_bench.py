"""Scale benchmark: a run of 1,000,000 executions (or 10,000,000) from ``cli.py
demo-export``, imported, rebuilt and imported again unchanged by the CLI in processes of
their own, on PostgreSQL and SQLite; then, on PostgreSQL, ``GET /api/trades`` at the
first, middle and last page of every sort the web app offers.

For each process: its wall time and its peak memory (the child's own maximum resident
set, ``VmHWM``, which it writes when it exits). Baselines measured in the same run: the peak of a CLI process that
starts, connects and stops (``cli.py rebuild --run`` of an unknown run: the interpreter
and its libraries, the floor of every figure); a raw write of the export's executions
(PostgreSQL: binary ``COPY``; SQLite: ``INSERT ... SELECT`` from the attached file); and
the same pages read the way they were read before numbered lists and cursors
(``LIMIT/OFFSET`` with a count), straight through SQLAlchemy.

    python bench/scale_bench.py                          # 1,000,000 executions
    python bench/scale_bench.py --executions 10000000 --databases postgresql  # 10M
    python bench/scale_bench.py --executions 100000      # a quick run
    python bench/scale_bench.py --without-assessment     # the rebuild's part alone
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

from import_bench import file_records, pg_copy_baseline, sqlite_insert_baseline  # noqa: E402
from stream_bench import ROOT, fresh_database, percentile, running_server  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.db.models import Execution, Trade  # noqa: E402
from strategy_analysis.services import trades_query  # noqa: E402

TARGET_P95_MS = 50.0
TARGET_PEAK_MB = {1_000_000: 400.0, 10_000_000: 1024.0}
TARGET_SQLITE_UNCHANGED_RECORDS_S = 300_000
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

# ``cli.py`` run by a wrapper that writes the process's own peak (VmHWM) to the file
# SCALE_BENCH_PEAK names when it exits. ``wait4``'s ru_maxrss is not the child's own: the
# kernel carries the parent's high-water mark into the child at exec (vfork shares its
# memory until then), so a child of this grown process reported the bench's own peak.
# ``assess`` False: with the rebuild's data-quality assessment left out of what is
# stored (its ``assess`` parameter; the rebuild still feeds it).
CLI_WRAPPER = """
import atexit, os, runpy, sys
def peak():
    with open('/proc/self/status') as status:
        hwm = next(line for line in status if line.startswith('VmHWM:'))
    with open(os.environ['SCALE_BENCH_PEAK'], 'w') as out:
        out.write(hwm.split()[1])
atexit.register(peak)
if sys.argv[1] == 'without-assessment':
    from strategy_analysis.trades import rebuild
    store = rebuild.store_run_statistics
    rebuild.store_run_statistics = lambda *a, **k: store(*a, **{**k, 'assess': False})
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def run_measured(
    args: list[str], env: dict[str, str], log: Path, assess: bool = True
) -> dict[str, Any]:
    """Run ``cli.py *args``; its wall time, exit code and peak resident memory (MB)."""
    peak_file = log.with_suffix(".peak")
    mode = "with-assessment" if assess else "without-assessment"
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", CLI_WRAPPER, mode, str(ROOT / "cli.py"), *args],
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT / "src"),
                "SCALE_BENCH_PEAK": str(peak_file),
                **env,
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        process.wait()
    return {
        "seconds": time.perf_counter() - started,
        "exit": process.returncode,
        "peak_mb": int(peak_file.read_text()) / 1024,  # VmHWM is in kB
        "load": os.getloadavg()[0],
    }


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def bench_processes(
    kind: str, url: str, export: Path, workdir: Path, assess: bool
) -> tuple[list[tuple[str, dict[str, Any]]], str, int, int]:
    """The baselines, import, rebuild and unchanged re-import of ``export`` into the fresh
    database at ``url``: (name, figures) rows, the run id, executions and trades."""
    env = {"DATABASE_URL": url}
    rows: list[tuple[str, dict[str, Any]]] = []
    floor = run_measured(["rebuild", "--run", "no-such-run"], env, workdir / f"{kind}-floor.log")
    floor["seconds"] = float("nan")
    rows.append(("process floor (cli.py, unknown run)", floor))
    if kind == "postgresql":
        rows.append(("raw binary COPY of the executions", {**pg_copy_baseline(url, export)}))
    else:
        rows.append(
            ("INSERT ... SELECT of the executions", {**sqlite_insert_baseline(url, export)})
        )
    rows[-1][1]["load"] = os.getloadavg()[0]
    rows.append(
        (
            "cli.py import (rebuild included)",
            run_measured(
                ["import", "--file", str(export)], env, workdir / f"{kind}-imp.log", assess
            ),
        )
    )
    engine = make_engine(url)
    with engine.connect() as conn:
        run_id = conn.execute(select(Trade.run_id).limit(1)).scalar_one()
        executions = conn.execute(select(func.count()).select_from(Execution)).scalar()
        trades = conn.execute(select(func.count()).select_from(Trade)).scalar_one()
    engine.dispose()
    rows.append(
        (
            "cli.py rebuild --run",
            run_measured(
                ["rebuild", "--run", run_id], env, workdir / f"{kind}-rebuild.log", assess
            ),
        )
    )
    rows.append(
        (
            "cli.py import, unchanged re-import",
            run_measured(
                ["import", "--file", str(export)], env, workdir / f"{kind}-again.log", assess
            ),
        )
    )
    return rows, run_id, int(executions or 0), int(trades)


def print_processes(
    kind: str, rows: list[tuple[str, dict[str, Any]]], executions: int, records: int
) -> None:
    print(f"\n{kind}: {executions:,} executions, {records:,} records in the file")
    print(
        f"{'process':40} {'seconds':>9} {'peak MB':>9} {'exec/s':>10} {'records/s':>10} "
        f"{'load':>5} {'exit':>5}"
    )
    for name, row in rows:
        seconds = row["seconds"]
        rate = executions / seconds if seconds == seconds and seconds else float("nan")
        per_record = records / seconds if name.startswith("cli.py import") else float("nan")
        if "rows" in row:  # a baseline of the executions alone
            rate = row["rows"] / seconds
        peak = row.get("peak_mb", float("nan"))
        print(
            f"{name[:40]:40} {seconds:>9.1f} {peak:>9.0f} {rate:>10,.0f} {per_record:>10,.0f} "
            f"{row.get('load', float('nan')):>5.1f} {row.get('exit', 0):>5}"
        )


def process_verdicts(
    kind: str, rows: list[tuple[str, dict[str, Any]]], executions: int, records: int
) -> bool:
    figures = dict(rows)
    ok = True
    target = TARGET_PEAK_MB.get(executions)
    if target is not None:
        for name in ("cli.py import (rebuild included)", "cli.py rebuild --run"):
            peak = figures[name]["peak_mb"]
            verdict = "met" if peak <= target else "NOT met"
            ok &= peak <= target
            print(f"  {kind} {name}: peak {peak:.0f} MB, target <= {target:.0f} MB: {verdict}")
    again = figures["cli.py import, unchanged re-import"]
    if kind == "sqlite" and executions == 1_000_000:
        rate = records / again["seconds"]
        verdict = "met" if rate >= TARGET_SQLITE_UNCHANGED_RECORDS_S else "NOT met"
        print(
            f"  sqlite unchanged re-import {rate:,.0f} records/s end to end, target >= "
            f"{TARGET_SQLITE_UNCHANGED_RECORDS_S:,}: {verdict} (load {again['load']:.1f})"
        )
    # The floor's process ends with the unknown run's error, as it should.
    return ok and all(row.get("exit", 0) == 0 for _, row in rows[1:])


def timings(call: Callable[[], object], n: int) -> list[float]:
    call()  # the first read after a rebuild numbers the list: not a steady-state page
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


Pages = tuple[
    dict[str, int],
    dict[tuple[str, str], list[float]],
    dict[tuple[str, str], list[float]],
    dict[tuple[str, str], list[float]],
]


def bench_pages(url: str, run_id: str, trades: int, sorts: list[str], workdir: Path) -> Pages:
    """Pages of the run's trades by offset and by cursor (HTTP), and LIMIT/OFFSET + count."""
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
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
                    lambda s=sort, c=cursor["next_cursor"]: get(sort=s, limit=PAGE, cursor=c),
                    REQUESTS,
                )
    engine.dispose()
    return positions, legacy, by_offset, by_cursor


def print_pages(pages: Pages, sorts: list[str]) -> None:
    positions, legacy, by_offset, by_cursor = pages
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--databases", default="postgresql,sqlite", help="comma-separated")
    parser.add_argument("--sorts", default=",".join(SORTS), help="comma-separated")
    parser.add_argument(
        "--without-assessment",
        action="store_true",
        help="leave the rebuild's data-quality assessment out of the CLI processes",
    )
    args, _unknown = parser.parse_known_args()
    sorts = [s for s in args.sorts.split(",") if s]
    kinds = [k for k in args.databases.split(",") if k]
    assess = not args.without_assessment
    print(f"load average at start: {load_average()}; assessment {'on' if assess else 'off'}")

    processes: dict[str, tuple[list[tuple[str, dict[str, Any]]], int]] = {}
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        workdir = Path(tmp)
        export = workdir / "demo.sqlite"
        made = run_measured(
            ["demo-export", "--out", str(export), "--executions", str(args.executions)],
            {},
            workdir / "demo-export.log",
        )
        records = sum(file_records(export).values())
        print(f"demo-export: {args.executions:,} executions in {made['seconds']:.1f} s")
        for kind in kinds:
            with fresh_database(kind, workdir) as url:
                rows, run_id, executions, trades = bench_processes(
                    kind, url, export, workdir, assess
                )
                processes[kind] = (rows, executions)
                print_processes(kind, rows, executions, records)
                if kind == "postgresql":
                    pages = bench_pages(url, run_id, trades, sorts, workdir)

    ok = True
    for kind, (rows, executions) in processes.items():
        print_processes(kind, rows, executions, records)
    print()
    for kind, (rows, executions) in processes.items():
        ok &= process_verdicts(kind, rows, executions, records)
    if "postgresql" in processes:
        print_pages(pages, sorts)
    print(f"load average at end: {load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
