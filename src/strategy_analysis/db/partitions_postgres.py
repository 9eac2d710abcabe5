"""Partitions of the run data on PostgreSQL: orders and executions by run, bars by symbol.

Each table's DEFAULT partition holds whatever has no partition of its own: streamed runs,
small imports, everything merged. A large import of a new run (or of bars for symbols
with none stored) fills a table of its own instead (``OwnPartition``): no index while
rows go in, then each index built by one sort, then the table attached. Inserting a
million rows into three indexes of one big table costs about twice as much.

All of it runs in the import's transaction: a failed import leaves no table behind.
Attaching locks the DEFAULT partition until the commit, so the attaches wait for the end
of the import (``PendingAttaches``) unless a merge needs to read through the parent.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from psycopg import errors, sql
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from .models import Base

log = logging.getLogger(__name__)

# The partitioned tables and the column they are partitioned by (migration 0005).
PARTITION_COLUMNS = {"bars": "symbol", "orders": "run_id", "executions": "run_id"}
# Fewer rows than this go into the DEFAULT partition. Each own partition costs every row
# later routed into a DEFAULT partition (streamed runs) a check against one more key, and
# the planner one more relation where it cannot prune: small runs are not worth that.
OWN_PARTITION_MIN_ROWS = 20_000
# Memory for one index build's sort (the default 64 MB spills a million keys to disk).
INDEX_BUILD_MEMORY = "256MB"

# What makes an own partition unusable; its table is then staged and merged after all:
# a key the file repeats (found by the primary key's build), or another import of the
# same run that committed its partition while this one waited to create it.
PARTITION_ERRORS = (errors.UniqueViolation, errors.DuplicateTable)


def stored_partitions(conn: Connection) -> set[str]:
    """Names of every partition of the partitioned tables (none on SQLite)."""
    if conn.dialect.name != "postgresql":
        return set()
    return set(conn.execute(text("SELECT relname FROM pg_class WHERE relispartition")).scalars())


def not_a_partition(conn: Connection) -> Callable[[str | None, str, Any], bool]:
    """An Alembic ``include_name`` hook: the models describe the partitioned tables, not
    their partitions, so schema comparisons leave the partitions out. The partitions are
    read at the first comparison: a query before Alembic's own transaction would begin one
    that Alembic then leaves uncommitted."""
    partitions: list[set[str]] = []

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ != "table":
            return True
        if not partitions:
            partitions.append(stored_partitions(conn))
        return name not in partitions[0]

    return include_name


def own_partition_name(table: str, values: Iterable[str]) -> str:
    digest = hashlib.sha256("\x1f".join(sorted(values)).encode()).hexdigest()[:24]
    return f"{table}_p{digest}"


class OwnPartition:
    """A table of the import's own for rows whose partition key is one of ``values``."""

    def __init__(self, conn: Any, table: str, values: Iterable[str]) -> None:
        self.conn = conn
        self.table = table
        self.values = sorted(set(values))
        self.name = own_partition_name(table, self.values)
        self._check = f"{self.name}_keys"
        column = PARTITION_COLUMNS[table]
        self._key_list = sql.SQL(", ").join(sql.Literal(v) for v in self.values)
        self._execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS)").format(
                sql.Identifier(self.name), sql.Identifier(table)
            )
        )
        # The partition's own constraint, checked as rows arrive: attaching needs no scan.
        self._execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IN ({}))").format(
                sql.Identifier(self.name),
                sql.Identifier(self._check),
                sql.Identifier(column),
                self._key_list,
            )
        )

    def _execute(self, statement: sql.Composable) -> None:
        self.conn.execute(statement)

    def build_indexes(self) -> None:
        """The parent's primary key and indexes, each built by one sort of the rows."""
        model = Base.metadata.tables[self.table]
        self.conn.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        key = [c.name for c in model.primary_key.columns]
        self._execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})").format(
                sql.Identifier(self.name),
                sql.Identifier(f"{self.name}_pkey"),
                sql.SQL(", ").join(sql.Identifier(c) for c in key),
            )
        )
        for number, index in enumerate(sorted(model.indexes, key=lambda i: str(i.name))):
            self._execute(
                sql.SQL("CREATE INDEX {} ON {} ({})").format(
                    sql.Identifier(f"{self.name}_ix{number}"),
                    sql.Identifier(self.name),
                    sql.SQL(", ").join(sql.Identifier(c.name) for c in index.columns),
                )
            )

    def analyze(self) -> None:
        """Statistics for the planner now: the next import's merge and the trade rebuild
        read this run's rows right away, before any autovacuum would get to them."""
        self._execute(sql.SQL("ANALYZE {}").format(sql.Identifier(self.name)))

    def attach(self) -> None:
        """Make the rows part of the table; its indexes become the parent's indexes' parts."""
        self._execute(
            sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
                sql.Identifier(self.table), sql.Identifier(self.name), self._key_list
            )
        )
        self._execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(self.name), sql.Identifier(self._check)
            )
        )
        log.info("%s: attached partition %s", self.table, self.name)


class PendingAttaches:
    """Own partitions whose indexes are built, attached together when the import ends or
    before a merge reads through their parent tables."""

    def __init__(self) -> None:
        self._waiting: list[OwnPartition] = []

    def add(self, partition: OwnPartition) -> None:
        self._waiting.append(partition)

    def table_holding(self, table: str) -> str:
        """Where this import's new rows of ``table`` are: a waiting partition, or the table."""
        for partition in self._waiting:
            if partition.table == table:
                return partition.name
        return table

    def attach_all(self) -> None:
        while self._waiting:
            self._waiting.pop(0).attach()


# How long dropping a partition waits for the other transactions on its table (dropping
# locks the whole partitioned table): past it, the rows are deleted instead.
DROP_LOCK_TIMEOUT = "2s"


def drop_own_partition(conn: Connection, table: str, value: str) -> int | None:
    """Drop the partition of ``table`` that holds ``value``'s rows alone, in the caller's
    transaction; the number of rows it held. None when ``value`` has no partition of its
    own, or when other transactions keep the table busy past ``DROP_LOCK_TIMEOUT`` (the
    partition then stays, and the caller deletes the rows)."""
    name = own_partition_name(table, [value])
    parent = conn.execute(
        text(
            "SELECT i.inhparent::regclass::text FROM pg_class c"
            " JOIN pg_inherits i ON i.inhrelid = c.oid"
            " WHERE c.relname = :name AND c.relispartition"
        ),
        {"name": name},
    ).scalar()
    if parent != table:
        return None
    quoted = conn.dialect.identifier_preparer.quote(name)
    savepoint = conn.begin_nested()
    try:
        previous: str = conn.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
        conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": DROP_LOCK_TIMEOUT})
        # Under the table's lock: no row can have arrived since the count.
        conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        rows: int = conn.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one()
        conn.execute(text(f"DROP TABLE {quoted}"))
        conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": previous})
    except OperationalError as exc:
        savepoint.rollback()
        if not isinstance(exc.orig, errors.LockNotAvailable):
            raise
        log.info("%s: busy, the rows of %s are deleted instead of its partition", table, value)
        return None
    savepoint.commit()
    log.info("%s: dropped partition %s of %s (%d rows)", table, name, value, rows)
    return int(rows)
