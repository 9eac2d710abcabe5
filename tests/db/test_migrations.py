from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.migrations import (
    current_revision,
    downgrade_database,
    head_revision,
    upgrade_database,
)
from strategy_analysis.db.models import Base
from strategy_analysis.db.partitions_postgres import not_a_partition, stored_partitions


def _tables(url: str) -> set[str]:
    """The tables, partitions left out."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            partitions = stored_partitions(conn)
        return set(inspect(engine).get_table_names()) - {"alembic_version"} - partitions
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(blank_database_url: str) -> None:
    upgrade_database(blank_database_url)
    assert _tables(blank_database_url) == set(Base.metadata.tables)
    downgrade_database(blank_database_url, "base")
    assert _tables(blank_database_url) == set()
    upgrade_database(blank_database_url)
    assert _tables(blank_database_url) == set(Base.metadata.tables)
    engine = make_engine(blank_database_url)
    try:
        assert current_revision(engine) == head_revision(blank_database_url)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": not_a_partition(conn)}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
