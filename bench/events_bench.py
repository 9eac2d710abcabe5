"""Events benchmark: the time from an import's commit in one process to its
``import_finished`` event at an SSE client of a server (another process), on PostgreSQL
and on SQLite.

A producer process (as ``cli.py import``) imports a small export file again and again, at
random intervals, and notes the moment each import committed; a client reads the
server's ``/api/events`` and notes the moment each event arrives. Beside it, the baseline
measured in the same run: the database's own signal between two processes, with nothing
of the platform in it (PostgreSQL: a row and a ``NOTIFY`` committed by one process, heard
by a ``LISTEN`` connection of another; SQLite: a committed row seen by a reader polling
the table as often as the server's listener does). Prints p50/p95/max latency of both and
the server's peak memory. Targets (issue #23): p95 <= 250 ms on PostgreSQL, <= 1 s on SQLite.

    python bench/events_bench.py                    # both databases, 200 imports each
    python bench/events_bench.py --events 50 --databases sqlite
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stream_bench import ROOT, fresh_database, percentile, running_server  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from strategy_analysis.db.engine import make_engine  # noqa: E402
from strategy_analysis.ingest.demo_export import write_demo_export  # noqa: E402
from strategy_analysis.ingest.importer import import_export_file  # noqa: E402
from strategy_analysis.jobs.shared_events import (  # noqa: E402
    POLL_SECONDS,
    SharedEventBus,
    publish_import_finished,
)

TARGET_P95_MS = {"postgresql": 250.0, "sqlite": 1000.0}
DEFAULT_EVENTS = 200
# Imports at random intervals: their commits fall anywhere in the SQLite listener's poll.
PAUSE_SECONDS = (0.02, 0.12)


def produce_imports(database_url: str, export: str, events: int) -> None:
    """The producer process: ``events`` imports of ``export``, each announced as the CLI
    does; prints ``import_id monotonic_commit_time`` per import."""
    engine = make_engine(database_url)
    bus = SharedEventBus(engine)
    rng = random.Random(1)
    for _ in range(events):
        time.sleep(rng.uniform(*PAUSE_SECONDS))
        report = import_export_file(engine, Path(export), source="cli")
        committed = time.monotonic()
        publish_import_finished(bus, report)
        print(report.import_id, committed, flush=True)
    engine.dispose()


def produce_rows(database_url: str, events: int) -> None:
    """The baseline's producer: a row (and on PostgreSQL a NOTIFY) per transaction."""
    engine = make_engine(database_url)
    rng = random.Random(1)
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_probe (id INTEGER PRIMARY KEY)")
        conn.commit()
        for n in range(1, events + 1):
            time.sleep(rng.uniform(*PAUSE_SECONDS))
            conn.exec_driver_sql(f"INSERT INTO bench_probe (id) VALUES ({n})")
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"NOTIFY bench_probe, '{n}'")
            conn.commit()
            print(n, time.monotonic(), flush=True)
    engine.dispose()


def _producer(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )


def _commits(process: subprocess.Popen[str]) -> dict[int, float]:
    assert process.stdout is not None
    out = process.stdout.read()
    if process.wait() != 0:
        raise RuntimeError(f"producer exited with {process.returncode}")
    return {int(key): float(at) for key, at in (line.split() for line in out.splitlines())}


def _latencies(committed: dict[int, float], arrived: dict[int, float]) -> list[float]:
    missing = sorted(set(committed) - set(arrived))
    if missing:
        raise RuntimeError(f"{len(missing)} events never arrived (first: {missing[:5]})")
    return [(arrived[key] - committed[key]) * 1000 for key in committed]


def _wait_for(arrived: dict[int, float], keys: set[int], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not keys <= set(arrived) and time.monotonic() < deadline:
        time.sleep(0.05)


def baseline(database_url: str, events: int) -> list[float]:
    """The database's signal alone between two processes."""
    arrived: dict[int, float] = {}
    stop = threading.Event()
    if database_url.startswith("postgresql"):
        libpq = make_url(database_url).set(drivername="postgresql")
        listener = psycopg.connect(libpq.render_as_string(hide_password=False), autocommit=True)
        listener.execute("LISTEN bench_probe")

        def listen() -> None:
            while not stop.is_set():
                for note in listener.notifies(timeout=0.5):
                    arrived[int(note.payload)] = time.monotonic()

    else:
        engine = make_engine(database_url)
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_probe (id INTEGER PRIMARY KEY)")
            conn.commit()

        def listen() -> None:
            seen = 0
            while not stop.is_set():
                with engine.connect() as conn:
                    rows = conn.exec_driver_sql(
                        f"SELECT id FROM bench_probe WHERE id > {seen} ORDER BY id"
                    ).fetchall()
                now = time.monotonic()
                for (key,) in rows:
                    arrived[key] = now
                    seen = key
                stop.wait(POLL_SECONDS)

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    committed = _commits(_producer(["--produce-rows", database_url, str(events)]))
    _wait_for(arrived, set(committed))
    stop.set()
    thread.join(5)
    if database_url.startswith("postgresql"):
        listener.close()
    else:
        engine.dispose()
    return _latencies(committed, arrived)


class EventReader:
    """Reads ``/api/events`` in a thread; notes when each ``import_finished`` arrives."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.arrived: dict[int, float] = {}
        self.connected = threading.Event()
        self._conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
        self._conn.request("GET", "/api/events", headers={"Accept": "text/event-stream"})
        self._response = self._conn.getresponse()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        kind = None
        try:
            while line := self._response.readline():
                text = line.decode().rstrip("\r\n")
                if text.startswith("event: "):
                    kind = text[7:]
                elif text.startswith("data: ") and kind == "connected":
                    self.connected.set()
                elif text.startswith("data: ") and kind == "import_finished":
                    self.arrived[json.loads(text[6:])["import_id"]] = time.monotonic()
        except (OSError, ValueError, http.client.HTTPException):
            return  # closed by close()

    def close(self) -> None:
        if self._conn.sock is not None:
            self._conn.sock.shutdown(2)
        self._thread.join(5)
        self._conn.close()


def vm_hwm_mb(pid: int) -> float:
    """The peak resident memory of a running process (``VmHWM``), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def through_the_platform(
    database_url: str, workdir: Path, export: Path, events: int
) -> tuple[list[float], float]:
    servers: list[subprocess.Popen[bytes]] = []
    with running_server(database_url, workdir, servers) as base:
        reader = EventReader(base)
        if not reader.connected.wait(30):
            raise RuntimeError("the event stream did not open")
        committed = _commits(
            _producer(["--produce-imports", database_url, str(export), str(events)])
        )
        _wait_for(reader.arrived, set(committed))
        reader.close()
        peak = vm_hwm_mb(servers[0].pid)
    return _latencies(committed, reader.arrived), peak


def summary(values: list[float]) -> str:
    return f"{percentile(values, 50):>8.1f} {percentile(values, 95):>8.1f} {max(values):>8.1f}"


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--produce-imports":
        produce_imports(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--produce-rows":
        produce_rows(sys.argv[2], int(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    args, _unknown = parser.parse_known_args()  # run_all.py passes every bench its options

    failures = 0
    with tempfile.TemporaryDirectory(prefix="events-bench-") as tmp:
        workdir = Path(tmp)
        export = workdir / "small.sqlite"
        write_demo_export(export, executions=20, seed=3)
        for kind in args.databases.split(","):
            with fresh_database(kind, workdir) as url:
                base = baseline(url, args.events)
            with fresh_database(kind, workdir) as url:
                measured, peak = through_the_platform(url, workdir, export, args.events)
            target = TARGET_P95_MS[kind]
            met = percentile(measured, 95) <= target
            failures += not met
            print(f"\n--- {kind}: {args.events} imports, commit -> event at a client (ms)")
            print(f"{'':52} {'p50':>8} {'p95':>8} {'max':>8}")
            signal = "NOTIFY -> LISTEN" if kind == "postgresql" else "row -> poll"
            print(f"{'baseline: the database signal (' + signal + ')':52} {summary(base)}")
            print(f"{'import commit -> SSE client of a server':52} {summary(measured)}")
            print(f"server peak memory: {peak:.0f} MB")
            verdict = "met" if met else "NOT met"
            print(
                f"  p95 {percentile(measured, 95):.1f} ms   target <= {target:.0f} ms   {verdict}"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
