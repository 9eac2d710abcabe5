"""PostgreSQL: planner statistics that know a run's rows before a query joins them.

A run streamed or imported into a table's DEFAULT partition is missing from that
partition's statistics until its next ANALYZE, which autovacuum runs a minute or more
later. Meanwhile the planner takes the run for a handful of rows, and may join a window
of the run's executions to its orders by reading every order of the run once per
execution: 50,000 executions against 227,000 orders ran for more than ten minutes, and
the same read took 0.19 s once the partition was analyzed (0.4 s for both ANALYZEs).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from psycopg import sql
from sqlalchemy import Connection

from .rows import tuples

log = logging.getLogger(__name__)

# At or above this estimate of a run's rows, no plan reads them once per outer row (that
# would cost the estimate times the outer rows): the estimate is not checked.
TRUSTED_ESTIMATE = 10_000
# A table is analyzed when it holds at least this many times the estimate of the run's
# rows, and at least MIN_STALE_ROWS of them: counted with a LIMIT, so the check reads at
# most max(MIN_STALE_ROWS, STALE_FACTOR * TRUSTED_ESTIMATE) index entries.
STALE_FACTOR = 10
MIN_STALE_ROWS = 1_000


def refresh_stale_estimates(
    conn: Connection, tables: Iterable[str], column: str, value: str
) -> list[str]:
    """ANALYZE each partition of ``tables`` that holds the rows where ``column`` equals
    ``value`` when the planner underestimates them by STALE_FACTOR or more; the names
    analyzed. Runs in ``conn``'s transaction (whose own writes it counts); the caller
    commits. Nothing on SQLite, whose planner has no such statistics unless asked."""
    if conn.dialect.name != "postgresql":
        return []
    dbapi = conn.connection.driver_connection
    analyzed: list[str] = []
    for table in tables:
        where = sql.SQL("{} = {}").format(sql.Identifier(column), sql.Literal(value))
        plan: Any = conn.exec_driver_sql(
            sql.SQL("EXPLAIN (FORMAT JSON) SELECT 1 FROM {} WHERE {}")
            .format(sql.Identifier(table), where)
            .as_string(dbapi)
        ).scalar_one()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        if estimate >= TRUSTED_ESTIMATE:
            continue
        limit = max(MIN_STALE_ROWS, STALE_FACTOR * estimate)
        found = tuples(
            conn.exec_driver_sql(
                sql.SQL(
                    "SELECT n.nspname, c.relname, run_rows.rows FROM "
                    "(SELECT tableoid, count(*) AS rows FROM "
                    "(SELECT tableoid FROM {} WHERE {} LIMIT {}) AS limited GROUP BY 1) AS run_rows "
                    "JOIN pg_class c ON c.oid = run_rows.tableoid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace"
                )
                .format(sql.Identifier(table), where, sql.Literal(limit))
                .as_string(dbapi)
            )
        )
        for schema, partition, rows in found:
            if rows < limit:
                continue
            log.info(
                "analyzing %s: the planner estimated %d rows of %s %s, it holds %d or more",
                partition,
                estimate,
                column,
                value,
                rows,
            )
            conn.exec_driver_sql(
                sql.SQL("ANALYZE {}").format(sql.Identifier(schema, partition)).as_string(dbapi)
            )
            analyzed.append(partition)
    return analyzed
