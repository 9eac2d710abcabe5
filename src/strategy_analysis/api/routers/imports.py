"""GET /api/imports (history, a stream session's batches) and /api/imports/{import_id}
(with rejects and conflicts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query

from ...services import imports_query
from ..deps import SessionDep
from ..errors import NotFoundError
from ..params import MAX_INT64, MAX_OFFSET, StoredRunId
from ..schemas.common import error_responses
from ..schemas.imports import ImportDetail, ImportPage, ImportSource, ImportStatus

router = APIRouter(prefix="/api/imports", tags=["imports"])


@router.get(
    "",
    operation_id="imports-list",
    summary="Import history",
    description="Every import, newest first: each file (upload, CLI, watched folder) and "
    "one entry per stream session, a run's stream batches with their counts added up "
    "(`kind` stream_session). With `session_id`: that session's batches. `source`, "
    "`run_id` and `status` narrow the list.",
    responses=error_responses(422, 503),
)
def list_imports(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    source: Annotated[ImportSource | None, Query(description="Only this source")] = None,
    run_id: Annotated[
        StoredRunId | None, Query(description="Only the imports that wrote this run's data")
    ] = None,
    status: Annotated[ImportStatus | None, Query(description="Only this status")] = None,
    session_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_INT64, description="The batches of this stream session"),
    ] = None,
) -> ImportPage:
    rows, total, rejected = imports_query.list_imports(
        session.connection(),
        limit=limit,
        offset=offset,
        source=source,
        run_id=run_id,
        status=status,
        session_id=session_id,
    )
    return ImportPage.model_validate(
        {
            "items": rows,
            "total": total,
            "limit": limit,
            "offset": offset,
            "rejected_total": rejected,
        }
    )


@router.get(
    "/{import_id}",
    operation_id="imports-get",
    summary="One import with its rejected records and conflicts",
    description="`limit`/`offset` page both lists; `rejected_total` and `conflicts_total` "
    "count all of them. A stream session's are those of its batches.",
    responses=error_responses(404, 422, 503),
)
def get_import(
    session: SessionDep,
    import_id: Annotated[int, Path(ge=1, le=MAX_INT64)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ImportDetail:
    row = imports_query.get_import(session.connection(), import_id, limit=limit, offset=offset)
    if row is None:
        raise NotFoundError(f"no import with id {import_id}")
    return ImportDetail.model_validate(row)


def setup(app: FastAPI) -> None:
    app.include_router(router)
