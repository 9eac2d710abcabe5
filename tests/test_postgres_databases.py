"""The test run's PostgreSQL databases: a copy made ahead is a copy of the template no test
has had; a database a test had is handed on only once it is in the template's state again,
out of reach of the clients that test left, and never when the test changed its schema; the
databases of a run that was killed are dropped by the next run, never those of a run still
going."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from postgres_databases import PostgresServer, TemplateState, libpq
from psycopg import sql
from sqlalchemy import inspect, make_url, text

from strategy_analysis.cli.main import main
from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Base
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.tuning import ImportTuning


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
        server.template = make_url(template).database  # no state: dropped after use
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


@pytest.fixture
def own_server(
    server_url: str, postgres_server: PostgresServer, postgres_template_url: str
) -> Iterator[PostgresServer]:
    """A server of its own whose template is a copy of the run's migrated one."""
    server = PostgresServer(server_url)
    try:
        server.adopt_template(server.create(template=postgres_server.template))
        yield server
    finally:
        server.drop_all()


def _state(url: str) -> dict[str, object]:
    """What a test could see of a database before it writes: its schema, its rows, its
    sequences, the planner's figures and statistics."""
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        template = TemplateState.read(conn)
        rows = {
            name: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
            ).fetchone()
            for name in (*template.tables, "alembic_version")
        }
        sequences = {
            name: conn.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(name))
            ).fetchone()
            for name, _start in template.sequences
        }
        statistics = conn.execute(
            "SELECT count(*) FROM pg_statistic WHERE starelid IN "
            "(SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)"
        ).fetchone()
    return {"template": template, "rows": rows, "sequences": sequences, "stats": statistics}


def _oid(server: PostgresServer, name: str | None) -> int | None:
    with psycopg.connect(libpq(server.url), autocommit=True) as conn:
        row = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return None if row is None else row[0]


def test_a_database_a_test_had_is_handed_on_in_the_template_state(
    own_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    used = own_server.fresh()
    name = make_url(used).database
    unused = own_server.create(template=own_server.template)
    blank = _state(unused)
    assert blank["rows"]["alembic_version"] == (1,)  # type: ignore[index]
    exports = [tmp_path / f"export-{seed}.sqlite" for seed in (3, 4)]
    for seed, export in enumerate(exports, start=3):
        write_demo_export(export, executions=400, seed=seed)
    left_behind = make_engine(used)
    # One run in partitions of its own (tables the template lacks), one with its trades.
    import_export_file(left_behind, exports[0], tuning=ImportTuning(own_partition_min_rows=1))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", used)
    assert main(["import", "--file", str(exports[1])]) == 0
    with left_behind.begin() as conn:
        conn.execute(text("ANALYZE"))
        conn.execute(text("INSERT INTO run_tags SELECT run_id, 'kept' FROM runs"))
    written = _state(used)
    assert sum(count[0] for count in written["rows"].values()) > 1000  # type: ignore[attr-defined]
    assert written["stats"][0] > 0 and written["sequences"] != blank["sequences"]  # type: ignore[index]
    relations = {name for name, *_figures in written["template"].relations}  # type: ignore[attr-defined]
    assert relations > {name for name, *_figures in blank["template"].relations}  # type: ignore[attr-defined]
    assert written["rows"]["trades"][0] > 0  # type: ignore[index]

    oid = _oid(own_server, name)
    own_server.discard(used)
    handed_on = own_server.fresh()
    assert _oid(own_server, make_url(handed_on).database) == oid
    assert _state(handed_on) == blank
    # The client the test left behind cannot write into the next test's database.
    left_behind.dispose()
    with pytest.raises(Exception, match="does not exist"):
        with left_behind.connect() as conn:
            conn.execute(text("SELECT 1"))


def test_a_database_whose_schema_a_test_changed_is_not_handed_on_and_is_dropped(
    own_server: PostgresServer,
) -> None:
    changed = own_server.fresh()
    with psycopg.connect(libpq(changed), autocommit=True) as conn:
        conn.execute("CREATE INDEX ix_runs_extra ON runs (run_id, strategy_id)")
    oid = _oid(own_server, make_url(changed).database)
    own_server.discard(changed)
    other = own_server.fresh()
    assert _oid(own_server, make_url(other).database) != oid
    assert not [column for column in _state(other)["rows"].values() if column != (0,)][1:]
    own_server.drop_all()
    with psycopg.connect(libpq(own_server.url), autocommit=True) as conn:
        oids = {oid for (oid,) in conn.execute("SELECT oid FROM pg_database")}
    assert oid not in oids
