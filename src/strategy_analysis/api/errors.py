"""One error hierarchy, one handler: every error answers {"detail": ...} with a 4xx."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg.errors import LockNotAvailable
from sqlalchemy.exc import DataError, OperationalError


class ApiError(Exception):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(ApiError):
    status_code = 404


class PayloadTooLargeError(ApiError):
    status_code = 413


class UnsupportedMediaError(ApiError):
    status_code = 415


class UnprocessableError(ApiError):
    status_code = 422


class ServiceBusyError(ApiError):
    status_code = 503


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
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail})

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # api.md: every error is {"detail": "<text>"}, validation errors included.
        return JSONResponse(status_code=422, content={"detail": describe_validation_error(exc)})

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the parameter checks let through (out of range).
        return JSONResponse(
            status_code=422, content={"detail": f"value refused by the database: {exc.orig}"}
        )

    @app.exception_handler(OperationalError)
    async def _operational_error(_request: Request, exc: OperationalError) -> JSONResponse:
        # SQLite has one writer: a long import can hold the lock past the busy timeout;
        # on PostgreSQL a statement that sets a lock timeout (deleting a run) can pass it.
        if isinstance(exc.orig, LockNotAvailable) or "locked" in str(exc.orig).lower():
            return JSONResponse(
                status_code=503,
                content={"detail": "the database is busy with another write; retry shortly"},
                headers={"Retry-After": "2"},
            )
        raise exc
