"""The test run's PostgreSQL databases: a copy made ahead is a copy of the template no test
has had, and the databases of a run that was killed are dropped by the next run, never
those of a run still going."""

from __future__ import annotations

import psycopg
import pytest
from postgres_databases import PostgresServer, libpq
from sqlalchemy import inspect, make_url

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Base


def _databases(url: str) -> set[str]:
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        return {name for (name,) in conn.execute("SELECT datname FROM pg_database")}


@pytest.fixture
def server_url(postgres_server: PostgresServer | None) -> str:
    if postgres_server is None:
        pytest.skip("PostgreSQL unreachable (see the warning above)")
    return postgres_server.url


def test_copies_made_ahead_are_unused_copies_of_the_template(server_url: str) -> None:
    server = PostgresServer(server_url)
    try:
        template = server.create()
        engine = make_engine(template)
        try:
            Base.metadata.create_all(engine)
        finally:
            engine.dispose()
        server.template = make_url(template).database
        first, second = server.fresh(), server.fresh()
        assert first != second and len(server._ready) == server.ahead
        engine = make_engine(first)
        try:
            assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables)
        finally:
            engine.dispose()
        server.discard(first)
    finally:
        server.drop_all()
    left = _databases(server_url)
    assert not {name for name in left if name.startswith(server.prefix)}, left


def test_a_killed_runs_databases_are_dropped_by_the_next_run(
    server_url: str, postgres_server: PostgresServer
) -> None:
    killed, going = PostgresServer(server_url), PostgresServer(server_url)
    next_run = PostgresServer(server_url)
    try:
        orphans = {make_url(killed.create()).database for _ in range(2)}
        kept = make_url(going.create()).database
        killed._holder.close()  # what its process's end does to its connection
        dropped = set(next_run.drop_leftovers())
        next_run.drop_all()  # waits for the drops
        assert orphans <= dropped
        assert kept not in dropped
        assert not {name for name in dropped if name.startswith(postgres_server.prefix)}
        left = _databases(server_url)
        assert not orphans & left and kept in left
    finally:
        killed.drop_all()
        going.drop_all()
        next_run.drop_all()
