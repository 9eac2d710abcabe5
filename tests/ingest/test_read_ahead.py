"""Reading an export's COPY text ahead of the database, in order."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import bar, execution, order, write_export

from strategy_analysis.ingest.copy_text import CopyLayout, chunk_tasks
from strategy_analysis.ingest.errors import ExportFileError
from strategy_analysis.ingest.export_file import ExportFile
from strategy_analysis.ingest.read_ahead import read_in_order


def _export(tmp_path: Path) -> Path:
    return write_export(
        tmp_path / "read.sqlite",
        bars=[bar(start_time_utc=f"2025-01-06 10:{m:02d}:00") for m in range(23)],
        orders=[order(f"O{i}", client_tag="tab\there" if i == 5 else None) for i in range(31)],
        executions=[execution(f"E{i}", side="Up" if i == 7 else "BUY") for i in range(17)],
    )


def _items(path: Path) -> list[tuple[str, Any]]:
    with ExportFile.open(path) as export:
        items: list[tuple[str, Any]] = []
        for table in ("bars", "orders", "executions"):
            items += [(table, t) for t in chunk_tasks(export, table, CopyLayout.STAGE, 4)]
            items.append((table, None))
    return items


# 0: a reader thread; 2: two reader processes (large files)
READERS = pytest.mark.parametrize("processes", [0, 2])


@READERS
def test_chunks_come_back_in_order_with_their_end_markers(tmp_path: Path, processes: int) -> None:
    path = _export(tmp_path)
    items = _items(path)
    chunks = list(read_in_order(path, items, ahead=3, processes=processes))
    assert [key for key, _ in chunks] == [key for key, _ in items]
    assert [c is None for _, c in chunks] == [t is None for _, t in items]
    lines = {t: sum(c.lines for k, c in chunks if k == t and c) for t in ("bars", "orders")}
    assert lines == {"bars": 23, "orders": 31}
    # the escaped tab and the rejected side made it through
    assert any("tab\\there" in c.text for k, c in chunks if k == "orders" and c)
    assert sum(len(c.rejected) for k, c in chunks if k == "executions" and c) == 1


@READERS
def test_a_reading_error_reaches_the_consumer(tmp_path: Path, processes: int) -> None:
    path = _export(tmp_path)
    items = _items(path)
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)  # damaged after planning
    with pytest.raises(ExportFileError):
        list(read_in_order(path, items, processes=processes))


@READERS
def test_stopping_early_shuts_the_readers_down(tmp_path: Path, processes: int) -> None:
    path = _export(tmp_path)
    reading = read_in_order(path, _items(path), ahead=2, processes=processes)
    next(reading)
    reading.close()  # no hang, and the reader's connection is closed
    assert multiprocessing.active_children() == []


def test_reader_processes_die_with_their_parent(tmp_path: Path) -> None:
    """A killed importer (a server's SIGKILL) leaves no reader process reading on."""
    path = _export(tmp_path)
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from strategy_analysis.ingest.export_file import ExportFile\n"
        "from strategy_analysis.ingest.copy_text import CopyLayout, chunk_tasks\n"
        "from strategy_analysis.ingest.read_ahead import read_in_order\n"
        "if __name__ == '__main__':\n"
        "    path = Path(sys.argv[1])\n"
        "    with ExportFile.open(path) as export:\n"
        "        items = [('bars', t) for t in chunk_tasks(export, 'bars', CopyLayout.STAGE, 4)]\n"
        "    reading = read_in_order(path, items, processes=2)\n"
        "    next(reading)\n"
        "    import multiprocessing\n"
        "    print(' '.join(str(p.pid) for p in multiprocessing.active_children()), flush=True)\n"
        "    time.sleep(60)\n"
    )
    (tmp_path / "importer.py").write_text(script)
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / "importer.py"), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    children = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(children) == 2
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in children)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead: only its exit status is left
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[-1][0] != "Z"
