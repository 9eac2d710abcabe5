"""CSV answers (api.md "Analysis"): asked for with ``Accept: text/csv`` or ``format=csv``.

A CSV answer holds every row the JSON answer's filters select, under a header line of the
JSON field names, each value as the JSON answer gives it: text as is, numbers as JSON
writes them, true/false, a null as an empty cell and a list (tags) joined by ``;``.
The OpenAPI document describes the JSON answer only (the typed client would otherwise
see every answer as text or JSON); each route's description names the CSV form.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import Response, StreamingResponse

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
FormatQuery = Annotated[
    Literal["json", "csv"] | None,
    Query(description="`csv` for a CSV answer of every row (as `Accept: text/csv`)"),
]


def wants_csv(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        return format_ == "csv"
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip() == "text/csv" for part in accept.split(","))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return json.dumps(value)
    return value


def csv_lines(fields: list[str], chunks: Iterable[list[dict[str, Any]]]) -> Iterator[str]:
    """The header, then each chunk of JSON-ready rows as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    yield buffer.getvalue()
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_cell(row.get(name)) for name in fields] for row in rows)
        yield buffer.getvalue()


def csv_response(
    fields: list[str], chunks: Iterable[list[dict[str, Any]]], filename: str
) -> Response:
    return StreamingResponse(
        csv_lines(fields, chunks),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
