"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

Each test gets a fresh database copied from a template that ``alembic upgrade head`` built
once per test run (PostgreSQL: ``CREATE DATABASE ... TEMPLATE``, made ahead while the tests
before run; SQLite: a file copy), so the migrations are exercised and tests stay fast. The
PostgreSQL databases are dropped after their test, in the background, and what is left at
the end of the run.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from app_server import AppServer
from live_server import LiveServer
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from strategy_analysis.db.engine import make_engine, make_session_factory
from strategy_analysis.db.migrations import upgrade_database

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DIALECTS = ("sqlite", "postgresql")
# A DROP DATABASE waits for a checkpoint (seconds on a busy server); drops that run
# together share one, so they keep up with the tests (4 together: 2 s where 4 in turn
# took 15 s on a loaded machine).
DROP_THREADS = 4
# Copies of the template made ahead per process, beyond the one a test takes next: a run
# that ends leaves them to drop_all, a killed one leaves them on the server.
COPIES_AHEAD = 1


def _server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)


def _libpq(url: str, database: str | None = None) -> str:
    sa_url = make_url(url)
    if database is not None:
        sa_url = sa_url.set(database=database)
    return sa_url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresServer:
    """Creates and drops the test run's databases on the server named by TEST_DATABASE_URL.

    Each process (pytest-xdist worker) has its own, with its own name prefix and template.
    Copies of the migrated template are made ahead, one after another on one thread:
    ``fresh()`` hands out a ready copy and orders the next, so a copy (0.2-0.7 s) is made
    while the tests before run rather than in a test's setup. The template itself is never
    connected to once migrated (a ``CREATE DATABASE ... TEMPLATE`` fails while anyone is).
    """

    def __init__(self, url: str, ahead: int = COPIES_AHEAD) -> None:
        self.url = url
        self.prefix = f"sa_test_{uuid.uuid4().hex[:8]}"
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
        return psycopg.connect(_libpq(self.url), autocommit=True, connect_timeout=5)

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

    def discard(self, url: str) -> None:
        """Drop a test's database in the background: the next tests run meanwhile (one
        drop costs a checkpoint, about as long as a short test or longer)."""
        name = make_url(url).database
        with self._lock:
            self.created.remove(name)
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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    url = _server_url()
    try:
        psycopg.connect(_libpq(url), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: PostgreSQL tests must run)", pytrace=False)
        warnings.warn(message + " -- PostgreSQL tests are SKIPPED", stacklevel=1)
        yield None
        return
    server = PostgresServer(url)
    try:
        yield server
    finally:
        server.drop_all()


@pytest.fixture(scope="session")
def postgres_template_url(postgres_server: PostgresServer | None) -> str | None:
    if postgres_server is None:
        return None
    url = postgres_server.create()
    upgrade_database(url)
    postgres_server.template = make_url(url).database
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


def _fresh_database(request: pytest.FixtureRequest, folder: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = folder / "test.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    template_url = request.getfixturevalue("postgres_template_url")
    if template_url is None:
        pytest.skip("PostgreSQL unreachable (see the warning above)")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.fresh()
    request.addfinalizer(lambda: server.discard(url))
    return url


@pytest.fixture(params=DIALECTS)
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
) -> str:
    """A fresh, migrated database for this test, on each dialect in turn."""
    return _fresh_database(request, tmp_path, sqlite_template)


@pytest.fixture(scope="module", params=DIALECTS)
def module_database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> str:
    """A fresh, migrated database shared by the tests of one module, on each dialect in
    turn: for tests that read what one setup stored and change nothing the others read.
    Mark the module ``xdist_group`` so that one worker sets it up."""
    return _fresh_database(request, tmp_path_factory.mktemp("module-db"), sqlite_template)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(params=DIALECTS)
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database with no schema (for migration tests), on each dialect in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'blank.db'}"
    server: PostgresServer | None = request.getfixturevalue("postgres_server")
    if server is None:
        pytest.skip("PostgreSQL unreachable (see the warning above)")
    return server.create()


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The real server over HTTP on this test's fresh database (both dialects)."""
    with LiveServer(database_url, tmp_path) as server:
        yield server


@pytest.fixture
def app_server(database_url: str, tmp_path: Path) -> Iterator[AppServer]:
    """The app over real HTTP from this process on this test's fresh database (both
    dialects): what most HTTP tests need, without a server process to start."""
    with AppServer(database_url, tmp_path) as server:
        yield server
