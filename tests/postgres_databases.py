"""The PostgreSQL databases of a test run: made from a migrated template ahead of the tests
that take them, emptied back to the template's state in the background after (or dropped
when a test changed their schema), and what a killed run left dropped by the next one."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy import make_url

# A DROP DATABASE waits for a checkpoint (seconds on a busy server); drops that run
# together share one, so they keep up with the tests (4 together: 2 s where 4 in turn
# took 15 s on a loaded machine).
DROP_THREADS = 4
# Copies of the template made ahead per process, beyond the one a test takes next: a run
# that ends drops them, the next run drops what a killed run left.
COPIES_AHEAD = 1
# The names of one process's databases: PREFIX, 8 hex digits, "_", a count. Older runs named
# theirs "sa_test_<8 hex>_<n>" (no "h"): those are never taken for leftovers.
PREFIX = "sa_test_h"
OWN_NAMES = rf"^{PREFIX}[0-9a-f]{{8}}_[0-9]+$"
# How long ``fresh()`` waits for a database being emptied rather than take a new copy: an
# emptying takes 10-40 ms of the server's CPU, a copy about 100 ms (made and dropped) and
# 8 MB of WAL, the suite's largest single cost on the server before.
EMPTYING_WAIT_SECONDS = 5.0

# Everything in a database's schema a test could change, as one digest: a database whose
# digest differs from the template's is dropped rather than emptied for the next test.
SCHEMA_DIGEST = """
SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM (
  SELECT format('class %s %s %s %s %s', relname, relkind, relnatts, reloptions, relispartition)
    AS line FROM pg_class WHERE relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('column %s.%s %s %s %s %s %s', c.relname, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attnum, a.attisdropped,
                pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
  UNION ALL
  SELECT format('index %s', pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('function %s %s', oid::regprocedure, md5(prosrc)) FROM pg_proc
   WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('trigger %s', pg_get_triggerdef(oid)) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT format('type %s %s', typname, typtype) FROM pg_type
   WHERE typnamespace = 'public'::regnamespace AND typrelid = 0
  UNION ALL
  SELECT format('enum %s %s %s', enumtypid::regtype, enumsortorder, enumlabel) FROM pg_enum
  UNION ALL
  SELECT format('sequence %s %s %s %s %s', seqrelid::regclass, seqstart, seqincrement, seqmax,
                seqcycle) FROM pg_sequence
  UNION ALL
  SELECT format('statistics %s', stxname) FROM pg_statistic_ext
  UNION ALL
  SELECT format('extension %s %s', extname, extversion) FROM pg_extension
  UNION ALL
  SELECT format('namespace %s', nspname) FROM pg_namespace
   WHERE nspname !~ '^pg_(toast_)?temp_[0-9]+$'  -- made by any session's first temporary table
  UNION ALL
  SELECT format('setting %s', setconfig) FROM pg_db_role_setting
   WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  UNION ALL
  SELECT format('policy %s', polname) FROM pg_policy
  UNION ALL
  SELECT format('rule %s', rulename) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
   WHERE c.relnamespace = 'public'::regnamespace AND rulename <> '_RETURN'
) AS schema_lines
"""


def libpq(url: str, database: str | None = None) -> str:
    sa_url = make_url(url)
    if database is not None:
        sa_url = sa_url.set(database=database)
    return sa_url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class TemplateState:
    """What a copy of the migrated template holds before a test runs: its schema (as a
    digest), its rows (the ``alembic_version`` table's only), its sequences unused, and the
    planner's figures of each relation (``pg_class``) with no column statistics."""

    schema: str
    tables: tuple[str, ...]  # the tables that hold rows, alembic_version left out
    sequences: tuple[tuple[str, int], ...]  # name, start
    relations: tuple[tuple[str, int, float, int], ...]  # relpages, reltuples, relallvisible

    @classmethod
    def read(cls, conn: psycopg.Connection) -> TemplateState:
        return cls(
            schema=conn.execute(SCHEMA_DIGEST).fetchone()[0],  # type: ignore[index]
            tables=tuple(
                name
                for (name,) in conn.execute(
                    "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                    "AND relkind = 'r' AND relname <> 'alembic_version' ORDER BY relname"
                )
            ),
            sequences=tuple(
                conn.execute(
                    "SELECT seqrelid::regclass::text, seqstart FROM pg_sequence "
                    "JOIN pg_class c ON c.oid = seqrelid "
                    "WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1"
                ).fetchall()
            ),
            relations=tuple(
                conn.execute(
                    "SELECT relname, relpages, reltuples, relallvisible FROM pg_class "
                    "WHERE relnamespace = 'public'::regnamespace ORDER BY relname"
                ).fetchall()
            ),
        )

    def restore(self, conn: psycopg.Connection) -> bool:
        """Empty the database of ``conn`` (a copy of the template a test had) back to this
        state, in one transaction; False, with nothing done, when its schema differs by
        more than the partitions a run was given of its own (those are dropped)."""
        if conn.execute(SCHEMA_DIGEST).fetchone()[0] != self.schema:  # type: ignore[index]
            own_partitions = [
                name
                for (name,) in conn.execute(
                    "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                    "AND relispartition AND relkind IN ('r', 'p') AND NOT relname = ANY(%s)",
                    ([name for name, *_figures in self.relations],),
                )
            ]
            if own_partitions:
                conn.execute(
                    sql.SQL("DROP TABLE {}").format(
                        sql.SQL(", ").join(sql.Identifier(name) for name in own_partitions)
                    )
                )
            if conn.execute(SCHEMA_DIGEST).fetchone()[0] != self.schema:  # type: ignore[index]
                conn.rollback()
                return False
        holding = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {} WHERE EXISTS (SELECT FROM {})").format(
                sql.Literal(name), sql.Identifier(name)
            )
            for name in self.tables
        )
        full = [name for (name,) in conn.execute(holding)]
        if full:
            conn.execute(
                sql.SQL("TRUNCATE {} CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(name) for name in full)
                )
            )
        for name, start in self.sequences:
            conn.execute("SELECT setval(%s::regclass, %s, false)", (name, start))
        conn.execute(
            "DELETE FROM pg_statistic WHERE starelid IN "
            "(SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)"
        )
        conn.execute(
            "UPDATE pg_class c SET relpages = t.relpages, reltuples = t.reltuples, "
            "relallvisible = t.relallvisible FROM unnest(%s::text[], %s::int[], %s::real[], "
            "%s::int[]) AS t(relname, relpages, reltuples, relallvisible) "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relname = t.relname AND "
            "(c.relpages, c.reltuples, c.relallvisible) IS DISTINCT FROM "
            "(t.relpages, t.reltuples, t.relallvisible)",
            [list(column) for column in zip(*self.relations, strict=True)],
        )
        conn.commit()
        conn.execute("SELECT pg_stat_reset()")
        conn.commit()
        return True


class PostgresServer:
    """Creates and drops the test run's databases on the server named by TEST_DATABASE_URL.

    Each process (pytest-xdist worker) has its own, with its own name prefix and template.
    It holds a connection named after its prefix for as long as it lives: databases whose
    prefix no connection holds were left by a run that was killed, and the next run drops
    them (``drop_leftovers``).
    Copies of the migrated template are made ahead, one after another on one thread:
    ``fresh()`` hands out a ready copy and orders the next, so a copy (0.2-0.7 s) is made
    while the tests before run rather than in a test's setup. The template itself is never
    connected to once migrated and read (a ``CREATE DATABASE ... TEMPLATE`` fails while
    anyone is).

    A database a test is done with (``discard``) is emptied back to the template's state
    in the background and handed to a later test, unless its schema changed. It is renamed
    first, once its connections are ended: a client the test left behind cannot reach it
    under its new name.
    """

    def __init__(self, url: str, ahead: int = COPIES_AHEAD) -> None:
        self.url = url
        self.prefix = f"{PREFIX}{uuid.uuid4().hex[:8]}"
        self._holder = psycopg.connect(
            libpq(self.url), autocommit=True, connect_timeout=5, application_name=self.prefix
        )
        self.ahead = ahead
        # Every database this process may have made and not yet dropped, named before its
        # CREATE is sent, so that ``drop_all`` also drops one whose CREATE was under way.
        self.created: list[str] = []
        self.count = 0
        self.template: str | None = None
        self.template_state: TemplateState | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._local = threading.local()
        self._admins: list[psycopg.Connection] = []
        self._emptied: deque[str] = deque()
        self._emptying = 0
        self._closed = False
        self._maker: ThreadPoolExecutor | None = None
        self._ready: deque[Future[str]] = deque()
        self._dropper: ThreadPoolExecutor | None = None
        self._drops: list[Future[None]] = []

    def _admin(self) -> psycopg.Connection:
        """This thread's connection to the server's maintenance database, kept for the next
        statement: each new connection costs the server a process start (20-30 ms of CPU),
        and the run sends a few hundred."""
        conn: psycopg.Connection | None = getattr(self._local, "admin", None)
        if conn is None or conn.closed or conn.broken:
            conn = psycopg.connect(libpq(self.url), autocommit=True, connect_timeout=5)
            self._local.admin = conn
            with self._lock:
                self._admins.append(conn)
        return conn

    def _url(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def _new_name(self) -> str:
        with self._lock:
            if self._closed:
                raise RuntimeError("the test run's databases are being dropped")
            self.count += 1
            name = f"{self.prefix}_{self.count}"
            self.created.append(name)
        return name

    def _make(self, template: str | None) -> str:
        name = self._new_name()
        clause = f" TEMPLATE {template}" if template else ""
        self._admin().execute(f'CREATE DATABASE "{name}"{clause}')
        return name

    def create(self, template: str | None = None) -> str:
        """A new database now: empty, or a copy of ``template``."""
        return self._url(self._make(template))

    def adopt_template(self, url: str) -> None:
        """Make copies of the migrated database at ``url`` from now on (its connections
        closed: a copy cannot be made while anyone is connected)."""
        with psycopg.connect(libpq(url), autocommit=True, connect_timeout=5) as conn:
            self.template_state = TemplateState.read(conn)
        self.template = make_url(url).database

    def fresh(self) -> str:
        """A database in the migrated template's state that no running test has: one a
        finished test had, emptied, else a copy of the template made ahead."""
        if self.template is None:
            raise RuntimeError("the template is not migrated yet (postgres_template_url)")
        with self._changed:
            self._changed.wait_for(
                lambda: self._emptied or not self._emptying, EMPTYING_WAIT_SECONDS
            )
            if self._emptied:
                return self._url(self._emptied.popleft())
        if self._maker is None:
            self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="createdb")
        while len(self._ready) <= self.ahead:
            self._ready.append(self._maker.submit(self._make, self.template))
        return self._url(self._ready.popleft().result())

    def drop_leftovers(self) -> list[str]:
        """Drop, in the background, the databases of runs that hold no connection any more
        (killed before they dropped theirs); the names."""
        names = [
            name
            for (name,) in self._admin().execute(
                "SELECT datname FROM pg_database WHERE datname ~ %s AND substring("
                "datname FROM '^(.*)_[0-9]+$') NOT IN (SELECT application_name "
                "FROM pg_stat_activity WHERE application_name IS NOT NULL)",
                (OWN_NAMES,),
            )
        ]
        for name in names:
            self._submit_drop(name)
        return names

    def discard(self, url: str) -> None:
        """Empty a test's database for a later test, or drop it, in the background: the
        next tests run meanwhile."""
        name = make_url(url).database
        with self._lock:
            if self.template_state is not None and not self._closed:
                self._emptying += 1
                self._drops.append(self._background().submit(self._empty, name))
                return
            self.created.remove(name)
        self._submit_drop(name)

    def _empty(self, name: str) -> None:
        emptied = None
        try:
            emptied = self._renamed_and_emptied(name)
        finally:
            with self._changed:
                self._emptying -= 1
                if emptied is not None:
                    self._emptied.append(emptied)
                self._changed.notify_all()

    def _renamed_and_emptied(self, name: str) -> str | None:
        """``name`` under a new name, emptied to the template's state; None when its schema
        changed or it could not be taken from its last clients: ``drop_all`` drops it then,
        with the others (each DROP DATABASE waits for a checkpoint, which writes and syncs
        every file the tests changed since the one before)."""
        assert self.template_state is not None
        try:
            new = self._new_name()
        except RuntimeError:  # the run is ending: drop_all drops it
            return None
        try:
            admin = self._admin()
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            # Waits (up to 5 s) for the ended connections to go.
            admin.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(name), sql.Identifier(new)
                )
            )
        except psycopg.errors.ObjectInUse:  # a client reached it again before the rename
            return None
        with self._lock:
            self.created.remove(name)
        # Any other failure is raised: drop_all's look at each background task says so.
        with psycopg.connect(libpq(self.url, new), connect_timeout=5) as conn:
            return new if self.template_state.restore(conn) else None

    def _background(self) -> ThreadPoolExecutor:
        if self._dropper is None:
            self._dropper = ThreadPoolExecutor(
                max_workers=DROP_THREADS, thread_name_prefix="dropdb"
            )
        return self._dropper

    def _submit_drop(self, name: str | None) -> None:
        self._drops.append(self._background().submit(self._drop, name))

    def _drop(self, name: str | None) -> None:
        self._admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        """Drop what is left: the copies made ahead, a copy under way (waited for), the
        databases emptied for later tests, the databases tests made themselves, the
        template."""
        with self._lock:
            self._closed = True  # copies ordered and not yet begun are not made
        if self._maker is not None:
            self._maker.shutdown(wait=True, cancel_futures=True)
        if self._dropper is not None:
            self._dropper.shutdown(wait=True)
            for drop in self._drops:
                drop.result()  # a drop that failed says so
        # Together: each DROP DATABASE waits for a checkpoint, and drops that run together
        # share one.
        with ThreadPoolExecutor(max_workers=DROP_THREADS, thread_name_prefix="dropdb") as drops:
            for done in [drops.submit(self._drop, name) for name in reversed(self.created)]:
                done.result()
        for conn in self._admins:
            conn.close()
        self._holder.close()
