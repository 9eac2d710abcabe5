"""The stream import's own work, counted in instructions rather than seconds, so two
versions of the code can be compared on a machine whose load changes under them.

One process ingests stream batches (bodies prepared once, stored in a file so that every
version reads the same bytes) through ``ingest_stream_batch`` on a fresh database, with the
rebuild scheduler not started (the import path only). Under callgrind
(``--instr-atstart=no``) the process switches the instrumentation on after ``--warm W``
batches and off after the next N (client requests from a small C helper compiled on the
fly): the total is the instructions of N batches in a warm process, without start-up,
migration and the first batches' caches. On PostgreSQL only this process is counted (not
the server's work on the statements).

    python bench/stream_instructions.py --compare OLD_TREE NEW_TREE   # a table
    python bench/stream_instructions.py --compare . --databases sqlite --batches 40

``--root`` is the checkout whose ``src`` is imported (its C modules built in place).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
DEFAULT_PG = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def write_bodies(path: Path, batches: int, batch_size: int) -> None:
    """``batches`` bodies of ``batch_size`` executions with their orders (no bars), one
    run, as stream_bench.py's target measurement posts them; the last one stays open."""
    sys.path.insert(0, str(HERE / "src"))
    from strategy_analysis.ingest.demo_export import demo_batches

    with path.open("w") as out:
        for n, batch in enumerate(
            demo_batches(executions=batches * batch_size, seed=1, batch_size=batch_size, bars=False)
        ):
            if n == batches:
                break
            batch["run"]["status"] = "RUNNING"
            out.write(json.dumps(batch) + "\n")


CALLGRIND_CONTROL = """
#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""


def callgrind_control(workdir: Path) -> Path:
    """A shared library whose cg_start/cg_stop switch callgrind's instrumentation (no-ops
    outside valgrind)."""
    source = workdir / "cgctl.c"
    library = workdir / "cgctl.so"
    source.write_text(CALLGRIND_CONTROL)
    subprocess.run(["cc", "-O1", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return library


def ingest(
    root: Path, database: str, bodies_path: Path, warm: int, count: int, control: Path | None
) -> None:
    sys.path.insert(0, str(root / "src"))
    import ctypes

    import psycopg
    from sqlalchemy import make_url

    from strategy_analysis.db.engine import make_engine
    from strategy_analysis.db.migrations import upgrade_database
    from strategy_analysis.events import EventBus
    from strategy_analysis.ingest.stream import decode_batch_body, report_json
    from strategy_analysis.jobs.rebuild_scheduler import RebuildScheduler
    from strategy_analysis.services.stream_ingest import ingest_stream_batch
    from strategy_analysis.trades.run_lock import RunLocks

    bodies = bodies_path.read_bytes().splitlines()[: warm + count]
    switch = ctypes.CDLL(str(control)) if control else None
    admin_url = make_url(DEFAULT_PG).set(drivername="postgresql")
    name = f"bench_instr_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as workdir:
        if database == "sqlite":
            url = f"sqlite:///{workdir}/bench.db"
        else:
            with psycopg.connect(admin_url.render_as_string(False), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            url = make_url(DEFAULT_PG).set(database=name).render_as_string(False)
        try:
            upgrade_database(url)
            engine = make_engine(url)
            scheduler = RebuildScheduler(engine, EventBus(), 1000.0)  # not started
            locks = RunLocks()
            for n, body in enumerate(bodies):
                if n == warm and switch:
                    switch.cg_start()
                report = ingest_stream_batch(
                    engine, decode_batch_body(body), scheduler=scheduler, locks=locks
                )
                report_json(report)
                if report.status != "succeeded":
                    raise RuntimeError(f"{report.status}: {report.error}")
            if switch:
                switch.cg_stop()
            engine.dispose()
        finally:
            if database != "sqlite":
                with psycopg.connect(admin_url.render_as_string(False), autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def callgrind_total(
    root: Path, database: str, bodies: Path, warm: int, count: int, control: Path, out: Path
) -> int:
    """Instructions (Ir) of ``count`` batches after ``warm`` ones, under callgrind."""
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--root",
            str(root),
            "--database",
            database,
            "--bodies",
            str(bodies),
            "--warm",
            str(warm),
            "--ingest",
            str(count),
            "--control",
            str(control),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # "totals": what was collected while the instrumentation was on ("summary" is 0).
    totals = re.search(rb"^totals: (\d+)", out.read_bytes(), re.M)
    if totals is None:
        raise RuntimeError(f"no totals in {out}")
    return int(totals.group(1))


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def compare(trees: list[Path], databases: list[str], warm: int, batches: int, size: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="stream-instr-"))
    bodies = workdir / "bodies.jsonl"
    write_bodies(bodies, warm + batches, size)
    control = callgrind_control(workdir)
    print(f"{batches} batches of {size} executions with their orders, after {warm} warm-up ones")
    print(f"callgrind files in {workdir}")
    for database in databases:
        per_tree = {}
        for tree in trees:
            t0 = time.perf_counter()
            per_tree[tree] = callgrind_total(
                tree,
                database,
                bodies,
                warm,
                batches,
                control,
                workdir / f"cg.{database}.{tree.name}",
            )
            load = os.getloadavg()[0]
            print(
                f"{database:10s} {tree.name:20s} {per_tree[tree] / 1e9:8.3f} G instructions "
                f"({per_tree[tree] / (batches * size):,.0f} per execution; "
                f"{time.perf_counter() - t0:.0f} s under callgrind, load {load:.1f})"
            )
        if len(trees) == 2:
            old, new = (per_tree[tree] for tree in trees)
            print(f"{database:10s} {'new / old':20s} {new / old:8.3f}")
    print(f"peak memory of a callgrind process: {peak_rss_mb():.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-bodies", type=Path)
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--bodies", type=Path)
    parser.add_argument("--ingest", type=int, help="batches ingested after the warm ones")
    parser.add_argument("--control", type=Path, help="the callgrind switch library")
    parser.add_argument("--compare", type=Path, nargs="+", help="checkouts to compare")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    if args.write_bodies:
        write_bodies(args.write_bodies, args.batches, args.batch_size)
    elif args.compare:
        compare(
            [tree.resolve() for tree in args.compare],
            args.databases.split(","),
            args.warm,
            args.batches,
            args.batch_size,
        )
    else:
        ingest(
            args.root.resolve(), args.database, args.bodies, args.warm, args.ingest, args.control
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
