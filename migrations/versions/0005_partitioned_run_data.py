"""orders and executions partitioned by run, bars by symbol (PostgreSQL)

Each table becomes a LIST-partitioned table whose DEFAULT partition is the table as it
was (renamed, with its rows and indexes: nothing is copied). A large first import then
loads a new run (or new symbols) into a table of its own, builds its indexes in one
sort each and attaches it, instead of inserting every row into every index of one big
table. SQLite is unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (partition column, primary key, {index name: columns})
TABLES = {
    "bars": ("symbol", "symbol, timeframe, start_time", {}),
    "orders": ("run_id", "run_id, order_id", {}),
    "executions": (
        "run_id",
        "run_id, execution_id",
        {
            "ix_executions_run_id_symbol_exec_time_sequence": "run_id, symbol, exec_time, sequence",
            "ix_executions_run_id_sequence": "run_id, sequence",
        },
    ),
}


def _default_index(table: str, name: str) -> str:
    return f"{table}_default_{name.removeprefix(f'ix_{table}_')}"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (column, key, indexes) in TABLES.items():
        default = f"{table}_default"
        op.execute(f"ALTER TABLE {table} RENAME TO {default}")
        op.execute(f"ALTER TABLE {default} RENAME CONSTRAINT pk_{table} TO {default}_pkey")
        for name in indexes:
            op.execute(f"ALTER INDEX {name} RENAME TO {_default_index(table, name)}")
        op.execute(
            f"CREATE TABLE {table} (LIKE {default} INCLUDING DEFAULTS) PARTITION BY LIST ({column})"
        )
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({key})")
        for name, columns in indexes.items():
            op.execute(f"CREATE INDEX {name} ON {table} ({columns})")
        # The old table's indexes match the new ones: attaching adopts them as they are.
        op.execute(f"ALTER TABLE {table} ATTACH PARTITION {default} DEFAULT")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    conn = op.get_bind()
    for table, (_column, _key, indexes) in TABLES.items():
        default = f"{table}_default"
        own = (
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = CAST(:table AS regclass) AND c.relname <> :default"
                ),
                {"table": table, "default": default},
            )
            .scalars()
            .all()
        )
        for name in own:
            op.execute(f"ALTER TABLE {table} DETACH PARTITION {name}")
        op.execute(f"ALTER TABLE {table} DETACH PARTITION {default}")
        for name in own:
            op.execute(f"INSERT INTO {default} SELECT * FROM {name}")
            op.execute(f"DROP TABLE {name}")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {default} RENAME TO {table}")
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {default}_pkey TO pk_{table}")
        for name in indexes:
            op.execute(f"ALTER INDEX {_default_index(table, name)} RENAME TO {name}")
