"""Errors that refuse a whole file or batch (a bad record is rejected, never raised)."""

from __future__ import annotations


class ExportFileError(ValueError):
    """The file is not an export the platform can read; the message says why."""


class BatchFormatError(ValueError):
    """A stream body that is not an object of the batch shape (export-format.md section 2)."""
