"""Attempts of background work while the database fails transiently (db/errors.py):
how many, and how long to wait between them."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..db.errors import is_transient
from ..trades.analysis_failures import RebuildFailed

MAX_DELAY_SECONDS = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in all; the wait before attempt n+1 is ``first_delay`` * 2^(n-1),
    at most MAX_DELAY_SECONDS."""

    attempts: int = 5
    first_delay: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.job_retry_attempts, settings.job_retry_delay_seconds)

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1-based)."""
        return min(MAX_DELAY_SECONDS, self.first_delay * 2 ** (attempt - 1))


def worth_retrying(exc: BaseException) -> bool:
    """A transient database error, or a rebuild whose every failure was one."""
    if isinstance(exc, RebuildFailed):
        return exc.transient
    return is_transient(exc)
