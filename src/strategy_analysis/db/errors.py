"""Database errors as the platform tells them apart: transient ones (worth another attempt)
and the rest (the text a user sees of either is error_text.describe_error).

A transient error is one the same work may not meet again a moment later: the connection
was lost (the server restarted, an administrator ended the backend), a lock was not
granted in time, a serializable transaction or a deadlock was rolled back, SQLite's write
lock stayed held beyond the busy timeout.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# Errors a database call raises, wrapped by SQLAlchemy or straight from a driver.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, sqlite3.Error, psycopg.Error)

# SQLSTATE classes: 08 connection exception, 40 transaction rollback (serialization
# failure, deadlock), 53 insufficient resources (too many connections), 57 operator
# intervention (a terminated backend, a server shutting down, a cancelled statement);
# and lock_not_available (lock_timeout).
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57"})
TRANSIENT_SQLSTATES = frozenset({"55P03"})
# SQLite: another connection holds the lock beyond the busy timeout.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def _driver_error(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` is a database error that another attempt may not meet."""
    if isinstance(exc, PoolTimeoutError):
        return True  # no connection free in the pool within its timeout
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    error = _driver_error(exc)
    if isinstance(error, psycopg.Error):
        state = error.sqlstate
        if state is None:
            # Raised by the client, not the server: the connection is gone or unusable.
            return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))
        return state[:2] in TRANSIENT_SQLSTATE_CLASSES or state in TRANSIENT_SQLSTATES
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        return any(text in message for text in _SQLITE_BUSY)
    return False
