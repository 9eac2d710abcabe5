"""GET /api/events: server-sent events from every process on the database.

Events: ``job_progress`` {job_id, done, total}, ``job_retrying`` {job_id, phase, attempt,
attempts, delay_seconds, error}, ``job_finished`` {job_id, status, failed_phase,
import_id}, ``analysis_failed`` {strategy_id, run_id, symbols, error, failed_at},
``import_finished`` {import_id, source, file_name, status, run_ids, job_id},
``analysis_updated`` {strategy_id, run_id, trades, symbols}, ``instrument_updated``
{symbol, point_value, tick_size, currency}, ``run_updated`` and ``run_deleted`` {run_id,
strategy_id}. Data is JSON. Stored events carry their id
(``id:``); a client that reconnects with ``Last-Event-ID`` (browsers send it by
themselves) first gets the events it missed, then ``connected`` with the newest id. When
they are no longer all kept (``EVENT_RETENTION_SECONDS``) it gets ``resync`` instead and
should reload what it shows. A comment line goes out every ``HEARTBEAT_SECONDS`` so
proxies keep the connection open.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from ...events import Event
from ...jobs.shared_events import Replay, SharedEventBus

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["events"])

HEARTBEAT_SECONDS = 15.0
# How long a browser waits before it reconnects (milliseconds).
RETRY_MS = 2000
# A client that stops reading is disconnected beyond this many waiting events; it
# reconnects with its Last-Event-ID and reads what it missed from the database.
QUEUE_SIZE = 1000
_DESCRIPTION = (
    "`text/event-stream` of `job_progress` {job_id, done, total}, `job_retrying` {job_id, "
    "phase, attempt, attempts, delay_seconds, error} (a transient database error: the job "
    "tries again), `job_finished` {job_id, status, failed_phase, import_id}, "
    "`import_finished` {import_id, source, file_name, status, run_ids, job_id}, "
    "`analysis_updated` {strategy_id, run_id, trades, symbols}, `analysis_failed` "
    "{strategy_id, run_id, symbols, error, failed_at} (a rebuild failed: the run keeps the "
    "trades of its last good rebuild) and `instrument_updated` {symbol, point_value, "
    "tick_size, currency}, `run_updated` and `run_deleted` {run_id, strategy_id} (a run's "
    "name, notes or tags changed; a run was deleted), each with JSON data, "
    "from every server and command on the database. Every event but `job_progress` has an "
    "`id`: reconnecting with the header `Last-Event-ID` (or `last_event_id`) replays the "
    "events missed since, then sends `connected` {last_event_id}; when some are no longer "
    "kept it sends `resync` instead (reload). A comment heartbeat every 15 s."
)


def format_event(event: Event) -> str:
    data = json.dumps(event.data, default=str, separators=(",", ":"))
    head = f"id: {event.id}\n" if event.id is not None else ""
    return f"{head}event: {event.type}\ndata: {data}\n\n"


def _parse_last_id(header: str | None, query: int | None) -> tuple[int | None, bool]:
    """The client's last event id, and whether it sent one this server cannot read."""
    if header is None or not header.strip():
        return query, False
    text = header.strip()
    if text.isdigit() and len(text) <= 18:
        return int(text), False
    return None, True


@router.get(
    "/events",
    operation_id="events-stream",
    summary="Live events (server-sent events)",
    description=_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless event stream",
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    "example": 'id: 42\nevent: analysis_updated\ndata: {"strategy_id":'
                    '"StackedImbalance","run_id":"6f1c...","trades":42}\n\n',
                }
            },
        }
    },
)
async def events(
    request: Request,
    last_event_id_header: Annotated[
        str | None,
        Header(alias="Last-Event-ID", description="The id of the last event received"),
    ] = None,
    last_event_id: Annotated[
        int | None, Query(ge=0, le=2**62, description="As the header, for clients without it")
    ] = None,
) -> StreamingResponse:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_SIZE)
    overflowed = asyncio.Event()

    def put(event: Event) -> None:
        if inbox.full():
            overflowed.set()
            return
        inbox.put_nowait(event)

    def forward(event: Event) -> None:
        # Publishers run in worker threads; the queue belongs to the event loop.
        loop.call_soon_threadsafe(put, event)

    bus: SharedEventBus = request.app.state.event_bus
    after_id, unreadable = _parse_last_id(last_event_id_header, last_event_id)
    # Subscribed before the replay is read: an event is in one or the other (or both).
    unsubscribe = bus.subscribe(forward)
    try:
        replay = await run_in_threadpool(bus.replay, after_id)
    except BaseException:
        unsubscribe()
        raise
    if unreadable:
        replay = Replay([], replay.newest_id, missed_some=True)

    async def stream() -> AsyncIterator[str]:
        try:
            yield f": connected\nretry: {RETRY_MS}\n\n"
            if replay.missed_some:
                yield format_event(Event("resync", {"last_event_id": replay.newest_id}))
            for event in replay.events:
                yield format_event(event)
            cursor = replay.newest_id
            yield format_event(Event("connected", {"last_event_id": cursor}, id=cursor))
            while not overflowed.is_set():
                try:
                    event = await asyncio.wait_for(inbox.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if event.id is not None:
                    if event.id <= cursor:
                        continue  # in the replay already
                    cursor = event.id
                yield format_event(event)
            log.warning("SSE client too slow: disconnected at event %d to catch up", cursor)
        finally:
            unsubscribe()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def setup(app: FastAPI) -> None:
    app.include_router(router)
