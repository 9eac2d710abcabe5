"""Errors that refuse a whole file or batch (a bad record is rejected, never raised), and
the error of one the database failed to store."""

from __future__ import annotations

from ..errors import DomainError, UnprocessableError
from .report import ImportReport


class ExportFileError(UnprocessableError, ValueError):
    """The file is not an export the platform can read; the message says why."""


class BatchBodyError(DomainError, ValueError):
    """A stream body that cannot be read as JSON at all (400; the message says why)."""


class BatchFormatError(UnprocessableError, ValueError):
    """A stream body that is not an object of the batch shape (export-format.md section 2)."""


class StoreFailedError(DomainError, RuntimeError):
    """The database did not store an import: rolled back whole, nothing of it stored.

    ``report`` is the failed import's report; ``retryable`` tells whether the same import
    may succeed when sent again (a lock held too long, a lost connection)."""

    def __init__(self, report: ImportReport, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.report = report
        self.reason = reason
        self.retryable = retryable

    # A request answers 503 (send it again) or 500; only the stream raises it to a request
    # (a file import's failure stays in its job, jobs/worker.py).
    retry_after = 2

    @property
    def status(self) -> int:
        return 503 if self.retryable else 500

    @property
    def http_detail(self) -> str:
        detail = f"the batch was not stored: {self.reason}"
        return f"{detail}; send it again" if self.retryable else detail
