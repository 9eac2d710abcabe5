"""The boundary of background work: the one place that catches every exception.

A background thread must survive a failing unit of work (a bad file, a database hiccup):
the failure is logged with its traceback and handed to ``on_failure`` (which records it on
the job's row), and the loop goes on with the next unit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..db.error_text import describe_error

log = logging.getLogger(__name__)


def _attempt(what: str, work: Callable[[], None]) -> str | None:
    try:
        work()
    except Exception as exc:  # noqa: BLE001 - the background job boundary (see module doc)
        log.exception("%s failed", what)
        return describe_error(exc)
    return None


def run_guarded(what: str, work: Callable[[], None], on_failure: Callable[[str], None]) -> bool:
    """Run ``work``; on any exception log it, call ``on_failure(message)``, return False."""
    failure = _attempt(what, work)
    if failure is None:
        return True
    # Recording the failure may fail too (the database is down): that is logged as well.
    _attempt(f"recording the failure of {what}", lambda: on_failure(failure))
    return False
