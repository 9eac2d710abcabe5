"""Which database errors may pass when the same work is tried again (``error_text``
names them without their SQL or bound values)."""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# SQLSTATE classes: 08 connection exception, 40 transaction rollback (serialization
# failure, deadlock), 53 insufficient resources (too many connections), 57 operator
# intervention (a terminated backend, a server shutting down, a cancelled statement).
_RETRYABLE_CLASSES = frozenset({"08", "40", "53", "57"})
_RETRYABLE_STATES = frozenset({"55P03"})  # lock_not_available


def _driver_error(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a fault of the moment (a lock held past the busy timeout, a lost
    connection, a serialization failure) rather than of the work itself."""
    if isinstance(exc, PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = _driver_error(exc)
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        return "locked" in text or "busy" in text
    if isinstance(orig, psycopg.Error):
        state = orig.sqlstate
        if state is None:  # no answer from the server: the connection failed
            return isinstance(orig, psycopg.OperationalError)
        return state[:2] in _RETRYABLE_CLASSES or state in _RETRYABLE_STATES
    return False
