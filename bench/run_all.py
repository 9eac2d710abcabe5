"""`make bench`: runs every benchmark in this folder, one after the other.

Each benchmark prints its own figures next to a baseline measured in the same run.
Extra arguments are passed to every benchmark (e.g. ``--executions 100000`` for a quick run).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = (
    "import_bench.py",
    "trades_bench.py",
    "stream_bench.py",
    "api_bench.py",
    "analysis_bench.py",
    "events_bench.py",
    "delete_bench.py",
    "scale_bench.py",
    "quality_bench.py",
)


def main() -> int:
    here = Path(__file__).resolve().parent
    failures = 0
    for name in BENCHMARKS:
        script = here / name
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False)
        print(f"=== {name}: exit {result.returncode} in {time.perf_counter() - started:.1f} s ===")
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
