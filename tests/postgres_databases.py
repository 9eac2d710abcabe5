"""The PostgreSQL databases of a test run: made from a migrated template ahead of the tests
that take them, dropped in the background after, and what a killed run left dropped by the
next one."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
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


def libpq(url: str, database: str | None = None) -> str:
    sa_url = make_url(url)
    if database is not None:
        sa_url = sa_url.set(database=database)
    return sa_url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresServer:
    """Creates and drops the test run's databases on the server named by TEST_DATABASE_URL.

    Each process (pytest-xdist worker) has its own, with its own name prefix and template.
    It holds a connection named after its prefix for as long as it lives: databases whose
    prefix no connection holds were left by a run that was killed, and the next run drops
    them (``drop_leftovers``).
    Copies of the migrated template are made ahead, one after another on one thread:
    ``fresh()`` hands out a ready copy and orders the next, so a copy (0.2-0.7 s) is made
    while the tests before run rather than in a test's setup. The template itself is never
    connected to once migrated (a ``CREATE DATABASE ... TEMPLATE`` fails while anyone is).
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
        self._lock = threading.Lock()
        self._closed = False
        self._maker: ThreadPoolExecutor | None = None
        self._ready: deque[Future[str]] = deque()
        self._dropper: ThreadPoolExecutor | None = None
        self._drops: list[Future[None]] = []

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(libpq(self.url), autocommit=True, connect_timeout=5)

    def _url(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def _make(self, template: str | None) -> str:
        with self._lock:
            if self._closed:
                raise RuntimeError("the test run's databases are being dropped")
            self.count += 1
            name = f"{self.prefix}_{self.count}"
            self.created.append(name)
        clause = f" TEMPLATE {template}" if template else ""
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"{clause}')
        return name

    def create(self, template: str | None = None) -> str:
        """A new database now: empty, or a copy of ``template``."""
        return self._url(self._make(template))

    def fresh(self) -> str:
        """A copy of the migrated template that no one has used, made ahead."""
        if self.template is None:
            raise RuntimeError("the template is not migrated yet (postgres_template_url)")
        if self._maker is None:
            self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="createdb")
        while len(self._ready) <= self.ahead:
            self._ready.append(self._maker.submit(self._make, self.template))
        return self._url(self._ready.popleft().result())

    def drop_leftovers(self) -> list[str]:
        """Drop, in the background, the databases of runs that hold no connection any more
        (killed before they dropped theirs); the names."""
        with self._admin() as conn:
            names = [
                name
                for (name,) in conn.execute(
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
        """Drop a test's database in the background: the next tests run meanwhile (one
        drop costs a checkpoint, about as long as a short test or longer)."""
        name = make_url(url).database
        with self._lock:
            self.created.remove(name)
        self._submit_drop(name)

    def _submit_drop(self, name: str | None) -> None:
        if self._dropper is None:
            self._dropper = ThreadPoolExecutor(
                max_workers=DROP_THREADS, thread_name_prefix="dropdb"
            )
        self._drops.append(self._dropper.submit(self._drop, name))

    def _drop(self, name: str | None) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        """Drop what is left: the copies made ahead, a copy under way (waited for), the
        databases tests made themselves, the template."""
        with self._lock:
            self._closed = True  # copies ordered and not yet begun are not made
        if self._maker is not None:
            self._maker.shutdown(wait=True, cancel_futures=True)
        if self._dropper is not None:
            self._dropper.shutdown(wait=True)
            for drop in self._drops:
                drop.result()  # a drop that failed says so
        with self._admin() as conn:
            for name in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._holder.close()
