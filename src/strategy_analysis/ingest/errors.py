"""Errors that refuse a whole file or batch (a bad record is rejected, never raised), and
the error of one the database failed to store."""

from __future__ import annotations

from .report import ImportReport


class ExportFileError(ValueError):
    """The file is not an export the platform can read; the message says why."""


class BatchFormatError(ValueError):
    """A stream body that is not an object of the batch shape (export-format.md section 2)."""


class StoreFailedError(RuntimeError):
    """The database did not store an import: rolled back whole, nothing of it stored.

    ``report`` is the failed import's report; ``retryable`` tells whether the same import
    may succeed when sent again (a lock held too long, a lost connection)."""

    def __init__(self, report: ImportReport, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.report = report
        self.reason = reason
        self.retryable = retryable
