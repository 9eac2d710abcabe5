"""Import benchmark: a generated export imported into PostgreSQL and SQLite.

Steps per database (a fresh, migrated database each): first import, re-import of the
unchanged file, re-import of a copy with 10% of the executions changed. Next to them, the
baseline measured in the same run on the same server: a raw binary ``COPY`` of the same
executions into a table with the same primary key (PostgreSQL), and an ``INSERT ...
SELECT`` from the attached export into such a table (SQLite).

Every import runs in its own process so its peak memory (``ru_maxrss``) is its own. On
PostgreSQL the rows the unchanged re-import wrote are read from ``pg_stat_user_tables``.

    python bench/import_bench.py                      # 1,000,000 executions
    python bench/import_bench.py --executions 100000  # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.db.migrations import upgrade_database  # noqa: E402
from strategy_analysis.ingest.demo_export import write_demo_export  # noqa: E402

DEFAULT_PG = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TABLES = ("instruments", "bars", "orders", "executions")
# Targets of the importer issue (fractions of the COPY rate, or rows/s).
PG_FIRST_TARGET, PG_UNCHANGED_TARGET = 0.70, 1.00
SQLITE_FIRST_TARGET, SQLITE_UNCHANGED_TARGET = 200_000, 300_000

BASELINE_COLUMNS = (
    "run_id text NOT NULL, execution_id text NOT NULL, order_id text, strategy_id text, "
    "account_id text, symbol text, side text, exec_time {ts}, price double precision, "
    "quantity double precision, fee double precision, fee_currency text, "
    "liquidity_flag text, sequence bigint, PRIMARY KEY (run_id, execution_id)"
)


# -- child process: one import ------------------------------------------------------------


def child_import(database_url: str, path: str) -> None:
    from strategy_analysis.ingest.importer import import_export_file

    engine = make_engine(database_url)
    sampler = TreeMemorySampler()
    sampler.start()
    started = time.perf_counter()
    report = import_export_file(engine, Path(path), source="cli")
    seconds = time.perf_counter() - started
    sampler.stop()
    # SQLite: the WAL checkpoint the import left to the background thread (disposing waits
    # for it); reported beside the import, not in it.
    disposing = time.perf_counter()
    engine.dispose()
    after_seconds = time.perf_counter() - disposing
    result = {
        "seconds": seconds,
        "after_seconds": after_seconds,
        "status": report.status,
        "error": report.error,
        "counts": {k: v.model_dump() for k, v in report.counts.items()},
        # the import's reader processes included (sampled every 20 ms)
        "maxrss_mb": max(peak_rss_mb(), sampler.peak_mb),
    }
    print("RESULT " + json.dumps(result))


def peak_rss_mb() -> float:
    """This process's peak resident memory.

    Linux's ``ru_maxrss`` survives ``exec``: a child started by a big parent would report
    the parent's peak. ``VmHWM`` belongs to the process image itself.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        pass
    return found


class TreeMemorySampler(threading.Thread):
    """Peak resident memory of this process and its descendants together (the reader
    processes of a file import are children of its forkserver), sampled every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(0.05):
            pids, total = [os.getpid()], 0
            while pids:
                pid = pids.pop()
                total += _rss_kb(pid)
                pids += _children(pid)
            self.peak_mb = max(self.peak_mb, total / 1024)

    def stop(self) -> None:
        self._stopping.set()
        self.join()


def run_child(database_url: str, path: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child-import", database_url, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    return {"status": "crashed", "error": completed.stderr.strip()[-2000:]}


# -- baselines ----------------------------------------------------------------------------


def _file_executions(path: Path, chunk: int = 100_000) -> Iterator[list[tuple[Any, ...]]]:
    """The export's executions as typed rows (what a COPY client sends), chunk by chunk."""
    con = sqlite3.connect(path)
    try:
        columns = {r[1].lower() for r in con.execute("PRAGMA table_info(Executions)")}
        flag = "liquidity_flag" if "liquidity_flag" in columns else "NULL"
        cursor = con.execute(
            "SELECT execution_id, order_id, strategy_id, account_id, symbol, side, "
            f"exec_time_utc, price, quantity, fee, fee_currency, {flag}, rowid "
            "FROM Executions ORDER BY rowid"
        )
        while rows := cursor.fetchmany(chunk):
            out = []
            for r in rows:
                text = r[6].replace("Z", "").replace("T", " ")[:26]
                out.append(("bench-run", *r[:6], datetime.fromisoformat(text + "+00:00"), *r[7:]))
            yield out
    finally:
        con.close()


def pg_copy_baseline(database_url: str, path: Path) -> dict[str, Any]:
    """Time of the COPY itself: rows are read and typed between the timed stretches."""
    columns = (
        "run_id, execution_id, order_id, strategy_id, account_id, symbol, side, exec_time, "
        "price, quantity, fee, fee_currency, liquidity_flag, sequence"
    )
    types = ["text"] * 7 + ["timestamptz", "float8", "float8", "float8", "text", "text", "int8"]
    seconds, count = 0.0, 0
    with psycopg.connect(_libpq(database_url)) as conn:
        conn.execute("DROP TABLE IF EXISTS copy_baseline")
        conn.execute(f"CREATE TABLE copy_baseline ({BASELINE_COLUMNS.format(ts='timestamptz')})")
        conn.commit()
        with conn.cursor() as cur:
            with cur.copy(f"COPY copy_baseline ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for rows in _file_executions(path):
                    started = time.perf_counter()
                    for row in rows:
                        copy.write_row(row)
                    seconds += time.perf_counter() - started
                    count += len(rows)
                started = time.perf_counter()
            conn.commit()
            seconds += time.perf_counter() - started  # the end of the COPY and its commit
        conn.execute("DROP TABLE copy_baseline")
        conn.commit()
    return {"seconds": seconds, "rows": count}


def sqlite_insert_baseline(database_url: str, path: Path) -> dict[str, Any]:
    db_path = make_url(database_url).database
    con = sqlite3.connect(db_path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(f"CREATE TABLE insert_baseline ({BASELINE_COLUMNS.format(ts='text')})")
        con.execute("ATTACH DATABASE ? AS export", (str(path),))
        columns = {r[1].lower() for r in con.execute("PRAGMA export.table_info(Executions)")}
        flag = "liquidity_flag" if "liquidity_flag" in columns else "NULL"
        started = time.perf_counter()
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO insert_baseline SELECT 'bench-run', execution_id, order_id, "
            "strategy_id, account_id, symbol, side, exec_time_utc, price, quantity, fee, "
            f"fee_currency, {flag}, rowid FROM export.Executions"
        )
        con.execute("COMMIT")
        seconds = time.perf_counter() - started
        rows = con.execute("SELECT count(*) FROM insert_baseline").fetchone()[0]
        con.execute("DETACH DATABASE export")
        con.execute("DROP TABLE insert_baseline")
    finally:
        con.close()
    return {"seconds": seconds, "rows": rows}


# -- databases ----------------------------------------------------------------------------


def _libpq(url: str, database: str | None = None) -> str:
    sa_url = make_url(url)
    if database is not None:
        sa_url = sa_url.set(database=database)
    return sa_url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresDatabase:
    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"bench_import_{uuid.uuid4().hex[:8]}"
        self.url = ""

    def __enter__(self) -> str:
        with psycopg.connect(_libpq(self.server_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = (
            make_url(self.server_url).set(database=self.name).render_as_string(hide_password=False)
        )
        upgrade_database(self.url)
        return self.url

    def __exit__(self, *exc: object) -> None:
        with psycopg.connect(_libpq(self.server_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def pg_rows_written(database_url: str) -> int:
    """Rows inserted + updated + deleted so far in the platform's data tables (the
    partitions of bars, orders and executions included)."""
    tables = list(TABLES) + ["runs", "strategies"]
    with psycopg.connect(_libpq(database_url), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
            " WHERE relname = ANY(%s) OR relid IN (SELECT inhrelid FROM pg_inherits"
            " WHERE inhparent::regclass::text = ANY(%s))",
            (tables, tables),
        ).fetchone()
    return int(row[0]) if row else 0


def pg_server_version(database_url: str) -> str:
    with psycopg.connect(_libpq(database_url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# -- the run ------------------------------------------------------------------------------


def make_changed_copy(source: Path, target: Path, fraction_every: int = 10) -> int:
    """A copy of the export where every 10th execution has another fee (a conflict)."""
    shutil.copyfile(source, target)
    con = sqlite3.connect(target)
    try:
        with con:
            cur = con.execute(
                f"UPDATE Executions SET fee = fee + 0.5 WHERE rowid % {fraction_every} = 0"
            )
        return cur.rowcount
    finally:
        con.close()


def file_records(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        names = {r[0].lower(): r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        return {
            t: con.execute(f'SELECT count(*) FROM "{names[t]}"').fetchone()[0]
            for t in TABLES
            if t in names
        }
    finally:
        con.close()


def _total(counts: dict[str, dict[str, int]]) -> int:
    return sum(
        c["inserted"] + c["updated"] + c["unchanged"] + c["rejected"] for c in counts.values()
    )


def bench_database(
    kind: str, url: str, export: Path, changed: Path, executions: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if kind == "postgresql":
        baseline = pg_copy_baseline(url, export)
        label = "raw binary COPY of the executions (PK)"
    else:
        baseline = sqlite_insert_baseline(url, export)
        label = "raw INSERT..SELECT of the executions (PK)"
    base_rate = baseline["rows"] / baseline["seconds"]
    rows.append(
        {"db": kind, "step": label, "seconds": baseline["seconds"], "records": baseline["rows"],
         "rate": base_rate, "exec_rate": base_rate, "vs": 1.0, "rss": None, "written": None}
    )  # fmt: skip
    for step, path in (
        ("first import", export),
        ("re-import unchanged", export),
        ("re-import 10% executions changed", changed),
    ):
        before = pg_rows_written(url) if kind == "postgresql" else None
        result = run_child(url, path)
        written = pg_rows_written(url) - before if before is not None else None
        if result["status"] != "succeeded":
            # Keep going: the other steps' figures are still worth printing.
            print(f"  {kind} {step}: {result['status']}: {result['error']}", flush=True)
            continue
        records = _total(result["counts"])
        ex = result["counts"]["executions"]
        rows.append(
            {
                "db": kind,
                "step": step,
                "seconds": result["seconds"],
                "records": records,
                "rate": records / result["seconds"],
                "exec_rate": executions / result["seconds"],
                "vs": (records / result["seconds"]) / base_rate,
                "rss": result["maxrss_mb"],
                "written": written,
                "executions": ex,
                "after_seconds": result["after_seconds"],
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'database':<11}{'step':<42}{'seconds':>9}{'records':>11}{'records/s':>12}"
        f"{'exec/s':>11}{'vs base':>9}{'peak MB':>9}{'PG rows written':>17}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        rss = f"{r['rss']:.0f}" if r["rss"] is not None else "-"
        written = str(r["written"]) if r["written"] is not None else "-"
        print(
            f"{r['db']:<11}{r['step']:<42}{r['seconds']:>9.2f}{r['records']:>11,}"
            f"{r['rate']:>12,.0f}{r['exec_rate']:>11,.0f}{r['vs']:>8.0%}{rss:>9}{written:>17}"
        )


def check_targets(rows: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, each as a line 'PASS/MISS ...'."""
    lines = []

    def find(db: str, step: str) -> dict[str, Any] | None:
        return next((r for r in rows if r["db"] == db and r["step"] == step), None)

    pg_first, pg_same = (
        find("postgresql", "first import"),
        find("postgresql", "re-import unchanged"),
    )
    if pg_first and pg_same:
        lines.append(
            _verdict(
                pg_first["vs"] >= PG_FIRST_TARGET,
                f"PostgreSQL first import {pg_first['vs']:.0%} of COPY (>= 70%)",
            )
        )
        lines.append(
            _verdict(
                pg_same["vs"] >= PG_UNCHANGED_TARGET,
                f"PostgreSQL unchanged re-import {pg_same['vs']:.0%} of COPY (>= 100%)",
            )
        )
        lines.append(
            _verdict(
                pg_same["written"] == 0,
                f"PostgreSQL unchanged re-import wrote {pg_same['written']} rows (0)",
            )
        )
    sl_first, sl_same = find("sqlite", "first import"), find("sqlite", "re-import unchanged")
    if sl_first and sl_same:
        lines.append(
            _verdict(
                sl_first["rate"] >= SQLITE_FIRST_TARGET,
                f"SQLite first import {sl_first['rate']:,.0f} records/s (>= 200k)",
            )
        )
        lines.append(
            _verdict(
                sl_same["rate"] >= SQLITE_UNCHANGED_TARGET,
                f"SQLite unchanged re-import {sl_same['rate']:,.0f} records/s (>= 300k)",
            )
        )
    peaks = [r["rss"] for r in rows if r["rss"] is not None]
    if peaks:
        lines.append(
            _verdict(max(peaks) < 500, f"peak memory of an import {max(peaks):.0f} MB (< 500)")
        )
    return lines  # fmt: skip


def _verdict(ok: bool, text: str) -> str:
    return f"{'PASS' if ok else 'MISS'}  {text}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--databases", default="postgresql,sqlite", help="comma list: postgresql,sqlite"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_PG, help="server to create a database on")
    parser.add_argument("--workdir", type=Path, default=None, help="where the files go (temp)")
    parser.add_argument("--child-import", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args, unknown = parser.parse_known_args()
    if args.child_import:
        child_import(*args.child_import)
        return 0
    if unknown:
        print(f"(ignoring arguments meant for other benchmarks: {' '.join(unknown)})")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="import-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    export, changed = workdir / "export.sqlite", workdir / "export-changed.sqlite"
    started = time.perf_counter()
    write_demo_export(export, executions=args.executions, seed=args.seed)
    generated = time.perf_counter() - started
    changed_count = make_changed_copy(export, changed)
    counts = file_records(export)
    print(
        f"export: {export.stat().st_size / 1e6:.0f} MB, "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        + f" (generated in {generated:.1f} s); changed copy: {changed_count:,} executions differ"
    )
    print(
        f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}"
    )

    rows: list[dict[str, Any]] = []
    try:
        for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
            if kind == "postgresql":
                with PostgresDatabase(args.postgres_url) as url:
                    print(f"postgresql {pg_server_version(url)} ...", flush=True)
                    rows += bench_database(kind, url, export, changed, args.executions)
            elif kind == "sqlite":
                db_file = workdir / "bench.db"
                db_file.unlink(missing_ok=True)
                url = f"sqlite:///{db_file}"
                upgrade_database(url)
                print("sqlite ...", flush=True)
                rows += bench_database(kind, url, export, changed, args.executions)
            else:
                parser.error(f"unknown database {kind!r}")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print_table(rows)
    print()
    print("records = bars + orders + executions + instruments read from the file;")
    print("exec/s = executions / seconds; 'vs base' compares records/s with the baseline row.")
    for r in rows:
        if "executions" in r:
            e = r["executions"]
            print(
                f"  {r['db']} {r['step']}: executions inserted {e['inserted']:,}, updated "
                f"{e['updated']:,}, unchanged {e['unchanged']:,}, conflicts {e['conflicts']:,};"
                f" {r['after_seconds']:.2f} s after it until the engine was disposed"
                + (" (the WAL checkpoint left to the background)" if r["db"] == "sqlite" else "")
            )
    print()
    for line in check_targets(rows):
        print(line)
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    return 0


if __name__ == "__main__":
    sys.exit(main())
