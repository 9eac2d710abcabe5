"""The platform's domain errors: each class carries how it reaches its user.

A request that raises one answers ``http_status`` with ``{"detail": http_detail}`` (one
handler, api/errors.py); a command that raises one prints ``error: <message>`` and ends with
``exit_code`` (one translation, cli/main.py). A module raises the error that says what went
wrong and never translates it by hand; only the job boundary (jobs/boundary.py) catches
everything.

This module is at the bottom of the layers (beside ``contract``) so that every layer can
raise these errors.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Something the user asked that cannot be done as asked; the message says why."""

    http_status: ClassVar[int] = 400
    exit_code: ClassVar[int] = 1
    # Seconds after which the same request may succeed (a 503's Retry-After); None: never.
    retry_after: ClassVar[int | None] = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def status(self) -> int:
        """The HTTP status of this occurrence (a subclass may decide per occurrence)."""
        return self.http_status

    @property
    def http_detail(self) -> str:
        """The text of the answer's ``detail``."""
        return self.detail

    @property
    def headers(self) -> dict[str, str]:
        wait = self.retry_after if self.status == 503 else None
        return {} if wait is None else {"Retry-After": str(wait)}


class NotFoundError(DomainError):
    http_status = 404


class PayloadTooLargeError(DomainError):
    http_status = 413


class UnsupportedMediaError(DomainError):
    http_status = 415


class UnprocessableError(DomainError):
    http_status = 422


class ServiceBusyError(DomainError):
    """Trying again shortly may succeed (the database was locked or unreachable)."""

    http_status = 503
    retry_after = 2


class ServerFailureError(DomainError):
    """The server could not do what the request asked (nothing of it was done)."""

    http_status = 500
