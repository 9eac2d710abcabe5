"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

Each test gets a fresh database in the state of a template that ``alembic upgrade head``
built once per test run, so the migrations are exercised and tests stay fast. SQLite: a file
copy. PostgreSQL: a copy (``CREATE DATABASE ... TEMPLATE``) made ahead while the tests before
run, or the database of a test that finished, emptied back to the template's state in the
background (``postgres_databases``); what is left is dropped at the end of the run.
"""

from __future__ import annotations

import gc
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx._transports.default as httpx_transports
import psycopg
import pytest
from app_server import AppServer
from live_server import LiveServer
from postgres_databases import PostgresServer, libpq
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from strategy_analysis.db.engine import make_engine, make_session_factory
from strategy_analysis.db.migrations import upgrade_database

try:
    from _pytest.nodeid import coerce_node_id as _coerce_node_id
except ImportError:  # pytest before 9.2: pytest-xdist appends the group itself
    _coerce_node_id = None

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DIALECTS = ("sqlite", "postgresql")


def _share_one_ssl_context() -> None:
    """Every httpx client (each ``httpx.get``, each ``httpx.Client``) builds an SSL context
    and loads certifi's CA bundle into it: 20 ms of CPU, a twentieth of the suite's, though
    the tests speak plain HTTP to 127.0.0.1. The default one is built once and shared (an
    ``SSLContext`` is meant to be); any other ``verify`` or ``cert`` is built as asked."""
    build = httpx_transports.create_ssl_context
    shared = build()

    def create_ssl_context(verify=True, cert=None, trust_env=True):  # type: ignore[no-untyped-def]
        if verify is True and cert is None and trust_env:
            return shared
        return build(verify=verify, cert=cert, trust_env=trust_env)

    httpx_transports.create_ssl_context = create_ssl_context


_share_one_ssl_context()


def _server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The garbage collector took about a tenth of each worker's CPU, mostly in full passes
    over everything alive. What is alive once the tests are collected (the modules imported,
    the collected tests) lives to the end of the run: frozen, no pass walks it again. And a
    first-generation pass every 10,000 allocations instead of 700 runs the later ones a
    tenth as often (the tests' cycles are freed a little later; none waits on that)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--dist loadgroup``: the ``xdist_group`` name appended to each marked test's id, which
    is how pytest-xdist sends a group to one worker. pytest-xdist 3.8 sets ``item._nodeid``,
    which pytest 9.2 no longer reads (its node ids live in ``_id``): without this, the tests
    of a group were spread over the workers, each setting up the module's fixtures again."""
    if not getattr(config.option, "loadgroup", False) or _coerce_node_id is None:
        return
    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        # Already there when pytest-xdist's own suffix took (pytest before 9.2).
        if names and "@" not in item.nodeid.rsplit("]", 1)[-1]:
            item._id = _coerce_node_id(f"{item.nodeid}@{'_'.join(sorted(names))}")  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    url = _server_url()
    try:
        psycopg.connect(libpq(url), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: PostgreSQL tests must run)", pytrace=False)
        warnings.warn(message + " -- PostgreSQL tests are SKIPPED", stacklevel=1)
        yield None
        return
    server = PostgresServer(url)
    server.drop_leftovers()
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
    postgres_server.adopt_template(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


def _fresh_database(
    request: pytest.FixtureRequest, folder: Path, sqlite_template: Path, dialect: str | None = None
) -> str:
    if (dialect or request.param) == "sqlite":
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


@pytest.fixture
def database_urls(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> dict[str, str]:
    """A fresh, migrated database on each dialect at once, by dialect (PostgreSQL's left out
    when it is unreachable: see the warning above): for a test whose costly input is made
    once and given to both."""
    urls = {"sqlite": _fresh_database(request, tmp_path, sqlite_template, "sqlite")}
    if request.getfixturevalue("postgres_template_url") is not None:
        urls["postgresql"] = _fresh_database(request, tmp_path, sqlite_template, "postgresql")
    return urls


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
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A command run in this process (``main`` or ``run_command``) works in this test's
    folder on this test's database, as ``cli.py`` would with ``DATABASE_URL`` set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


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
