"""The sizes an import works in, as one value handed down from its entry point.

The defaults are the production figures (bench/README.md). A test passes smaller ones to
send a small file down a large file's path (several chunks, own partitions, reader
processes), and a bench the ones it compares.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..db.partitions_postgres import OWN_PARTITION_MIN_ROWS


@dataclass(frozen=True)
class ImportTuning:
    # SQLite, a file attached: rows per rowid range read, checked and merged in one go.
    attached_chunk_rows: int = 100_000
    # PostgreSQL, a file: rows per chunk of COPY text; the few chunks in flight stay small.
    copy_chunk_rows: int = 25_000
    # PostgreSQL, a file: a new run's table (or bars of new symbols) of at least this many
    # rows goes into a partition of its own (partitions_postgres.OWN_PARTITION_MIN_ROWS).
    own_partition_min_rows: int = OWN_PARTITION_MIN_ROWS
    # PostgreSQL, a file: the processes that read it (0: a thread); None lets the file's
    # size and the reader decide (copy_import._reader_processes).
    reader_processes: int | None = None
    # Existence probes of a run's executions of a symbol sent in one statement (each is a
    # branch of a UNION ALL), when an import re-values symbols or brings bars.
    traded_probes_per_query: int = 200


DEFAULT_TUNING = ImportTuning()
