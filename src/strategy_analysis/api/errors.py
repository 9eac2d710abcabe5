"""One error hierarchy, one handler: every error answers {"detail": ...} with a 4xx, or a
5xx when the server failed to do what it should (503 with ``Retry-After`` when trying
again may succeed). A domain error (strategy_analysis/errors.py) carries its own status:
routers raise or let through, never translate."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError

from ..db.error_text import describe_error
from ..db.errors import is_transient
from ..errors import (
    DomainError,
    NotFoundError,
    PayloadTooLargeError,
    ServerFailureError,
    ServiceBusyError,
    UnprocessableError,
    UnsupportedMediaError,
)

# The API's names for the domain errors (strategy_analysis/errors.py): a router raises
# these for what it finds itself (no such id, a body of the wrong type).
ApiError = DomainError
__all__ = [
    "ApiError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ServerFailureError",
    "ServiceBusyError",
    "UnprocessableError",
    "UnsupportedMediaError",
    "install_error_handlers",
]


def describe_validation_error(exc: RequestValidationError) -> str:
    """FastAPI's error list as one sentence per problem: 'query.limit: ...; body: ...'."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(
            f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "")
        )
    return "; ".join(problems) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status, content={"detail": exc.http_detail}, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # api.md: every error is {"detail": "<text>"}, validation errors included.
        return JSONResponse(status_code=422, content={"detail": describe_validation_error(exc)})

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the parameter checks let through (out of range).
        return JSONResponse(
            status_code=422,
            content={"detail": f"value refused by the database: {describe_error(exc)}"},
        )

    @app.exception_handler(OperationalError)
    async def _operational_error(_request: Request, exc: OperationalError) -> JSONResponse:
        # SQLite has one writer: a long import can hold the lock past the busy timeout;
        # a PostgreSQL connection may be lost. Trying again may then succeed.
        if is_transient(exc):
            return JSONResponse(
                status_code=503,
                content={"detail": f"{describe_error(exc)}; retry shortly"},
                headers={"Retry-After": str(ServiceBusyError.retry_after)},
            )
        raise exc
