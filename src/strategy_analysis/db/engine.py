"""Engines and sessions. Built by the entry point from settings, never at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from . import sqlite_functions
from .wal_checkpoints import JOURNAL_SIZE_LIMIT, WalCheckpointer


def _sqlite_settings(busy_timeout: float):
    def configure(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # Takes effect on a new, empty file only: a bulk import writes (and checkpoints)
        # a quarter as many pages as with the default 4 KiB.
        cursor.execute("PRAGMA page_size=16384")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return configure


def make_engine(
    database_url: str,
    *,
    sqlite_busy_timeout: float = 30.0,
    sqlite_journal_size_limit: int = JOURNAL_SIZE_LIMIT,
    **kwargs,
) -> Engine:
    """Create the engine for ``database_url`` with the platform's per-dialect settings;
    ``sqlite_busy_timeout``: how long a SQLite write waits for another writer (seconds);
    ``sqlite_journal_size_limit``: what a checkpointed WAL is cut back to (bytes)."""
    if database_url.startswith("sqlite"):
        # before the first connection: each gets the functions as it opens
        sqlite_functions.install()
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_settings(sqlite_busy_timeout))
        path = engine.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            checkpointer = WalCheckpointer(path, journal_size_limit=sqlite_journal_size_limit)
            event.listen(engine, "connect", checkpointer.on_connect)
            event.listen(engine, "engine_disposed", checkpointer.stop)
        return engine
    engine = create_engine(database_url, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "connect")
    def _utc_session(dbapi_connection, _record) -> None:
        # Timestamps come back in UTC whatever the server's TimeZone setting.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
            # Imports and rebuilds run big statements over tables whose statistics lag
            # (stages have none): JIT compilation then costs more than it saves.
            cursor.execute("SET jit = off")
        dbapi_connection.commit()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def driver_connection(conn: Connection) -> Any:
    """The driver's own connection under ``conn`` (sqlite3 or psycopg), for what SQLAlchemy
    does not offer (COPY, pipelines, ATTACH, BEGIN IMMEDIATE)."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None  # a Connection in use holds a live pooled connection
    return dbapi
