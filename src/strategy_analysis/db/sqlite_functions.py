"""SQL functions in C for the platform's SQLite connections (``_sqlite_functions.c``).

``install()`` makes every SQLite connection the process opens afterwards carry them;
``available(connection)`` tells whether one does. Statements use them only where it does,
and their SQL form elsewhere: the module is optional (no compiler at install time), and a
Python whose sqlite3 module carries its own SQLite library never sees them.
"""

from __future__ import annotations

import logging
import sqlite3
from functools import cache

log = logging.getLogger(__name__)

try:
    # compiled and optional (setup.py): no stub; sqlite_functions.py is its typed interface
    from . import _sqlite_functions  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a build without a C compiler
    _sqlite_functions = None


@cache
def install() -> bool:
    """Register the functions for connections opened from now on; whether the module is
    built."""
    if _sqlite_functions is None:
        log.info("SQLite functions in C not built: SQL forms in use")
        return False
    _sqlite_functions.install()
    return True


def available(connection: sqlite3.Connection) -> bool:
    """Whether ``connection`` has the functions."""
    try:
        connection.execute("SELECT sa_timestamp_text(NULL)").fetchone()
    except sqlite3.OperationalError:
        return False
    return True
