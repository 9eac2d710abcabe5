"""Error texts fit for users: the exception's class and the first line of its message.

A database error's text carries the failing statement and its bound values (SQLAlchemy
appends ``[SQL: ...]`` and ``[parameters: ...]``; PostgreSQL adds ``DETAIL``/``CONTEXT``
lines quoting the offending row). Those are other users' data and the schema's insides:
they stay in the server log (the full traceback is logged where the error is caught) and
never reach an API answer or the import history.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import StatementError

# What SQLAlchemy puts before the driver's message: "(sqlite3.OperationalError) ".
_DRIVER_PREFIX = re.compile(r"^\((?:[\w.]+)\)\s*")
# Whatever follows one of these markers on the first line (a text stored flattened).
_STATEMENT_TAIL = re.compile(r"\s*(?:\[SQL:|\[parameters:|\(Background on this error at:).*$")


def describe_error(exc: BaseException) -> str:
    """``"OperationalError: database is locked"``: the class and the message's first line."""
    # A wrapped driver error: its own message, without the statement SQLAlchemy appends.
    cause = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    message = _first_line(str(cause))
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def clean_error_text(text: str | None) -> str | None:
    """A stored error text as ``describe_error`` makes it (texts stored before it existed
    carry SQLAlchemy's statement and parameters): the first line, without any of them."""
    if text is None:
        return None
    line = _first_line(text)
    name, separator, message = line.partition(": ")
    if separator and name.isidentifier():
        return f"{name}: {_DRIVER_PREFIX.sub('', message)}"
    return line


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    line = _STATEMENT_TAIL.sub("", line)
    return _DRIVER_PREFIX.sub("", line).strip()
