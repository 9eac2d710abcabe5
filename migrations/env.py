"""Alembic environment: runs on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from strategy_analysis.config import Settings
from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Base
from strategy_analysis.db.partitions_postgres import not_a_partition

config = context.config
# The advisory lock key that serialises schema upgrades on PostgreSQL.
MIGRATION_LOCK = 0x5A_4D16_0001
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or Settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=not_a_partition(connection),
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several servers starting on one database: one upgrades, the others wait and
            # then find the schema current (the version is read after the lock).
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_database_url())
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
