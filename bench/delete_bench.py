"""Deleting a run (``DELETE /api/runs/{run_id}``): a run imported into partitions of its
own (dropped whole on PostgreSQL) against the same run's size in the DEFAULT partitions
(its rows deleted one by one through the index), the baseline, in the same run.

Two generated runs of ``--executions`` each (with their orders, trades and lot matches)
are imported; the first gets partitions of its own, the second is kept below the
own-partition threshold. Each deletion runs in a process of its own: its time and peak
memory (``VmHWM``) are its own; the time spent on orders and executions (the partitioned
tables) is shown apart, as trades and lot matches are deleted row by row either way. On SQLite both runs share the tables: both rows are the
row-by-row path.

    python bench/delete_bench.py                       # 500,000 executions a run, PostgreSQL
    python bench/delete_bench.py --executions 100000   # a quick run
    python bench/delete_bench.py --database sqlite
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stream_bench import ROOT, fresh_database  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from strategy_analysis.db import partitions_postgres  # noqa: E402
from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.db.models import Execution  # noqa: E402
from strategy_analysis.ingest.demo_export import write_demo_export  # noqa: E402
from strategy_analysis.ingest.importer import import_export_file  # noqa: E402
from strategy_analysis.ingest.tuning import ImportTuning  # noqa: E402
from strategy_analysis.trades.rebuild import after_import_hook  # noqa: E402

# A run's orders and executions in partitions of their own go whole, whatever their number
# (their rows are counted, then the tables dropped). Its trades and lot matches, which are
# not partitioned, go row by row either way.
TARGET_PARTITIONED_SECONDS = 0.5
PARTITIONED = ("orders", "executions")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _delete(url: str, run_id: str, answer: multiprocessing.Queue) -> None:
    from strategy_analysis.services.run_deletion import delete_run

    engine = make_engine(url)
    started = time.perf_counter()
    result = delete_run(engine, run_id)
    seconds = time.perf_counter() - started
    engine.dispose()
    partitioned = sum(result.seconds[t] for t in PARTITIONED)
    tables = ", ".join(
        f"{t} {n:,} rows {result.seconds[t]:.2f}s" for t, n in result.deleted.items() if n
    )
    answer.put((seconds, sum(result.deleted.values()), partitioned, _peak_mb(), tables))


def _timed_delete(url: str, run_id: str) -> tuple[float, int, float, float, str]:
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    process = context.Process(target=_delete, args=(url, run_id, answer))
    process.start()
    result = answer.get(timeout=3600)
    process.join()
    return result


def _import(url: str, path: Path, own_partition_min_rows: int) -> str:
    tuning = ImportTuning(own_partition_min_rows=own_partition_min_rows)
    engine = make_engine(url)
    try:
        report = import_export_file(
            engine, path, after_import=after_import_hook(engine), tuning=tuning
        )
        assert report.status == "succeeded", report.error
        return report.run_ids[0]
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--executions", type=int, default=500_000)
    args, _unknown = parser.parse_known_args()

    with tempfile.TemporaryDirectory(prefix="delete-bench-") as tmp:
        workdir = Path(tmp)
        exports = []
        for seed in (3, 4):
            path = workdir / f"demo-{seed}.sqlite"
            write_demo_export(path, executions=args.executions, seed=seed)
            exports.append(path)
        with fresh_database(args.database, workdir) as url:
            t0 = time.perf_counter()
            own = _import(url, exports[0], partitions_postgres.OWN_PARTITION_MIN_ROWS)
            shared = _import(url, exports[1], 10**12)
            print(
                f"imported two runs of {args.executions:,} executions in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            engine = make_engine(url)
            # Steady state: autovacuum analyzes freshly written tables within about a minute.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(
                    "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
                )
            with engine.connect() as conn:
                total = conn.execute(select(func.count()).select_from(Execution)).scalar_one()
                own_tables = sorted(
                    {
                        partitions_postgres.own_partition_name(t, [own])
                        for t in ("orders", "executions")
                    }
                    & partitions_postgres.stored_partitions(conn)
                )
            engine.dispose()
            print(
                f"database: {total:,} executions; own partitions of the first run: "
                f"{', '.join(own_tables) or 'none (SQLite)'}"
            )
            rows = {
                "DEFAULT partitions, rows deleted (baseline)": _timed_delete(url, shared),
                "own partitions, dropped": _timed_delete(url, own),
            }

    print()
    print(
        f"{'run deleted':46} {'seconds':>8} {'rows':>10} {'rows/s':>10} "
        f"{'orders+executions s':>20} {'peak MB':>8}"
    )
    for name, (seconds, deleted, partitioned, peak, _tables) in rows.items():
        print(
            f"{name:46} {seconds:>8.2f} {deleted:>10,} {deleted / seconds:>10,.0f} "
            f"{partitioned:>20.2f} {peak:>8.0f}"
        )
    for name, row in rows.items():
        print(f"  {name}: {row[4]}")
    if args.database == "postgresql":
        own = rows["own partitions, dropped"][2]
        verdict = "met" if own <= TARGET_PARTITIONED_SECONDS else "NOT met"
        print(
            f"\n  orders+executions in own partitions: {own:.2f} s "
            f"(baseline {rows['DEFAULT partitions, rows deleted (baseline)'][2]:.2f} s), "
            f"target <= {TARGET_PARTITIONED_SECONDS} s  {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
